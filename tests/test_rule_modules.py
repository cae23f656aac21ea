"""Adding a rule is one module and one registry entry: the linter runs what the registry names, nothing else.

A throwaway rule (a module written here, an entry added to the registry) is reported by ``pmforge lint`` with its
id and level, can be switched off in settings, and has its row in docs/lint.md's table; every registered check
is the one that finds its rules, and every rule module has its entries.
"""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import pmforge.lint.context
import pmforge.lint.document_rules
from pmforge import rules
from pmforge.lint import lint, lint_files
from pmforge.lint.linter import document_checks
from pmforge.problems import Problem
from pmforge.rules import EXPORT, WARNING, Rule, markdown_table

CASES = Path(__file__).resolve().parent / "lint_cases"
ENVIRONMENT = CASES / "case.postman_environment.json"
CLEAN = CASES / "clean.postman_collection.json"

_THROWAWAY = '''
"""shouting-name: a request named in capitals only."""

from pmforge.lint.context import problem


def check(context):
    return [problem(context.document, item.path + ("name",), f"request {item.name!r} shouts", "shouting-name")
            for item in context.items if item.name.isupper()]
'''


@pytest.fixture
def shouting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The throwaway rule registered, and a collection (the clean one with one request renamed) it finds."""
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "shouting_name_rule.py").write_text(_THROWAWAY, encoding="utf-8")
    monkeypatch.syspath_prepend(str(modules))
    entry = Rule("shouting-name", WARNING, EXPORT, "a request named in capitals only", check="shouting_name_rule")
    monkeypatch.setitem(rules.RULES, entry.id, entry)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    text = CLEAN.read_text(encoding="utf-8").replace('"name": "Get definition"', '"name": "GET DEFINITION"', 1)
    assert text != CLEAN.read_text(encoding="utf-8")
    (work / "c.postman_collection.json").write_text(text, encoding="utf-8")
    return work / "c.postman_collection.json"


def _lint(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(lint, list(args), prog_name="pmforge", catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_a_new_rule_module_and_its_entry_are_all_lint_needs(shouting: Path) -> None:
    assert _lint("c.postman_collection.json") == (
        0, "c.postman_collection.json:63:14: warning: request 'GET DEFINITION' shouts [shouting-name]\n", "0 errors, 1 warning in 1 file\n")
    # Its level is set like any rule's, and checked like any rule's.
    Path(".pmforge-lint.yaml").write_text("rules:\n  shouting-name: error\n", encoding="utf-8")
    assert _lint("c.postman_collection.json")[:2] == (1, "c.postman_collection.json:63:14: error: request 'GET DEFINITION' shouts [shouting-name]\n")
    Path(".pmforge-lint.yaml").write_text("rules:\n  shouting-name: off\n", encoding="utf-8")
    assert _lint("c.postman_collection.json") == (0, "", "")


def test_a_new_rule_has_its_row_in_the_docs_table_and_the_listing(shouting: Path) -> None:
    assert markdown_table().splitlines()[-1] == "| `shouting-name` | warning | export | a request named in capitals only |"
    assert _lint("--list-rules")[1].splitlines()[-1] == "shouting-name              warning  a request named in capitals only"


def test_without_its_entry_the_module_is_not_run(shouting: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(rules.RULES, "shouting-name")
    assert _lint("c.postman_collection.json") == (0, "", "")


def _checked_rules() -> dict[str, list[str]]:
    """Each check module the registry names, with the ids of the rules naming it."""
    named: dict[str, list[str]] = {}
    for rule in rules.RULES.values():
        if rule.check:
            named.setdefault(rule.check, []).append(rule.id)
    return named


@pytest.mark.parametrize("rule", [rule.id for rule in rules.RULES.values() if rule.check])
def test_each_rule_is_found_by_the_module_its_entry_names(rule: str, monkeypatch: pytest.MonkeyPatch) -> None:
    case = CASES / rule / "positive.postman_collection.json"
    assert any(problem.rule == rule for problem in lint_files([case, ENVIRONMENT]))
    module = importlib.import_module(rules.RULES[rule].check)
    monkeypatch.setattr(module, "check", lambda context: [])
    assert not any(problem.rule == rule for problem in lint_files([case, ENVIRONMENT]))


def test_every_rule_module_has_its_entries_and_no_other_check_runs() -> None:
    package = pmforge.lint.document_rules
    modules = {f"{package.__name__}.{info.name}" for info in pkgutil.iter_modules(package.__path__)}
    named = _checked_rules()
    assert modules == set(named) - {"pmforge.lint.structure"}
    assert list(document_checks()) == list(named)
    for name in modules:
        # The module's first line of doc names the rules it finds: exactly those whose entries name it.
        doc = ast.get_docstring(ast.parse(Path(importlib.import_module(name).__file__).read_text(encoding="utf-8")))
        assert doc is not None and doc.split(":")[0].split(", ") == named[name], name


def test_the_body_is_parsed_once_for_all_body_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[tuple[object, ...]] = []
    parse = pmforge.lint.context.parse_body

    def counting(document, item):  # type: ignore[no-untyped-def]
        parsed.append(item.path)
        return parse(document, item)

    monkeypatch.setattr(pmforge.lint.context, "parse_body", counting)
    problems = list(lint_files([CASES / "pql-field" / "positive.postman_collection.json", ENVIRONMENT]))
    assert any(problem.rule == "pql-field" for problem in problems)
    requests = len([1 for item in _items(json.loads((CASES / "pql-field" / "positive.postman_collection.json").read_text(encoding="utf-8")))])
    assert sorted(parsed) == sorted(set(parsed)) and len(parsed) == requests


def _items(node: dict) -> list[dict]:  # type: ignore[type-arg]
    found = []
    for item in node.get("item", []):
        found += _items(item) if "item" in item else [item]
    return found


def test_problems_keep_their_order_and_repeats_are_dropped() -> None:
    # The linter's output is sorted whatever order the checks run in.
    problems: list[Problem] = list(lint_files([CASES / "course-placeholder" / "positive.postman_collection.json", ENVIRONMENT]))
    assert problems == sorted(problems) and len(set(problems)) == len(problems)
