"""The one registry of rules: every id a Problem carries, its default level, what it applies to, one line of doc.

``course``: found in a course, its roster or its build (``validate``, ``build``, ``teardown``);
``export``: found in Postman files as exported (``lint``, ``import``); ``both``: the same check on either.
Settings (a course's ``settings.rules``, ``.pmforge-lint.yaml``) are checked against this list, and
``docs/lint.md``'s table is ``markdown_table()`` (tests/test_rule_registry.py holds them equal).
Adding a rule that lint runs on a Postman document is one module in ``pmforge.lint.document_rules`` with
``check(context)``, and one entry here naming it (``check=``); the linter runs the checks in the order listed.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from pmforge.problems import ERROR, WARNING, Problem

COURSE = "course"
EXPORT = "export"
BOTH = "both"
OFF = "off"
LEVELS = (OFF, WARNING, ERROR)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    applies: str
    summary: str
    input: bool = False  # about reading or writing files, not a check of a Postman document's content
    check: str | None = None  # the module whose check(context) finds it in a Postman document (pmforge.lint.context)

    @property
    def on_exports(self) -> bool:
        return self.applies in (EXPORT, BOTH)


# Named, not imported: reading the registry (``pmforge --version``, settings) loads no check.
_SHAPE = "pmforge.lint.structure"  # the shape of a collection or environment, which the other checks read
_IN = "pmforge.lint.document_rules."

_ALL = (
    # Reading files, whatever they hold.
    Rule("file-not-found", ERROR, BOTH, "a file or folder given cannot be read (missing, not a regular file, no permission)", input=True),
    Rule("file-too-large", ERROR, BOTH, "an input file is larger than pmforge reads (courses 4 MB, rosters and exports 64 MB)", input=True),
    Rule("encoding", ERROR, BOTH, "an input file is not UTF-8 text", input=True),
    Rule("yaml-syntax", ERROR, BOTH, "a YAML file (a course, a roster, a v3 collection file) does not parse, or holds what YAML cannot carry", input=True),
    Rule("lint-config", ERROR, BOTH, "lint settings (.pmforge-lint.yaml, --config, a course's settings.rules) cannot be used: unknown key, rule or level", input=True),
    # Postman documents, exported or rendered from a course.
    Rule("json-syntax", ERROR, EXPORT, "the file is not valid JSON"),
    Rule("duplicate-key", ERROR, BOTH, "a key appears twice in one object; JSON readers silently keep the last"),
    Rule("file-kind", ERROR, EXPORT, "the file is neither a Postman collection (v2.0/v2.1) nor an environment"),
    Rule("collection-version", WARNING, EXPORT, "info.schema is not the v2.0.0 or v2.1.0 URL the Postman app writes and recognises", check=_SHAPE),
    Rule("structure", ERROR, EXPORT, "a value has the wrong JSON type, or an item has neither request nor item: Postman drops or mangles it", check=_SHAPE),
    Rule("unknown-key", WARNING, EXPORT, "a key Postman does not know (often a misspelling); Postman drops it without a word", check=_SHAPE),
    Rule("event-listen", ERROR, EXPORT, "event.listen is neither prerequest nor test, so the script never runs", check=_SHAPE),
    Rule("next-request", ERROR, BOTH, "setNextRequest names a request that does not exist: Newman then stops silently with exit 0", check=_IN + "next_request"),
    Rule("undefined-variable", ERROR, BOTH, "a {{VAR}} is neither in the given environments or collection variables nor set by an earlier script", check=_IN + "undefined_variable"),
    Rule("variable-case", WARNING, EXPORT, "two {{VAR}}s differ only in case ({{access_token}}, {{ACCESS_TOKEN}}); Postman treats them as two variables", check=_IN + "variable_case"),
    Rule("legacy-script", WARNING, EXPORT, "a script uses the legacy API (postman.setEnvironmentVariable, responseBody, tests[...]) instead of pm.*", check=_IN + "legacy_script"),
    Rule("secret", ERROR, BOTH, "a token, client secret or private key is written into the collection; keep it in an environment", check=_IN + "secret"),
    Rule("hard-coded-value", ERROR, EXPORT, "x-sandbox-name, x-api-key or x-gw-ims-org-id is a literal where a {{VARIABLE}} belongs", check=_IN + "hard_coded_value"),
    Rule("course-placeholder", ERROR, EXPORT, "a course placeholder is left in (a literal ldap in a body's name, createdBy or description; --aepSandboxId-- and the like)", check=_IN + "course_placeholder"),
    Rule("auth-scheme", WARNING, EXPORT, "the Authorization scheme is spelled two ways in one collection (bearer and Bearer)", check=_IN + "auth_scheme"),
    Rule("content-type-without-body", WARNING, EXPORT, "a request without a body sends a Content-Type header", check=_IN + "content_type_without_body"),
    Rule("duplicate-name", WARNING, BOTH, "two requests share a name in a folder or across the collection, where setNextRequest looks names up", check=_IN + "duplicate_name"),
    Rule("no-test", WARNING, EXPORT, "a request asserts nothing (no pm.test or tests[...]), so an error reply still passes", check=_IN + "no_test"),
    Rule("body-json", ERROR, BOTH, "a JSON request body (language json, or a JSON Content-Type) does not parse", check=_IN + "body_json"),
    Rule("segment-definition", ERROR, BOTH, "a POST .../segment/definitions body breaks segment-definition.schema.json", check=_IN + "body_schemas"),
    Rule("segment-job", ERROR, BOTH, "a POST .../segment/jobs body breaks segment-job.schema.json", check=_IN + "body_schemas"),
    Rule("pql-json", ERROR, BOTH, "a pql/json expression value is not a JSON-encoded string", check=_IN + "pql"),
    Rule("pql-tree", ERROR, BOTH, "a pql/json expression is not a valid PQL tree (pql-tree.schema.json)", check=_IN + "pql"),
    Rule("pql-field", ERROR, BOTH, "a PQL expression names a profile field the catalog does not know, or uses it wrongly", check=_IN + "pql"),
    Rule("pql-value", ERROR, BOTH, "a PQL expression compares a field with a value it cannot hold", check=_IN + "pql"),
    Rule("pql-syntax", ERROR, BOTH, "pql/text no PQL reader takes: blank, an open string, unpaired brackets, unfinished (text merely outside pmforge's subset is fine)", check=_IN + "pql"),
    Rule("pql-unconfirmed", WARNING, BOTH, "PQL compiled to pql/json uses an operator (!=, <, notIn, startsWith …) whose tree no public AEP sample confirms; pql/text is the safe choice", check=_IN + "pql"),
    Rule("headers", ERROR, BOTH, "an AEP Platform API request lacks a required header or sends one in the wrong form (headers.schema.json)", check=_IN + "headers"),
    # A course and what is built from it.
    Rule("course-schema", ERROR, COURSE, "the course file breaks course.schema.json (a missing, misspelled or mistyped key)"),
    Rule("placeholder", ERROR, COURSE, "a participant value ${...} is unknown, or written where none is filled in (only bodies and environment values)"),
    Rule("unused-variable", WARNING, COURSE, "an environment variable no request or script uses; it is left out of the output"),
    Rule("token-request", ERROR, COURSE, "resilience.token names no request, or one that keeps no token"),
    Rule("pql-unsupported", ERROR, COURSE, "PQL text pmforge cannot compile to pql/json; send it as pql/text"),
    Rule("pql-catalog", ERROR, COURSE, "a course's own fields: catalog entry is unusable"),
    Rule("template", ERROR, COURSE, "a template cannot be rendered, or renders to something that is not JSON"),
    Rule("postman-schema", ERROR, COURSE, "a rendered collection breaks postman-collection.schema.json"),
    Rule("postman-v3-schema", ERROR, COURSE, "a rendered v3 collection file breaks Postman's v3 schema"),
    Rule("environment-schema", ERROR, COURSE, "a rendered environment breaks postman-environment.schema.json"),
    Rule("roster", ERROR, COURSE, "the roster cannot be read (no ldap column, a short row, a value of the wrong form)"),
    Rule("duplicate-participant", ERROR, COURSE, "two roster rows are one participant (the same ldap, ignoring case and Unicode forms)"),
    Rule("unsafe-value", ERROR, COURSE, "a value would make an unsafe file name or page (a path separator, a device name)"),
    Rule("output", ERROR, COURSE, "the --out folder cannot be written, or is not pmforge's to replace", input=True),
    Rule("teardown", ERROR, COURSE, "the course's teardown section names what the course does not have"),
    Rule("import", ERROR, EXPORT, "an exported collection cannot be turned into a course", input=True),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _ALL}


class UnknownRule(KeyError):
    """A rule id the registry does not hold; ``str()`` says so and names the nearest id."""

    def __init__(self, rule_id: object) -> None:
        super().__init__(rule_id)
        self.rule_id = rule_id

    def __str__(self) -> str:
        return f"unknown rule {self.rule_id!r}{did_you_mean(self.rule_id)}"


def did_you_mean(rule_id: object) -> str:
    guess = difflib.get_close_matches(str(rule_id), list(RULES), n=1, cutoff=0.6)
    return f"; did you mean {guess[0]!r}?" if guess else "; `pmforge lint --list-rules` lists them"


def get(rule_id: object) -> Rule:
    """The rule of that id; an unknown id raises UnknownRule (with a did-you-mean)."""
    if not isinstance(rule_id, str) or rule_id not in RULES:
        raise UnknownRule(rule_id)
    return RULES[rule_id]


def default_level(rule_id: str) -> str:
    """The level a problem of ``rule_id`` has unless settings say otherwise."""
    rule = RULES.get(rule_id)
    return rule.severity if rule is not None else ERROR


def apply_levels(problems: Iterable[Problem], levels: dict[str, str]) -> list[Problem]:
    """The one place levels are applied, for courses and exports alike.

    ``levels`` maps rule ids to off, warning or error. A rule switched off drops its problems; a level other
    than the problem's severity becomes its severity, except that a problem found below its rule's default keeps
    its severity when the level only repeats that default (a deprecated field's warning under an error rule stays
    a warning); a problem raised above its default (a course's duplicate-name error) follows the level.
    """
    kept = []
    for problem in problems:
        level = levels.get(problem.rule)
        if level == OFF:
            continue
        if level in (WARNING, ERROR) and level != problem.severity:
            default = RULES[problem.rule].severity if problem.rule in RULES else None
            if not (level == default and problem.severity == WARNING):  # a problem found below its rule's default stays
                problem = dataclasses.replace(problem, severity=level)
        kept.append(problem)
    return kept


# Levels a course raises above the registry's default: pmforge derives item ids and v3 file names from request
# names, so two requests of one name are an error in a course (a warning in an export).
COURSE_LEVELS = {"duplicate-name": ERROR}


def course_levels(levels: dict[str, str]) -> dict[str, str]:
    """The levels for a course's problems: the course's own ``settings.rules`` over ``COURSE_LEVELS``."""
    return {**COURSE_LEVELS, **levels}


def markdown_table() -> str:
    """The rules table of docs/lint.md."""
    rows = ["| Rule | Default | Applies to | What it finds |", "|---|---|---|---|"]
    rows += [f"| `{rule.id}` | {rule.severity} | {rule.applies} | {rule.summary} |" for rule in RULES.values()]
    return "\n".join(rows) + "\n"
