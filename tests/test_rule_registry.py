"""One registry of rules: every rule id pmforge can report is in it, docs/lint.md is its table, settings are checked."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmforge.cli import main
from pmforge.problems import ERROR, WARNING, Problem
from pmforge.rules import RULES, UnknownRule, apply_levels, get, markdown_table

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "src" / "pmforge"
COURSE = REPO / "tests" / "data" / "course.yaml"
ROSTER = REPO / "tests" / "data" / "roster.csv"


def _rule_strings() -> dict[str, list[str]]:
    """Every string literal handed to a Problem, a ``*problem(...)`` helper or a ``rule`` argument, with where."""
    found: dict[str, list[str]] = {}

    def note(value: ast.AST, where: str) -> None:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            found.setdefault(value.value, []).append(where)

    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                for keyword in node.keywords:
                    if keyword.arg == "rule":
                        note(keyword.value, where)
                if name == "Problem" and len(node.args) >= 5:
                    note(node.args[4], where)
                elif name.endswith(("problem", "locate")) and name != "Problem" and "mock" not in path.parts:
                    # problem(path, message, rule) and its cousins: the rule is the last string argument given.
                    strings = [a for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                    if strings and not any(c in strings[-1].value for c in " {:/"):
                        note(strings[-1], where)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                arguments = node.args.args + node.args.kwonlyargs
                defaults = [None] * (len(node.args.args) - len(node.args.defaults)) + list(node.args.defaults) + list(node.args.kw_defaults)
                for argument, default in zip(arguments, defaults):
                    if argument.arg == "rule" and default is not None:
                        note(default, where)
    return found


def test_the_source_scan_sees_the_rules() -> None:
    # The scan is only worth something if it finds the rules of every kind of call site.
    found = _rule_strings()
    assert {"pql-syntax", "duplicate-participant", "course-schema", "next-request", "output", "roster"} <= set(found)


def test_every_rule_a_problem_is_made_with_is_registered() -> None:
    unknown = {rule: where for rule, where in _rule_strings().items() if rule not in RULES}
    assert unknown == {}


def test_docs_table_is_the_registry() -> None:
    docs = (REPO / "docs" / "lint.md").read_text(encoding="utf-8")
    assert markdown_table() in docs, "regenerate the table in docs/lint.md from pmforge.rules.markdown_table()"
    # No other row names a rule: every `id` in a four-column row is a registered rule.
    rows = [line.split("|")[1].strip(" `") for line in docs.splitlines() if line.startswith("| `") and line.count(" | ") == 3]
    assert sorted(rows) == sorted(RULES)


def test_every_rule_has_a_level_a_target_and_a_line_of_doc() -> None:
    for rule in RULES.values():
        assert rule.severity in (ERROR, WARNING)
        assert rule.applies in ("course", "export", "both")
        assert rule.summary and "\n" not in rule.summary


def test_an_unknown_id_fails_loudly_with_the_nearest_one() -> None:
    assert get("headers").severity == ERROR
    with pytest.raises(UnknownRule) as raised:
        get("hedaers")
    assert str(raised.value) == "unknown rule 'hedaers'; did you mean 'headers'?"


def _problem(rule: str, severity: str = ERROR) -> Problem:
    return Problem("f", 1, 1, "m", rule, severity)


@pytest.mark.parametrize(
    ("levels", "given", "expected"),
    [
        ({}, _problem("headers"), _problem("headers")),
        ({"headers": "off"}, _problem("headers"), None),
        ({"headers": "warning"}, _problem("headers"), _problem("headers", WARNING)),
        ({"no-test": "error"}, _problem("no-test", WARNING), _problem("no-test")),
        # At its default level a rule keeps the severity it was found with.
        ({"pql-field": "error"}, _problem("pql-field", WARNING), _problem("pql-field", WARNING)),
        # Raised above its default (a course's duplicate name), a rule set to its default level follows it.
        ({"duplicate-name": "warning"}, _problem("duplicate-name", ERROR), _problem("duplicate-name", WARNING)),
    ],
)
def test_one_function_applies_levels(levels: dict[str, str], given: Problem, expected: Problem | None) -> None:
    assert apply_levels([given], levels) == ([expected] if expected else [])


def _course_with_rules(tmp_path: Path, rules: str) -> Path:
    text = COURSE.read_text(encoding="utf-8")
    course = tmp_path / "course.yaml"
    course.write_text(text.replace("collection:", f"settings:\n  rules:\n{rules}collection:", 1), encoding="utf-8")
    shutil.copy(ROSTER, tmp_path / "roster.csv")
    return course


def test_an_unknown_rule_in_a_course_is_an_error_at_its_line(tmp_path: Path) -> None:
    course = _course_with_rules(tmp_path, "    no-test: off\n    hedaers: off\n")
    result = CliRunner().invoke(main, ["validate", str(course), "--roster", str(tmp_path / "roster.csv")])
    line = course.read_text(encoding="utf-8").splitlines().index("    hedaers: off") + 1
    assert (result.exit_code, result.stdout) == (
        1, f"{course}:{line}:5: error: rules: unknown rule 'hedaers'; did you mean 'headers'? [lint-config]\n")


def test_a_course_only_rule_is_a_known_rule_to_lint(tmp_path: Path) -> None:
    course = _course_with_rules(tmp_path, "    unused-variable: off\n")
    out = tmp_path / "out"
    built = CliRunner().invoke(main, ["build", str(course), "--roster", str(tmp_path / "roster.csv"), "--out", str(out)])
    assert built.exit_code == 0, built.output
    linted = CliRunner().invoke(main, ["lint", "--config", str(course), str(out)])
    assert (linted.exit_code, linted.stdout) == (0, "")
