"""One CLI contract: exit codes from one enum, --format on every command that reports problems,
one summary line with honest plurals, and commands that load only when they run."""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from pmforge import building
from pmforge.cli import COLLECTION_FORMATS, LAZY_COMMANDS
from pmforge.outcome import ExitCode, counted, problems_found, tally
from pmforge.problems import Problem

from tests.conftest import DATA, REPO

DUPLICATE = "ldap 'Alice' duplicates the participant on line 2 (ignoring case)"
DUPLICATE_TEXT = f"bad.csv:3:1: error: {DUPLICATE} [duplicate-participant]\n"
DUPLICATE_JSON = [{"file": "bad.csv", "line": 3, "column": 1, "severity": "error",
                   "rule": "duplicate-participant", "message": DUPLICATE}]
DUPLICATE_GITHUB = f"::error file=bad.csv,line=3,col=1,title=duplicate-participant::{DUPLICATE}\n"


@pytest.fixture
def here(tmp_path: Path) -> Path:
    """tests/data's course and roster, and bad.csv: one participant twice (one problem)."""
    for name in ("course.yaml", "roster.csv"):
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    (tmp_path / "bad.csv").write_text("ldap,sandbox\nalice,prod\nAlice,dev\n", encoding="utf-8")
    (tmp_path / "one.csv").write_text("ldap,sandbox\nalice,prod\n", encoding="utf-8")
    return tmp_path


def test_exit_codes_are_one_enum() -> None:
    assert {code.name: int(code) for code in ExitCode} == {
        "CLEAN": 0, "PROBLEMS": 1, "USAGE": 2, "MISSING_TOOL": 3, "INTERRUPTED": 130}


def test_the_readme_documents_every_exit_code() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert f"| {int(code)} |" in readme, code.name


@pytest.mark.parametrize(("count", "noun", "words"), [
    (0, "file", "0 files"), (1, "file", "1 file"), (2, "participant", "2 participants"),
    (1, "participant", "1 participant"), (3, "class", "3 classes")])
def test_counted(count: int, noun: str, words: str) -> None:
    assert counted(count, noun, "classes" if noun == "class" else None) == words


def test_summaries() -> None:
    one = [Problem("a", 1, 1, "m", "r")]
    two = one + [Problem("a", 2, 1, "m", "r", "warning")]
    assert problems_found(one, then="nothing written") == "1 problem found; nothing written."
    assert problems_found(two) == "2 problems found."
    assert tally(one, 1) == "1 error, 0 warnings in 1 file"
    assert tally(two, 3) == "1 error, 1 warning in 3 files"


COMMANDS_WITH_BAD_ROSTER = [
    (["validate", "course.yaml", "--roster", "bad.csv"], "1 problem found.\n"),
    (["build", "course.yaml", "--roster", "bad.csv", "--out", "out"], "1 problem found; nothing written.\n"),
    (["teardown", "course.yaml", "--roster", "bad.csv", "--out", "td"], "1 problem found; nothing written.\n"),
]


@pytest.mark.parametrize(("args", "summary"), COMMANDS_WITH_BAD_ROSTER, ids=lambda a: a[0] if isinstance(a, list) else "")
def test_each_format_of_a_roster_problem(cli, here: Path, args: list[str], summary: str) -> None:
    text = cli(*args, "--format", "text", cwd=here)
    assert (text.exit_code, text.stdout, text.stderr) == (1, DUPLICATE_TEXT, summary)
    as_json = cli(*args, "--format", "json", cwd=here)
    assert (as_json.exit_code, json.loads(as_json.stdout), as_json.stderr) == (1, DUPLICATE_JSON, summary)
    github = cli(*args, "--format", "github", cwd=here)
    assert (github.exit_code, github.stdout, github.stderr) == (1, DUPLICATE_GITHUB, summary)
    junit = cli(*args, "--format", "junit", cwd=here)
    assert (junit.exit_code, junit.stderr) == (1, summary)
    suite = ElementTree.fromstring(junit.stdout).find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("2", "1")
    cases = [(case.get("classname"), case.get("name"), case.find("failure") is not None) for case in suite]
    assert cases == [("bad.csv", "duplicate-participant", True), ("course.yaml", "no problems", False)]
    assert not (here / "out").exists() and not (here / "td").exists()


def test_github_is_the_default_under_github_actions(cli, here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    for args, summary in COMMANDS_WITH_BAD_ROSTER:
        result = cli(*args, cwd=here)
        assert (result.exit_code, result.stdout, result.stderr) == (1, DUPLICATE_GITHUB, summary)


def test_clean_runs_say_one_participant(cli, here: Path) -> None:
    validate = cli("validate", "course.yaml", "--roster", "one.csv", cwd=here)
    assert (validate.exit_code, validate.stdout, validate.stderr) == (0, "", "ok: 1 participant checked\n")
    build = cli("build", "course.yaml", "--roster", "one.csv", "--out", "out", "--format", "json", cwd=here)
    assert (build.exit_code, json.loads(build.stdout), build.stderr) == (0, [], "wrote 2 files for 1 participant to out\n")
    teardown = cli("teardown", "--roster", "one.csv", "--out", "td", cwd=here)  # the bundled course has a teardown
    assert (teardown.exit_code, teardown.stdout, teardown.stderr) == (0, "", "wrote the teardown for 1 participant to td\n")


def test_a_clean_build_in_junit_has_a_passing_case_per_input(cli, here: Path) -> None:
    result = cli("build", "course.yaml", "--roster", "one.csv", "--out", "out", "--format", "junit", cwd=here)
    assert result.exit_code == 0
    suite = ElementTree.fromstring(result.stdout).find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("2", "0")
    assert [(case.get("classname"), case.get("name")) for case in suite] == [
        ("course.yaml", "no problems"), ("one.csv", "no problems")]


def _course_with_a_warning(here: Path) -> None:
    course = here / "course.yaml"
    text = course.read_text(encoding="utf-8")
    assert "environment:\n" in text
    course.write_text(text.replace("environment:\n", "environment:\n  NEVER_USED: x\n", 1), encoding="utf-8")


def test_build_strict_fails_on_a_warning_and_writes_nothing(cli, here: Path) -> None:
    _course_with_a_warning(here)
    plain = cli("build", "course.yaml", "--roster", "one.csv", "--out", "out", cwd=here)
    assert (plain.exit_code, plain.stderr) == (0, "wrote 2 files for 1 participant to out\n")
    assert plain.stdout.count(": warning: ") == 1 and "[unused-variable]" in plain.stdout
    strict = cli("build", "course.yaml", "--roster", "one.csv", "--out", "strict", "--strict", cwd=here)
    assert (strict.exit_code, strict.stdout, strict.stderr) == (1, plain.stdout, "1 problem found; nothing written.\n")
    assert not (here / "strict").exists()


def test_import_reports_in_each_format_on_stderr(cli, tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"item": [}\n', encoding="utf-8")
    summary = "1 problem found; nothing written.\n"
    text = cli("import", "broken.json", "--format", "text")
    assert (text.exit_code, text.stdout, text.stderr) == (
        1, "", "broken.json:1:11: error: expected a value [json-syntax]\n" + summary)
    as_json = cli("import", "broken.json", "--format", "json")
    assert (as_json.exit_code, as_json.stdout) == (1, "")
    assert json.loads(as_json.stderr.removesuffix(summary)) == [
        {"file": "broken.json", "line": 1, "column": 11, "severity": "error", "rule": "json-syntax",
         "message": "expected a value"}]
    github = cli("import", "broken.json", "--format", "github")
    assert (github.exit_code, github.stdout, github.stderr) == (
        1, "", "::error file=broken.json,line=1,col=11,title=json-syntax::expected a value\n" + summary)
    junit = cli("import", "broken.json", "--format", "junit")
    case = ElementTree.fromstring(junit.stderr.removesuffix(summary)).find("testsuite/testcase")
    assert junit.exit_code == 1 and case is not None and case.get("name") == "json-syntax"
    assert not list(tmp_path.glob("*.yaml"))


def test_lint_summary_has_plurals(cli, tmp_path: Path) -> None:
    (tmp_path / "broken.postman_collection.json").write_text('{"item": [}\n', encoding="utf-8")
    result = cli("lint", "broken.postman_collection.json")
    assert (result.exit_code, result.stderr) == (1, "1 error, 0 warnings in 1 file\n")


BROKEN_PQL = 'a = "x'  # plainly broken: an unterminated string
PQL_SYNTAX = {"file": "<expression>", "line": 1, "column": 5, "severity": "error", "rule": "pql-syntax",
              "message": "unterminated string: expected `\"` before end of expression"}


@pytest.mark.parametrize("command", ["check", "compile"])
def test_pql_reports_in_each_format(cli, command: str) -> None:
    as_json = cli("pql", command, "--format", "json", BROKEN_PQL)
    assert (as_json.exit_code, json.loads(as_json.stdout), as_json.stderr) == (1, [PQL_SYNTAX], "")
    github = cli("pql", command, "--format", "github", BROKEN_PQL)
    assert (github.exit_code, github.stdout) == (
        1, "::error file=<expression>,line=1,col=5,title=pql-syntax::unterminated string: expected `\"` before end of expression\n")
    junit = cli("pql", command, "--format", "junit", BROKEN_PQL)
    failure = ElementTree.fromstring(junit.stdout).find("testsuite/testcase/failure")
    assert junit.exit_code == 1 and failure is not None and failure.get("type") == "pql-syntax"


def test_pql_check_warnings_alone_exit_zero_in_json(cli) -> None:
    result = cli("pql", "check", "--format", "json", '_acme.tier = "gold"')
    found = json.loads(result.stdout)
    assert result.exit_code == 0 and found and {entry["severity"] for entry in found} == {"warning"}


def test_usage_errors_exit_two(cli) -> None:
    assert cli("build", "--format", "xml").exit_code == ExitCode.USAGE
    assert cli("nope").exit_code == ExitCode.USAGE


def test_lazy_commands_show_their_own_summaries() -> None:
    for name, (target, summary) in LAZY_COMMANDS.items():
        module, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert command.name == name
        assert inspect.cleandoc(command.help or "").split("\n\n")[0] == summary, name


def test_collection_formats_match_the_builder() -> None:
    assert COLLECTION_FORMATS == building.COLLECTION_FORMATS


HEAVY = ("jsonschema", "fastjsonschema", "jinja2", "yaml", "pmforge.building", "pmforge.lint", "pmforge.mock",
         "pmforge.rehearsal", "pmforge.pql", "pmforge.teardown")


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_version_and_help_import_nothing_heavy(args: list[str]) -> None:
    code = ("import sys\nfrom pmforge.cli import main\n"
            f"try:\n    main({args!r}, prog_name='pmforge')\nexcept SystemExit:\n    pass\n"
            "print(sorted({m for m in sys.modules if m.startswith(" + repr(HEAVY) + ")}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.splitlines()[-1] == "[]"


@pytest.fixture
def warned(tmp_path: Path) -> Path:
    """The bundled course with one warning (an unused environment variable), and a roster of one."""
    course = tmp_path / "aep"
    course.mkdir()
    text = (REPO / "collections" / "aep-enablement" / "course.yaml").read_text(encoding="utf-8")
    assert text.count("\nenvironment:\n") == 1
    (course / "course.yaml").write_text(text.replace("\nenvironment:\n", "\nenvironment:\n  NEVER_USED: x\n"),
                                        encoding="utf-8")
    (tmp_path / "one.csv").write_text("ldap,sandbox\nalice,prod\n", encoding="utf-8")
    (tmp_path / "bad.csv").write_text("ldap,sandbox\nalice,prod\nAlice,dev\n", encoding="utf-8")
    return tmp_path


def _warning_line(warned: Path) -> str:
    line = next(number for number, text in enumerate(
        (warned / "aep" / "course.yaml").read_text(encoding="utf-8").splitlines(), start=1) if "NEVER_USED" in text)
    return (f"aep/course.yaml:{line}:3: warning: environment variable NEVER_USED is used by no request or script "
            "and is left out; remove it, or say why it stays with kept: [unused-variable]\n")


def test_rehearse_reports_a_warning_and_rehearses_the_class(cli, newman: Path, warned: Path) -> None:
    result = cli("rehearse", "aep", "--roster", "one.csv", cwd=warned)
    assert (result.exit_code, result.stderr) == (0, _warning_line(warned))
    assert result.stdout.splitlines()[0].split() == ["participant", "requests", "steps", "passed", "failed", "polls", "time"]
    assert result.stdout.splitlines()[-1].startswith("1 participant: 1 passed, 0 failed in ")


def test_rehearse_strict_stops_on_a_warning(cli, newman: Path, warned: Path) -> None:
    result = cli("rehearse", "aep", "--roster", "one.csv", "--strict", cwd=warned)
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, _warning_line(warned), "1 problem found; nothing rehearsed.\n")
    drill = cli("rehearse", "--drill", "aep", "--roster", "one.csv", "--strict", cwd=warned)
    assert (drill.exit_code, drill.stdout, drill.stderr) == (
        1, _warning_line(warned), "1 problem found; nothing rehearsed.\n")


def test_rehearse_drill_reports_a_warning_and_runs(cli, newman: Path, warned: Path) -> None:
    result = cli("rehearse", "--drill", "aep", "--roster", "one.csv", "--format", "github", cwd=warned)
    assert (result.exit_code, result.stderr) == (0, (
        f"::warning file=aep/course.yaml,line={_warning_line(warned).split(':')[1]},col=3,title=unused-variable::"
        "environment variable NEVER_USED is used by no request or script and is left out; remove it, "
        "or say why it stays with kept:\n"))
    assert result.stdout.splitlines()[-1] == (
        "9 scenarios x 1 participant: 9 passed, 0 failed (cells: requests the mock saw)")


@pytest.mark.parametrize("drill", [[], ["--drill"]], ids=["rehearse", "drill"])
def test_rehearse_build_errors_in_each_format(cli, newman: Path, warned: Path, drill: list[str]) -> None:
    args = ["rehearse", *drill, "aep", "--roster", "bad.csv"]
    summary = "1 problem found; nothing rehearsed.\n"  # the roster stops it before the course's warning is found
    as_json = cli(*args, "--format", "json", cwd=warned)
    assert (as_json.exit_code, json.loads(as_json.stdout), as_json.stderr) == (1, DUPLICATE_JSON, summary)
    github = cli(*args, "--format", "github", cwd=warned)
    assert (github.exit_code, github.stdout, github.stderr) == (1, DUPLICATE_GITHUB, summary)
    junit = cli(*args, "--format", "junit", cwd=warned)
    cases = ElementTree.fromstring(junit.stdout).findall("testsuite/testcase")
    assert (junit.exit_code, junit.stderr) == (1, summary)
    assert [(case.get("name"), case.find("failure") is not None) for case in cases] == [("duplicate-participant", True)]


def test_a_missing_runner_exits_3(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PMFORGE_NEWMAN", str(tmp_path / "none"))
    monkeypatch.setenv("PMFORGE_POSTMAN", str(tmp_path / "none"))
    for args in (["rehearse"], ["rehearse", "--drill"], ["rehearse", "--runner", "postman"]):
        result = cli(*args)
        assert (result.exit_code, result.stdout) == (ExitCode.MISSING_TOOL, ""), args
        assert result.stderr.startswith("error: "), args


def test_a_single_poll_is_one_time(cli, tmp_path: Path) -> None:
    course = tmp_path / "aep"
    course.mkdir()
    text = (REPO / "collections" / "aep-enablement" / "course.yaml").read_text(encoding="utf-8")
    assert text.count("  max_polls: 30\n") == 1
    (course / "course.yaml").write_text(text.replace("  max_polls: 30\n", "  max_polls: 1\n"), encoding="utf-8")
    (tmp_path / "one.csv").write_text("ldap,sandbox\nalice,prod\n", encoding="utf-8")
    assert cli("build", "aep", "--roster", "one.csv").exit_code == 0
    document = json.loads((tmp_path / "out" / "alice" / "_Adobe Experience Platform Enablement.postman_collection.json")
                          .read_text(encoding="utf-8"))
    description = document["item"][1]["item"][2]["request"]["description"]
    assert "(at most 1 time) until status is SUCCEEDED" in description


def test_pql_explain_reports_in_each_format(cli) -> None:
    outside = {"file": "<json>", "line": 0, "column": 0, "severity": "error", "rule": "pql-unsupported",
               "message": "the `chain` node is outside the PQL subset pmforge explains (at $)"}
    as_json = cli("pql", "explain", "--format", "json", '{"nodeType": "chain"}')
    assert (as_json.exit_code, json.loads(as_json.stdout), as_json.stderr) == (1, [outside], "")
    github = cli("pql", "explain", "--format", "github", '{"nodeType": "chain"}')
    assert (github.exit_code, github.stdout) == (1, f"::error file=<json>,title=pql-unsupported::{outside['message']}\n")
    bad = cli("pql", "explain", "--format", "json", '{"nodeType" "x"}')
    assert bad.exit_code == 1 and [(p["line"], p["column"]) for p in json.loads(bad.stdout)] == [(1, 13)]


def test_a_job_failed_at_the_first_poll_says_one_poll(cli, newman: Path, tmp_path: Path) -> None:
    (tmp_path / "one.csv").write_text("ldap,sandbox\nalice,prod\n", encoding="utf-8")
    result = cli("rehearse", "--roster", "one.csv", "--fail-jobs", "--polls-to-finish", "1")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[2].endswith(": status is FAILED after 1 poll")


def test_pql_compile_keeps_the_tree_on_stdout_and_a_warning_on_stderr(cli) -> None:
    result = cli("pql", "compile", "--format", "json", "person.age > 1")
    assert (result.exit_code, json.loads(result.stdout)["fnName"]) == (0, ">")
    assert json.loads(result.stderr) == [{
        "file": "<expression>", "line": 1, "column": 12, "severity": "warning", "rule": "pql-unconfirmed",
        "message": "`>`: no public AEP pql/json tree confirms its form, which pmforge infers; pql/text is the safe choice"}]


def test_drill_refuses_the_options_it_would_ignore(cli, tmp_path: Path) -> None:
    result = cli("rehearse", "--drill", "--runner", "postman", "--junit", "j.xml", "--fail-jobs", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: --drill sets its own faults and runs Newman: it does not take --runner, --junit, --fail-jobs")
    assert list(tmp_path.iterdir()) == []
