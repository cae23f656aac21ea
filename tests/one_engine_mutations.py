"""Course mutations for the one-verdict property (tests/test_one_engine.py), and the two verdicts compared.

A mutation is a list of ``Change``s, plain data, so that Hypothesis draws them and a disagreement found is
written down as the same data in an explicit case. A change names its place loosely (request ``i`` is
request ``i`` modulo the course's count), so one change applies to every course.

The verdict compared: ``validate`` refuses (any error) ⇔ ``lint --config course.yaml`` refuses what build
writes for the participant (collection and environment). Where validate refuses, the course is rendered
anyway, for the same participant, to get the output lint would read.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml
from hypothesis import strategies as st

from pmforge import building
from pmforge.lint import lint_files
from pmforge.lint.settings import LintConfigError, load_settings
from pmforge.model import BODY_KEYS
from pmforge.pql import compile_text
from pmforge.problems import ERROR, Problem
from pmforge.rendering import Renderer, canonical
from pmforge.roster import Participant
from pmforge.rules import COURSE, RULES

DROP = "<drop>"  # as a value: remove the key at that place


@dataclass(frozen=True)
class Change:
    """One edit of a course: ``area`` says what, ``at`` where (course, folder i, request i), ``key`` and ``value`` how."""

    area: str
    at: Any = "course"
    key: Any = None
    value: Any = None

    def __str__(self) -> str:
        where = self.at if isinstance(self.at, str) else f"{self.at[0]} {self.at[1]}"
        return f"{self.area}@{where}[{self.key!r}]={self.value!r}"


# ---------------------------------------------------------------- pools of values, by area

def _tree(text: str) -> str:
    return json.dumps(compile_text(text), separators=(",", ":"))


TRUE_TREE = '{"nodeType":"literal","literalType":"Boolean","value":true}'
PQL_IN_SUBSET = ['person.gender in ["female"]', 'person.gender = "female"', 'homeAddress.city = "Paris"',
                 'person.birthYear > 1990', 'person.name.firstName.startsWith("J")', 'person.gender != "male"']
PQL_OUTSIDE = ['(Profile) => Profile.person.gender = "female"', 'person.gender = "female" AND homeAddress.city = "Paris"',
               r'person.name.firstName.matches("^J\w+")', 'select x from xEvent where x.timestamp occurs before today',
               'person.gender = "female" and person.nosuch = 3']
PQL_BROKEN = ['person.gender = "female', '(person.gender = "female"', "", "   ", 'person.gender =', 'person.gender in ["a"']
PQL_WRONG = ['person.genderr = "female"', 'person.birthYear = "x"', 'person.gender = 3', 'nosuch.field = "x"',
             'person.name.firstName = ${ldap}', 'person.name.firstName = "${ldap}"', 'person.${ldap} = "x"']
PQL_TEXTS = PQL_IN_SUBSET + PQL_OUTSIDE + PQL_BROKEN + PQL_WRONG
TREES: list[Any] = [
    TRUE_TREE, _tree('person.gender = "female"'), _tree('person.birthYear > 1990'), _tree('person.genderr = "female"'),
    _tree('person.birthYear = "x"'), "not json", '{"nodeType": "bogus"}', '{"nodeType":"literal"}', "[]", '"text"',
    json.loads(_tree('person.gender in ["female"]')), {"nodeType": "literal", "literalType": "Boolean", "value": True},
    {"nodeType": "nope"}, 5, None, 'person.gender = "female"',
]

HEADER_FAMILIES: list[tuple[list[str], list[Any]]] = [
    (["Authorization", "authorization", "AUTHORIZATION", "Authorisation"],
     ["Bearer {{ACCESS_TOKEN}}", "bearer {{ACCESS_TOKEN}}", "BEARER {{ACCESS_TOKEN}}", "Bearer  {{ACCESS_TOKEN}}",
      "Bearer {{ACCESS_TOKEN}} ", "Bearer abcdefghijklmnopqrstuvwxyz0123", "Basic {{ACCESS_TOKEN}}", "{{ACCESS_TOKEN}}",
      "Bearer {{TOKEN}}", "Bearer {{access_token}}", "Bearer {{ $guid }}", "", None, DROP,
      {"value": "Bearer {{ACCESS_TOKEN}}", "disabled": True}, {"value": "bearer x", "disabled": True}]),
    (["x-api-key", "X-Api-Key", "X-API-KEY", "x-api-kye", "x-apikey"],
     ["{{API_KEY}}", "abc123", "", " ", "{{API_KEY}} ", "{{api_key}}", "--aepApiKey--", "{{UNDEFINED}}", None, DROP,
      {"value": "{{API_KEY}}", "disabled": True}, {"value": "abc123", "disabled": True}]),
    (["x-gw-ims-org-id", "X-Gw-Ims-Org-Id", "x-gw-ims-orgid", "x-ims-org-id"],
     ["{{IMS_ORG}}", "ACME123@AdobeOrg", "", "{{IMS_ORG}}x", "--aepImsOrgId--", None, DROP,
      {"value": "{{IMS_ORG}}", "disabled": True}]),
    (["x-sandbox-name", "X-Sandbox-Name", "x-sandbox-nmae", "x-sandbox"],
     ["{{SANDBOX_NAME}}", "prod", "dev", "", "--aepSandboxId--", "{{SANDBOX}}", "{{NOWHERE}}", None, DROP,
      {"value": "prod", "disabled": True}, {"value": "{{SANDBOX_NAME}}", "disabled": True}]),
    (["Content-Type", "content-type", "CONTENT-TYPE", "Content-Typ"],
     ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "text/plain",
      "application/x-www-form-urlencoded", "", "{{CT}}", None, DROP, {"value": "application/json", "disabled": True}]),
    (["Accept", "X-Trace", "x-request-id", "Cache-Control"],
     ["application/json", "on", "{{$guid}}", "{{UNDEFINED}}", "", "a\tb", "bad\u0001value", "${ldap}", None, DROP,
      {"value": "{{UNDEFINED}}", "disabled": True}]),
]

SECRET_VALUE = "hunter2-s3cret-value"
TEXTS = ["${ldap} - test", "ldap - test", "{{ldap}} - test", "${ldap}", "", "plain", "--aepUserLdap--", 5, None, True,
         "{{UNDEFINED}}", "{{SEGMENT_ID}}", "{{$guid}}", SECRET_VALUE, "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijkl",
         "p8e-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", "${nosuch}", "$${ldap}", [], {}, float("nan"), float("inf")]
BODY_KEYS_POOL: list[tuple[list[str], list[Any]]] = [
    (["name", "description", "createdBy", "segmentId", "nmae", "nonsense"], TEXTS),
    (["schema"], [{"name": "_xdm.context.profile"}, {"name": "_xdm.context.experienceevent"}, {}, {"name": 5},
                  "_xdm.context.profile", {"name": "_xdm.context.profile", "id": "x"}, DROP, None]),
    (["ttlInDays"], [30, "30", -1, 0, 1.5, None, DROP]),
    (["expression"], [DROP, None, "x", [], {}, {"type": "PQL", "format": "pql/text", "value": 'person.gender = "female"'},
                      {"type": "PQL", "format": "pql/json", "value": TRUE_TREE}]),
    (["evaluationInfo"], [{"batch": {"enabled": True}}, {"continuous": {"enabled": True}}, "x", DROP]),
]
EXPRESSION_POOL: list[tuple[list[str], list[Any]]] = [
    (["type"], ["PQL", "pql", "ARL", 5, DROP]),
    (["format"], ["pql/json", "pql/text", "pql/xml", "PQL/JSON", 5, DROP]),
    (["pql"], PQL_TEXTS + [5, None]),
    (["value"], TREES + PQL_TEXTS[:6]),
    (["both"], [TRUE_TREE]),  # pql and value together
]
BODIES = [
    [{"segmentId": "{{SEGMENT_ID}}"}], [], {"segmentId": "{{SEGMENT_ID}}"}, [{"segmentId": 5}], [{"segmentID": "{{SEGMENT_ID}}"}],
    [{"segmentId": "{{SEGMENT_ID}}", "extra": 1}], [{"segmentId": ""}], [{}], [{"segmentId": "{{SEGMENT_ID}}"}, {"segmentId": "x"}],
    "text", 5, None, True, [1, 2], {"name": "${ldap}"}, {"who": "${ldap}", "n": 1.5}, DROP,
    {"name": "${ldap} - x", "expression": {"type": "PQL", "format": "pql/text", "value": 'person.gender = "female"'},
     "schema": {"name": "_xdm.context.profile"}},
    {"name": "${ldap} - x", "expression": {"type": "PQL", "format": "pql/json", "pql": 'person.gender = "female"'},
     "schema": {"name": "_xdm.context.profile"}},
    {"name": "${ldap} - x", "expression": {"type": "PQL", "format": "pql/json", "value": TRUE_TREE}, "schema": {"name": "_xdm.context.profile"},
     "description": SECRET_VALUE},
]
RAWS = ['{"name": "x"', '{"segmentId": "{{SEGMENT_ID}}"}', '[{"segmentId": "{{SEGMENT_ID}}"}]', "{{BODY}}", "plain text",
        '{"name": "ldap - x", "expression": {"type": "PQL", "format": "pql/text", "value": "person.gender = \\"female\\""}, "schema": {"name": "_xdm.context.profile"}}',
        '{"a": {{UNQUOTED}}}', "", "${ldap}", '{"a": 1, "a": 2}']
FORMDATA = [[{"key": "note", "value": "{{UNDEFINED}}", "disabled": True}], [{"key": "note", "value": "{{UNDEFINED}}"}],
            [{"key": "upload", "src": "data.csv", "type": "file"}], [], [{"key": "who", "value": "${ldap}"}]]
FORMS = [{"grant_type": "client_credentials"}, {"client_secret": "{{CLIENT_SECRET}}"}, {"client_secret": "abcdefgh"},
         {"who": "${ldap}"}, {"x": "{{UNDEFINED}}"}, {}]

URLS = ["{{PLATFORM_GATEWAY}}/data/core/ups/segment/definitions", "{{PLATFORM_GATEWAY}}/data/core/ups/segment/jobs",
        "{{PLATFORM_GATEWAY}}/data/core/ups/segment/definitions/", "{{PLATFORM_GATEWAY}}/data/core/ups/segment/definitions?limit=1",
        "https://platform.adobe.io/data/core/ups/segment/definitions", "https://platform.adobe.io:443/data/core/ups/segment/jobs",
        "{{PLATFORM_GATEWAY}}/other/path", "http://localhost:8080/data/x", "{{NOHOST}}/data/core/ups/segment/jobs",
        "{{PLATFORM_GATEWAY}}/data/core/ups/segment/jobs/{{JOB_ID}}", "{{PLATFORM_GATEWAY}}/data/core/ups/segment/definitions/:id",
        "{{PLATFORM_GATEWAY}}/DATA/core/ups/segment/definitions", "{{PLATFORM_GATEWAY}}//data/core/ups/segment/definitions",
        "{{PLATFORM_GATEWAY}}/data/core/ups/segment/definitions#top", "{{PLATFORM_GATEWAY}}/data/core/ups/segment/definitions?x={{UNDEFINED}}",
        "{{BASE}}/data/core/ups/segment/jobs", "https://{{HOST}}/data/core/ups/segment/definitions", "/data/core/ups/segment/jobs",
        "{{PLATFORM_GATEWAY}}/data/core/ups/segment/definitions?name=${ldap}", "http://[::1/data"]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

# «n» is request n's name as a JSON string literal; «`n» the same name between backticks.
SCRIPTS = [
    'pm.execution.setNextRequest(«0»);', "pm.execution.setNextRequest(«-1»);", "pm.execution.setNextRequest(«`1»);",
    'pm.execution.setNextRequest("Nope");', "postman.setNextRequest('Nope');", "pm.execution.setNextRequest(`Nope`);",
    '// pm.execution.setNextRequest("Nope")', "/* postman.setNextRequest('Nope') */ pm.test('ok', () => {});",
    "pm.execution.setNextRequest(pm.environment.get('next'));", "pm.execution.setNextRequest(`${'No'}pe`);",
    'var url = "http://x//y"; pm.execution.setNextRequest(null);', 'pm.execution.setNextRequest( "Nope" )',
    'pm.environment.set("NEWVAR", "1");', "postman.setEnvironmentVariable('NEWVAR', '1');", "pm.collectionVariables.set(`NEWVAR`, 1);",
    "pm.variables.set('NEWVAR', 1);", 'tests["status"] = responseCode.code === 200;', "var data = JSON.parse(responseBody);",
    'pm.test("ok", () => pm.response.to.have.status(200));', "console.log('${ldap}');", "pm.environment.get('ldap');",
    'var s = "{{UNDEFINED}}";', "const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijkl';",
    "pm.execution.setNextRequest('Nope') // trailing", 'pm.execution.setNextRequest("\\"quoted\\"");', "",
]
VARIABLE_NAMES = ["SEGMENT_ID", "JOB_ID", "UNDEFINED", "NEWVAR", "ldap", "$guid", "$timestamp", "MERGEPOLICY_ID", "segment_id",
                  "THING", "ACCESS_TOKEN", " SEGMENT_ID "]
ENVIRONMENT_VALUES = ["", "literal", "${ldap}", "${sandbox}", "{{OTHER}}", "${nosuch}", {"value": SECRET_VALUE, "secret": True},
                      {"value": "short", "secret": True}, {"value": "", "secret": True}, {"value": "x", "kept": "on purpose"}, DROP]
ENVIRONMENT_KEYS = ["ACCESS_TOKEN", "API_KEY", "IMS_ORG", "SANDBOX_NAME", "SEGMENT_ID", "JOB_ID", "CLIENT_SECRET", "NEWVAR",
                    "PLATFORM_GATEWAY", "BASE", "ldap", "OTHER", "access_token"]
CHECKED_RULES = [rule.id for rule in RULES.values() if rule.applies != COURSE and not rule.input] + ["placeholder"]
LEVELS = ["off", "warning", "error", False]


# ---------------------------------------------------------------- strategies

_INDEX = st.integers(0, 11)
_PLACE = st.one_of(st.just("course"), st.tuples(st.just("folder"), _INDEX), st.tuples(st.just("request"), _INDEX))
_REQUEST = st.tuples(st.just("request"), _INDEX)


def _pick(families: list[tuple[list[str], list[Any]]]) -> st.SearchStrategy[tuple[str, Any]]:
    return st.sampled_from(families).flatmap(lambda family: st.tuples(st.sampled_from(family[0]), st.sampled_from(family[1])))


def _change(area: str, at: st.SearchStrategy[Any], pair: st.SearchStrategy[tuple[Any, Any]]) -> st.SearchStrategy[Change]:
    return st.tuples(at, pair).map(lambda drawn: Change(area, drawn[0], drawn[1][0], drawn[1][1]))


def _none(values: list[Any]) -> st.SearchStrategy[tuple[Any, Any]]:
    return st.tuples(st.none(), st.sampled_from(values))


CHANGES: dict[str, st.SearchStrategy[Change]] = {
    "header": _change("header", _PLACE, _pick(HEADER_FAMILIES)),
    "body-key": _change("body-key", _REQUEST, _pick(BODY_KEYS_POOL)),
    "expression": _change("expression", _REQUEST, _pick(EXPRESSION_POOL)),
    "body": _change("body", _REQUEST, _none(BODIES)),
    "raw": _change("raw", _REQUEST, _none(RAWS)),
    "form": _change("form", _REQUEST, _none(FORMS)),
    "formdata": _change("formdata", _REQUEST, _none(FORMDATA)),
    "url": _change("url", _REQUEST, _none(URLS)),
    "method": _change("method", _REQUEST, _none(METHODS)),
    "name": _change("name", _REQUEST, st.tuples(st.sampled_from(["same", "case", "new"]), _INDEX)),
    "copy": _change("copy", _REQUEST, st.tuples(st.sampled_from(["folder", "course"]), _INDEX)),
    "script": _change("script", _PLACE, st.tuples(st.sampled_from(["test", "prerequest"]), st.sampled_from(SCRIPTS))),
    "folder": _change("folder", st.just("course"), st.tuples(st.sampled_from(["test", "prerequest"]), st.sampled_from(SCRIPTS))),
    "use": _change("use", _REQUEST, st.tuples(st.sampled_from(["url", "header", "body", "path"]), st.sampled_from(VARIABLE_NAMES))),
    "keep": _change("keep", _REQUEST, st.tuples(st.sampled_from(VARIABLE_NAMES[:5]), st.sampled_from(["id", "name"]))),
    "env": _change("env", st.just("course"), st.tuples(st.sampled_from(ENVIRONMENT_KEYS), st.sampled_from(ENVIRONMENT_VALUES))),
    "rule": _change("rule", st.just("course"), st.tuples(st.sampled_from(CHECKED_RULES), st.sampled_from(LEVELS))),
}


def mutations(max_changes: int = 3) -> st.SearchStrategy[list[Change]]:
    """One to ``max_changes`` changes, each of any area."""
    return st.lists(st.one_of(*CHANGES.values()), min_size=1, max_size=max_changes)


# ---------------------------------------------------------------- applying changes

def _walk(items: list[Any]) -> list[dict[str, Any]]:
    found = []
    for item in items:
        if not isinstance(item, dict):
            continue
        found.append(item)
        if "requests" in item and "method" not in item and "url" not in item:
            found += _walk(item["requests"])
    return found


def requests_of(course: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in _walk(course["folders"]) if "method" in item or "url" in item]


def folders_of(course: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in _walk(course["folders"]) if not ("method" in item or "url" in item)]


def _place(course: dict[str, Any], at: Any) -> dict[str, Any]:
    if at == "course":
        return course
    kind, index = at
    found = requests_of(course) if kind == "request" else folders_of(course)
    return found[index % len(found)] if found else course


def _set(mapping: dict[str, Any], key: str, value: Any) -> None:
    if value == DROP:
        mapping.pop(key, None)
    else:
        mapping[key] = copy.deepcopy(value)


_NAME_SLOT = re.compile(r"«(`?)(-?\d+)»")


def _script(course: dict[str, Any], text: str) -> str:
    names = [request["name"] for request in requests_of(course)]

    def name(match: re.Match[str]) -> str:
        target = names[int(match.group(2)) % len(names)]
        return f"`{target}`" if match.group(1) else json.dumps(target, ensure_ascii=False)

    return _NAME_SLOT.sub(name, text)


def apply(base: dict[str, Any], changes: list[Change]) -> dict[str, Any]:
    course = copy.deepcopy(base)
    for change in changes:
        place = _place(course, change.at)
        area, key, value = change.area, change.key, change.value
        if area == "header":
            if place is course or "headers" in place or value != DROP:
                _set(place.setdefault("headers", {}), key, value)
        elif area == "body-key":
            body = place.get("body")
            target = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else body
            if isinstance(target, dict):
                _set(target, key, value)
        elif area == "expression":
            body = place.get("body")
            if isinstance(body, dict):
                expression = body.setdefault("expression", {"type": "PQL", "format": "pql/json"})
                if isinstance(expression, dict):
                    if key == "both":
                        expression.setdefault("pql", 'person.gender = "female"')
                        expression["value"] = value
                    else:
                        _set(expression, key, value)
                        if key in ("pql", "value") and value != DROP:
                            expression.pop("value" if key == "pql" else "pql", None)
        elif area in ("body", "raw", "form", "formdata"):
            for other in BODY_KEYS:
                place.pop(other, None)
            _set(place, area, value)
        elif area in ("url", "method"):
            place[area] = value
            if area == "url" and ":id" in value:
                place["path_variables"] = {"id": "{{SEGMENT_ID}}"}
        elif area == "name":
            names = [request["name"] for request in requests_of(course)]
            other = names[value % len(names)]
            place["name"] = {"same": other, "case": other.swapcase(), "new": f"{other} (2)"}[key]
        elif area == "copy":
            target = course["folders"] if key == "course" else (folders_of(course) or [course])[value % max(len(folders_of(course)), 1)]
            (target if isinstance(target, list) else target.setdefault("requests", [])).append(copy.deepcopy(place))
        elif area == "folder":  # a folder with no request yet, and a script
            course["folders"].append({"name": "Later", "requests": [], "scripts": {key: _script(course, value)}})
        elif area == "script":
            _set(place.setdefault("scripts", {}), key, _script(course, value))
        elif area == "use":
            use = f"{{{{{value}}}}}"
            if key == "url":
                place["url"] += ("&" if "?" in place["url"] else "?") + f"v={use}"
            elif key == "header":
                place.setdefault("headers", {})["X-Use"] = use
            elif key == "path":
                place["url"] = place["url"].split("?")[0] + "/:thing"
                place["path_variables"] = {**place.get("path_variables", {}), "thing": use}
            elif isinstance(place.get("body"), dict):
                place["body"]["used"] = use
        elif area == "keep":
            _set(place.setdefault("keep", {}), key, value)
        elif area == "env":
            _set(course.setdefault("environment", {}), key, value)
        elif area == "rule":
            course.setdefault("settings", {}).setdefault("rules", {})[key] = value
        else:
            raise ValueError(f"unknown area {area!r}")
    return course


# ---------------------------------------------------------------- the two verdicts

ROSTER = "ldap,sandbox\nalice,dev\n"
PARTICIPANT = Participant("alice", "dev", {})


@dataclass
class Outcome:
    validate: list[Problem]
    lint: list[Problem] | None  # None: the course cannot be rendered (it never reaches lint)
    why_not: str = ""
    files: list[Path] = field(default_factory=list)
    course: dict[str, Any] = field(default_factory=dict)  # as written


def outcome(folder: Path, data: dict[str, Any]) -> Outcome:
    """Write the course in ``folder``, validate it, and lint what build writes for alice (or would write)."""
    folder.mkdir(parents=True)
    course, roster = folder / "course.yaml", folder / "roster.csv"
    data = {key: value for key, value in data.items() if key != "example_roster"}
    course.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    roster.write_text(ROSTER, encoding="utf-8")
    validated = building.validate(course, roster).problems
    try:
        settings = load_settings(course)
    except LintConfigError:
        return Outcome(validated, None, "lint refuses the settings", course=data)
    if not any(p.severity == ERROR for p in validated):
        result = building.build(course, roster, folder / "out")
        assert not any(p.severity == ERROR for p in result.problems), result.problems
        files = sorted((folder / "out" / PARTICIPANT.ldap).glob("*.postman_*.json"))
    else:
        loaded, _ = building.load_course(course)
        if loaded is None:
            return Outcome(validated, None, "the course does not load", course=data)
        try:
            rendered = Renderer(loaded).render(PARTICIPANT)
        except Exception as error:  # noqa: BLE001 - a refused course need not render; build never tries
            return Outcome(validated, None, f"the course does not render: {type(error).__name__}", course=data)
        files = [folder / "c.postman_collection.json", folder / "c.postman_environment.json"]
        files[0].write_text(canonical(rendered.collection), encoding="utf-8")
        files[1].write_text(canonical(rendered.environment), encoding="utf-8")
    return Outcome(validated, list(lint_files(files, settings=settings)), files=files, course=data)


# ---------------------------------------------------------------- the property

@dataclass(frozen=True)
class Known:
    """A disagreement found and recorded: the refusing side's errors of this rule whose message matches."""

    name: str
    side: str  # "validate": validate refuses, lint accepts; "lint": the other way round
    rule: str
    message: str  # a regular expression, searched
    when: Callable[[dict[str, Any]], bool] | None = None  # only in a course (as written) this holds for, e.g. one with an empty folder

    def explains(self, problem: Problem, course: dict[str, Any]) -> bool:
        return (problem.rule == self.rule and re.search(self.message, problem.message) is not None
                and (self.when is None or self.when(course)))


def course_only(problems: list[Problem]) -> list[Problem]:
    """Errors of rules that read the course itself (rules.py ``applies``: course), which lint cannot see."""
    return [p for p in problems if p.severity == ERROR and p.rule in RULES and RULES[p.rule].applies == COURSE]


def _refusing(problems: list[Problem]) -> list[Problem]:
    # duplicate-name: a course raises it to an error on purpose (ids and v3 file names come from names);
    # it is compared by its presence, below, not by its level.
    return [p for p in problems if p.severity == ERROR and p.rule != "duplicate-name" and not course_only([p])]


def judge(result: Outcome, known: list[Known]) -> tuple[str, list[str]]:
    """(how the example was compared, what disagrees): nothing disagrees when the verdicts agree, or
    disagree only as ``known`` says.

    Compared in full: validate refuses ⇔ lint refuses the output. Where a course-only rule or the course's
    raised duplicate-name refuses, validate stops before its rendered checks, so only one way is compared:
    a shared rule validate refuses with, lint refuses too.
    """
    if result.lint is None:
        return result.why_not, []
    validate, lint = _refusing(result.validate), _refusing(result.lint)
    stopped = [p for p in result.validate if p.severity == ERROR and (p.rule == "duplicate-name" or course_only([p]))]
    trouble = []
    if bool(validate) != bool(lint) and not (stopped and not validate):
        side, errors = ("validate", validate) if validate else ("lint", lint)
        unexplained = [p for p in errors if not any(k.side == side and k.explains(p, result.course) for k in known)]
        other = "lint accepts" if side == "validate" else "validate accepts"
        trouble += [f"{side} refuses, {other}: {p}" for p in unexplained]
    named = {side: any(p.rule == "duplicate-name" for p in problems) for side, problems in (("validate", result.validate), ("lint", result.lint))}
    if named["validate"] != named["lint"] and not (course_only(result.validate) and not named["validate"]):
        trouble.append(f"duplicate-name: validate {'reports' if named['validate'] else 'is silent'}, lint {'reports' if named['lint'] else 'is silent'}")
    how = "compared one way" if stopped else "compared"
    return how, trouble
