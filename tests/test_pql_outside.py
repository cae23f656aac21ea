"""Issue 10, point 6: PQL outside the subset still travels.

Text pmforge cannot compile is "outside the subset": as pql/text it passes validate, build and the mock;
as pql/json it is an error naming pql/text. Only plainly broken text is a syntax error. An operator whose
pql/json form no public AEP tree confirms is a warning naming pql/text.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pmforge import building
from pmforge.mock import MockServer
from pmforge.mock.client import AepSession
from pmforge.mock.validation import check_pql_text
from pmforge.pql import PqlError, compile_text
from pmforge.pql.catalog import check_text
from pmforge.pql.errors import PqlIssue
from pmforge.rehearsal import participant_overrides, run_newman
from pmforge.resources import bundled_course
from tests.conftest import shared_file

OUTSIDE, BROKEN = "outside the subset", "broken"
SUFFIX = "; outside the PQL subset pmforge compiles: send it as pql/text"
# Adobe's documented forms (REFERENCE.md §3.1, pql_json_examples.json), with where and why the compiler stops.
ADOBE = [
    ('(Profile) => Profile.person.gender = "female"', 10, "a lambda (`=>`) is outside the PQL subset pmforge compiles; send it as pql/text"),
    ('person.name.firstName.matches("^J\\w+")', 22, "`matches` is outside the PQL subset pmforge compiles; send it as pql/text"),
    ('person.gender = "female" AND homeAddress.countryCode = "US"', 25, "PQL keywords are case-sensitive: write `and`" + SUFFIX),
    ('select _Checkouts1 from xEvent where _Checkouts1.eventType.equals("commerce.checkouts", true)', 0,
     "`select` is outside the PQL subset pmforge compiles; send it as pql/text"),
    ('CHAIN(xEvent, timestamp, [C0: WHAT(eventType.equals("commerce.checkouts", false))])', 0,
     "`CHAIN` is outside the PQL subset pmforge compiles; send it as pql/text"),
    ("person.birthDate occurs before today", 17, "`occurs` is outside the PQL subset pmforge compiles; send it as pql/text"),
    ('person.name.lastName like "%son"', 21, "`like` is outside the PQL subset pmforge compiles; send it as pql/text"),
]
BROKEN_TEXT = [
    ("", 0, "expected a field path or a value, found end of expression"),
    ('person.gender = "female', 16, 'unterminated string: expected `"` before end of expression'),
    ('person.gender in ["female")', 26, "`)` closes the `[` at character 18"),
    ('(person.gender = "female" AND x = 1', 0, "`(` is never closed"),
    ('person.gender = "female") or (x = 1', 24, "unbalanced `)`"),
    ("person.gender = ", 16, "expected a field path or a value, found end of expression"),
]


CASES = [(text, offset, message, OUTSIDE) for text, offset, message in ADOBE] + [
    (text, offset, message, BROKEN) for text, offset, message in BROKEN_TEXT]


@pytest.mark.parametrize(("text", "offset", "message", "kind"), CASES, ids=[text[:24] or "blank" for text, *_ in CASES])
def test_outside_the_subset_travels_and_only_broken_text_is_a_syntax_error(text: str, offset: int, message: str, kind: str) -> None:
    """compile_text raises (it cannot write a tree); check_text warns or errs; the mock takes or refuses."""
    rule, severity = ("pql-unsupported", "warning") if kind == OUTSIDE else ("pql-syntax", "error")
    with pytest.raises(PqlError) as caught:
        compile_text(text)
    assert (caught.value.offset, caught.value.message, caught.value.rule) == (offset, message, rule)
    assert check_text(text) == [PqlIssue(offset, message, rule, severity)]
    refusal = "PQL text is blank" if not text.strip() else f"invalid PQL at character {offset + 1}: {message}"
    assert check_pql_text(text) == (None if kind == OUTSIDE else refusal)  # the mock takes what AEP would


def test_every_shared_example_text_compiles_or_travels() -> None:
    examples = json.loads(shared_file("aep-postman-samples/pql_json_examples.json").read_text(encoding="utf-8"))["examples"]
    texts = [example.get("pql_text") or example.get("pql_text_inferred") for example in examples]
    rules = {}
    for text in filter(None, texts):
        try:
            compile_text(text)
            rules[text] = None  # compiled
        except PqlError as error:
            rules[text] = error.rule
    assert set(rules.values()) <= {None, "pql-unsupported"} and "pql-unsupported" in rules.values()


# -- the CLI -----------------------------------------------------------------------------------------

def test_pql_compile_and_check_follow_the_classification(cli) -> None:
    text = '(Profile) => Profile.person.gender = "female"'
    picture = f"{text}\n          ^\n"
    refusal = "a lambda (`=>`) is outside the PQL subset pmforge compiles; send it as pql/text [pql-unsupported]"
    result = cli("pql", "compile", text)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"<expression>:1:11: error: {refusal}\n{picture}")
    result = cli("pql", "check", text)
    assert (result.exit_code, result.stdout, result.stderr) == (0, f"<expression>:1:11: warning: {refusal}\n{picture}", "")
    result = cli("pql", "check", 'person.gender in ["female")')
    assert (result.exit_code, result.stdout) == (1, (
        "<expression>:1:27: error: `)` closes the `[` at character 18 [pql-syntax]\n"
        'person.gender in ["female")\n'
        "                          ^\n"))


def test_pql_compile_warns_on_an_operator_no_aep_tree_confirms(cli) -> None:
    result = cli("pql", "compile", 'person.gender != "male" and person.name.lastName.startsWith("Mc")')
    assert result.exit_code == 0
    assert json.loads(result.stdout)["params"][0]["fnName"] == "!="
    assert result.stderr == (
        "<expression>:1:15: warning: `!=`: no public AEP pql/json tree confirms its form, which pmforge infers; "
        "pql/text is the safe choice [pql-unconfirmed]\n"
        'person.gender != "male" and person.name.lastName.startsWith("Mc")\n'
        "              ^\n"
        "<expression>:1:50: warning: `.startsWith()`: no public AEP pql/json tree confirms its form, which pmforge "
        "infers; pql/text is the safe choice [pql-unconfirmed]\n"
        'person.gender != "male" and person.name.lastName.startsWith("Mc")\n'
        "                                                 ^\n")
    result = cli("pql", "compile", 'person.gender in ["male"]')
    assert (result.exit_code, result.stderr) == (0, "")


# -- a course ----------------------------------------------------------------------------------------

STEP_1 = '            format: pql/json\n            # Compiled by pmforge into the syntax tree AEP expects.\n            pql: person.gender in ["female"]\n'


@pytest.fixture
def bundled(tmp_path: Path) -> Path:
    course = bundled_course()
    folder = tmp_path / "course"
    folder.mkdir()
    for name in ("course.yaml", "roster.csv"):
        shutil.copyfile(course.parent / name, folder / name)
    return folder / "course.yaml"


def _with_expression(course: Path, format_: str, pql: str) -> int:
    """Put ``pql`` in Step 1 under ``format_``; return the YAML line of ``pql:``."""
    text = course.read_text(encoding="utf-8")
    assert STEP_1 in text
    course.write_text(text.replace(STEP_1, f"            format: {format_}\n            pql: {pql}\n"), encoding="utf-8")
    return course.read_text(encoding="utf-8")[: course.read_text(encoding="utf-8").index("            pql: ")].count("\n") + 1


@pytest.mark.parametrize("text", [text for text, _, _ in ADOBE], ids=[text[:24] for text, _, _ in ADOBE])
def test_a_course_sends_text_outside_the_subset_as_pql_text(cli, bundled: Path, text: str) -> None:
    _with_expression(bundled, "pql/text", json.dumps(text))
    result = cli("validate", "course.yaml", cwd=bundled.parent)
    assert (result.exit_code, result.stdout) == (0, ""), result.stderr
    result = cli("build", "course.yaml", "--out", "out", cwd=bundled.parent)
    assert result.exit_code == 0, result.stderr
    (collection,) = (bundled.parent / "out" / "vangeluw").glob("*.postman_collection.json")
    step_1 = json.loads(collection.read_text(encoding="utf-8"))["item"][1]["item"][0]["request"]
    assert json.loads(step_1["body"]["raw"])["expression"] == {"type": "PQL", "format": "pql/text", "value": text}


def test_a_course_refuses_text_outside_the_subset_as_pql_json_and_names_pql_text(cli, bundled: Path) -> None:
    line = _with_expression(bundled, "pql/json", "'person.gender = \"female\" AND x = 1'")
    result = cli("validate", "course.yaml", cwd=bundled.parent)
    assert (result.exit_code, result.stdout) == (1, (
        f"course.yaml:{line}:44: error: PQL: PQL keywords are case-sensitive: write `and`{SUFFIX} [pql-unsupported]\n"))


def test_a_course_refuses_plainly_broken_pql_text(cli, bundled: Path) -> None:
    line = _with_expression(bundled, "pql/text", "'person.gender in [\"female\")'")
    result = cli("validate", "course.yaml", cwd=bundled.parent)
    assert (result.exit_code, result.stdout) == (1, (
        f"course.yaml:{line}:45: error: PQL: `)` closes the `[` at character 18 [pql-syntax]\n"))


def test_an_unconfirmed_operator_is_a_warning_at_its_place_in_the_yaml(cli, bundled: Path) -> None:
    line = _with_expression(bundled, "pql/json", "'person.gender != \"male\"'")
    result = cli("validate", "course.yaml", cwd=bundled.parent)
    assert (result.exit_code, result.stdout) == (0, (
        f"course.yaml:{line}:33: warning: PQL: `!=`: no public AEP pql/json tree confirms its form, which pmforge "
        "infers; pql/text is the safe choice [pql-unconfirmed]\n"))
    text = bundled.read_text(encoding="utf-8").replace("format: pql/json\n            pql: 'person.gender != \"male\"'",
                                                       "format: pql/text\n            pql: 'person.gender != \"male\"'")
    bundled.write_text(text, encoding="utf-8")
    result = cli("validate", "course.yaml", cwd=bundled.parent)
    assert (result.exit_code, result.stdout) == (0, "")  # pql/text is the safe choice: nothing to say


def test_field_checks_still_apply_to_pql_text_pmforge_compiles(cli, bundled: Path) -> None:
    line = _with_expression(bundled, "pql/text", "'person.gendr = \"male\"'")
    result = cli("validate", "course.yaml", cwd=bundled.parent)
    assert (result.exit_code, result.stdout) == (1, (
        f"course.yaml:{line}:19: error: PQL: unknown field `person.gendr`; did you mean `person.gender`? [pql-field]\n"))


# -- the mock, and end to end ------------------------------------------------------------------------

def _post(mock: MockServer, text: str) -> tuple[int, dict]:
    session = AepSession(mock.url, org="ORG1@AdobeOrg", sandbox="prod")
    reply = session.post("/segment/definitions", {"name": f"x {text}", "expression": {"type": "PQL", "format": "pql/text", "value": text},
                                                  "schema": {"name": "_xdm.context.profile"}})
    return reply.status, reply.body


def test_the_mock_takes_adobes_forms_as_pql_text_and_refuses_broken_text(mock: MockServer) -> None:
    for text, _, _ in ADOBE:
        status, reply = _post(mock, text)
        assert (status, reply["expression"]["value"]) == (200, text)
    status, reply = _post(mock, 'person.gender = "female')
    assert (status, reply["errors"]) == (400, [{"path": "$.expression.value", "message":
                                               'invalid PQL at character 17: unterminated string: expected `"` before end of expression'}])


def test_a_course_outside_the_subset_runs_green_in_newman_against_the_mock(newman: Path, bundled: Path, mock: MockServer) -> None:
    text = '(Profile) => Profile.person.gender = "female" AND Profile.person.name.firstName.matches("^J\\w+")'
    _with_expression(bundled, "pql/text", json.dumps(text))
    out = bundled.parent / "out"
    result = building.build(bundled, None, out)
    assert [p for p in result.problems if p.severity == "error"] == []
    folder = out / "vangeluw"
    (collection,) = folder.glob("*.postman_collection.json")
    (environment,) = folder.glob("*.postman_environment.json")
    overrides = participant_overrides(environment, 1, base_url=mock.url, poll_interval_ms=10)
    run = run_newman(collection, environment, env_vars=overrides, newman=newman, timeout_s=60)
    assert (run.exit_code, run.failures, run.assertions_failed) == (0, (), 0), run.output
    [definition] = mock.state.definitions()
    assert definition["expression"] == {"type": "PQL", "format": "pql/text", "value": text}


def test_field_checks_read_text_outside_the_subset_loosely_and_only_warn(cli, bundled: Path) -> None:
    """Outside the subset a profile path (from `$1.`, a lambda's parameter or a catalog top-level field) is
    still checked, as a warning; event variables and paths that start elsewhere are left to AEP."""
    text = '(Profile) => Profile.person.gendr = "female" AND Profile.person.name.firstName.matches("a.b") AND e.x.y = 1'
    assert [(issue.offset, issue.message, issue.severity) for issue in check_text(text) if issue.rule == "pql-field"] == [
        (21, "unknown field `person.gendr`; did you mean `person.gender`? (read loosely: the text is outside the subset)", "warning")]
    line = _with_expression(bundled, "pql/text", json.dumps(text))
    result = cli("validate", "course.yaml", cwd=bundled.parent)
    assert (result.exit_code, result.stdout) == (0, (
        f"course.yaml:{line}:40: warning: PQL: unknown field `person.gendr`; did you mean `person.gender`? "
        "(read loosely: the text is outside the subset) [pql-field]\n"))
    assert [issue.rule for issue in check_text('select e from xEvent where e.person.gendr = "x"')] == ["pql-unsupported"]


def test_lint_of_the_build_says_what_validate_says_about_text_outside_the_subset(cli, bundled: Path) -> None:
    _with_expression(bundled, "pql/text", json.dumps('(Profile) => Profile.person.gendr = "female"'))
    assert cli("build", "course.yaml", "--out", "out", cwd=bundled.parent).exit_code == 0
    (collection,) = (bundled.parent / "out" / "vangeluw").glob("*.postman_collection.json")
    result = cli("lint", str(collection.relative_to(bundled.parent)), cwd=bundled.parent)
    assert [line.split(": ", 1)[1] for line in result.stdout.splitlines() if ": warning: " in line or ": error: " in line] == [
        "warning: PQL: unknown field `person.gendr`; did you mean `person.gender`? (read loosely: the text is outside the subset) [pql-field]"]
