"""Rule settings: the mapping format (also read from course files), levels, per-file overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmforge.lint import LintConfigError, Settings, settings_from_mapping
from pmforge.lint.settings import load_settings, nearest_settings
from pmforge.problems import Problem


def _problem(rule: str, severity: str = "error", file: str = "a.postman_collection.json") -> Problem:
    return Problem(file, 1, 1, "m", rule, severity)


def test_defaults_keep_problems_as_they_are() -> None:
    problems = [_problem("secret"), _problem("no-test", "warning")]
    assert Settings().apply(problems, "a.postman_collection.json") == problems


def test_levels_and_off() -> None:
    settings = settings_from_mapping({"rules": {"secret": "warning", "no-test": False, "headers": "on"}})
    kept = settings.apply([_problem("secret"), _problem("no-test", "warning"), _problem("headers")], "x.json")
    assert [(p.rule, p.severity) for p in kept] == [("secret", "warning"), ("headers", "error")]


def test_a_rules_own_warnings_stay_warnings_at_the_default_level() -> None:
    # pql-field reports deprecated fields as warnings; only an explicit level changes them.
    assert Settings().apply([_problem("pql-field", "warning")], "x")[0].severity == "warning"
    raised = settings_from_mapping({"rules": {"pql-field": "warning"}}).apply([_problem("pql-field")], "x")
    assert raised[0].severity == "warning"


def test_overrides_match_globs_relative_to_the_base(tmp_path: Path) -> None:
    settings = settings_from_mapping(
        {"rules": {"no-test": "error"}, "overrides": [{"files": "legacy/*", "rules": {"no-test": "off"}}]}, base=tmp_path)
    legacy, current = tmp_path / "legacy" / "a.postman_collection.json", tmp_path / "b.postman_collection.json"
    assert settings.levels_for(legacy)["no-test"] == "off"
    assert settings.levels_for(current)["no-test"] == "error"
    assert settings_from_mapping({"overrides": [{"files": ["b.*"], "rules": {"secret": "off"}}]}).levels_for(current)["secret"] == "off"


@pytest.mark.parametrize(
    ("mapping", "words"),
    [
        (["no-test"], "expected a mapping"),
        ({"rule": {}}, "unknown key 'rule'"),
        ({"rules": {"no-tests": "off"}}, "unknown rule 'no-tests'"),
        ({"rules": {"no-test": "loud"}}, "'loud' is not one of off, warning, error"),
        ({"rules": ["no-test"]}, "expected a mapping of rule ids"),
        ({"overrides": [{"rules": {}}]}, "overrides[0]: expected a mapping with 'files'"),
        ({"overrides": [{"files": [1], "rules": {}}]}, "overrides[0].files"),
    ],
)
def test_bad_settings_name_the_entry(mapping: object, words: str) -> None:
    with pytest.raises(LintConfigError, match=None) as error:
        settings_from_mapping(mapping, origin="course.yaml: lint")
    assert str(error.value).startswith("course.yaml: lint") and words in str(error.value)


def test_settings_files_are_found_upwards(tmp_path: Path) -> None:
    (tmp_path / ".pmforge-lint.yaml").write_text("rules:\n  no-test: off\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    cache: dict[Path, Settings] = {}
    assert nearest_settings(deep / "x.postman_collection.json", cache).levels_for("x")["no-test"] == "off"
    assert tmp_path.resolve() / "a" in cache


def test_unreadable_settings_file(tmp_path: Path) -> None:
    path = tmp_path / "lint.yaml"
    path.write_text("rules: [\n")
    with pytest.raises(LintConfigError, match="cannot read lint settings"):
        load_settings(path)


def test_a_course_file_lends_its_rule_settings(tmp_path: Path) -> None:
    course = tmp_path / "course.yaml"
    course.write_text("collection: C\nsettings:\n  poll_interval_ms: 5\n  rules: {no-test: off, secret: warning}\nfolders: []\n", encoding="utf-8")
    kept = load_settings(course).apply([_problem("no-test", "warning"), _problem("secret")], "x.json")
    assert [(p.rule, p.severity) for p in kept] == [("secret", "warning")]
