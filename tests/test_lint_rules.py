"""Each rule: a positive case (exact line, column) and a negative case, from tests/lint_cases/<rule>/.

Every case is linted with tests/lint_cases/case.postman_environment.json, so
undefined-variable has something to check against. A negative case is
negative.postman_collection.json when the rule needs one, else the clean
collection every positive case was derived from.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pmforge.lint import RULES, lint_files

CASES = Path(__file__).resolve().parent / "lint_cases"
ENVIRONMENT = CASES / "case.postman_environment.json"
CLEAN = CASES / "clean.postman_collection.json"

EXPECTED: dict[str, list[tuple[int, int]]] = {
    "json-syntax": [(97, 20)],
    "duplicate-key": [(5, 3)],
    "file-kind": [(1, 1)],
    "collection-version": [(5, 13)],
    "structure": [(62, 5)],
    "unknown-key": [(31, 9), (101, 4)],
    "event-listen": [(66, 18)],
    "next-request": [(71, 41)],
    "undefined-variable": [(92, 19)],
    "variable-case": [(95, 70)],
    "legacy-script": [(20, 11)],
    "secret": [(80, 26), (105, 13), (115, 21)],
    "hard-coded-value": [(84, 18), (92, 18)],
    "course-placeholder": [(51, 33), (51, 644), (92, 19)],
    "auth-scheme": [(80, 18)],
    "content-type-without-body": [(95, 16)],
    "duplicate-name": [(63, 14), (105, 14)],
    "no-test": [(63, 14)],
    "body-json": [(51, 726)],
    "segment-definition": [(51, 16), (51, 663)],
    "segment-job": [(138, 21), (138, 22)],
    "pql-json": [(51, 202)],
    "pql-tree": [(51, 167)],
    "pql-field": [(51, 165)],
    "pql-value": [(51, 183)],
    "pql-syntax": [(51, 199)],
    "pql-unconfirmed": [(51, 219)],
    "headers": [(27, 7)],
}


def _found(path: Path, rule: str) -> list[tuple[int, int]]:
    return [(p.line, p.column) for p in lint_files([path, ENVIRONMENT]) if p.rule == rule]


def test_every_rule_has_a_case() -> None:
    assert set(EXPECTED) == set(RULES)
    assert {folder.name for folder in CASES.iterdir() if folder.is_dir()} == set(RULES)


def test_docs_and_hooks_list_the_rules() -> None:
    repo = CASES.parents[1]
    docs = (repo / "docs" / "lint.md").read_text(encoding="utf-8")
    assert all(f"| `{rule.id}` | {rule.severity} | {rule.applies} | {rule.summary} |" in docs for rule in RULES.values())
    hooks = yaml.safe_load((repo / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {hook["id"]: hook["entry"] for hook in hooks} == {"pmforge-validate": "pmforge validate", "pmforge-lint": "pmforge lint"}
    assert all(hook["language"] == "python" for hook in hooks)


def test_the_clean_collection_is_clean() -> None:
    assert list(lint_files([CLEAN, ENVIRONMENT])) == []


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_positive(rule: str) -> None:
    assert _found(CASES / rule / "positive.postman_collection.json", rule) == EXPECTED[rule]


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_negative(rule: str) -> None:
    negative = CASES / rule / "negative.postman_collection.json"
    assert _found(negative if negative.exists() else CLEAN, rule) == []


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("unknown-key", "did you mean 'disabled'?"),
        ("event-listen", "did you mean 'prerequest'?"),
        ("next-request", "did you mean 'Get definition'?"),
        ("undefined-variable", "did you mean {{SANDBOX_NAME}}?"),
        ("segment-definition", "did you mean 'schema'?"),
        ("pql-field", "did you mean `person.gender`?"),
        ("hard-coded-value", "{{API_KEY}}"),
    ],
)
def test_messages_suggest_the_fix(rule: str, words: str) -> None:
    messages = [p.message for p in lint_files([CASES / rule / "positive.postman_collection.json", ENVIRONMENT]) if p.rule == rule]
    assert any(words in message for message in messages), messages


def test_undefined_variable_is_quiet_without_environments() -> None:
    problems = lint_files([CASES / "undefined-variable" / "positive.postman_collection.json"])
    assert [p for p in problems if p.rule == "undefined-variable"] == []


def test_severities_are_the_rules_defaults() -> None:
    for rule in EXPECTED:
        for problem in lint_files([CASES / rule / "positive.postman_collection.json", ENVIRONMENT]):
            if problem.rule == rule and not problem.rule.startswith("pql-"):
                assert problem.severity == RULES[rule].severity


def test_a_v20_collection_is_read_too(tmp_path: Path) -> None:
    path = tmp_path / "old.postman_collection.json"
    path.write_text(json.dumps({
        "info": {"name": "v2.0", "schema": "https://schema.getpostman.com/json/collection/v2.0.0/collection.json"},
        "auth": {"type": "bearer", "bearer": {"token": "abcdefghijklmnopqrstuvwxyz0123456789"}},
        "item": [{"name": "Get", "request": "https://example.com/{{path}}"}],
    }, indent=2))
    assert [(p.line, p.column, p.rule) for p in lint_files([path])] == [(9, 16, "secret"), (14, 15, "no-test")]
