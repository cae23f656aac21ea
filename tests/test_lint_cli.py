"""``pmforge lint`` through click: (exit code, stdout, stderr), formats, --strict, --config, --list-rules."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pmforge.lint import RULES, lint

CASES = Path(__file__).resolve().parent / "lint_cases"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(lint, list(args), prog_name="pmforge", catch_exceptions=False)

    return invoke


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A course folder: the clean collection, a copy with a hard-coded sandbox, and the environment."""
    target = tmp_path / "course"
    target.mkdir()
    shutil.copy(CASES / "clean.postman_collection.json", target / "clean.postman_collection.json")
    shutil.copy(CASES / "case.postman_environment.json", target / "case.postman_environment.json")
    return target


def _copy(case: str, target: Path) -> Path:
    path = target / f"{case}.postman_collection.json"
    shutil.copy(CASES / case / "positive.postman_collection.json", path)
    return path


def test_clean_folder_exits_0_and_prints_nothing(run, folder: Path) -> None:
    result = run(str(folder))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_errors_exit_1_in_text_format(run, folder: Path) -> None:
    path = _copy("hard-coded-value", folder)
    result = run(str(folder))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}:84:18: error: x-api-key is the literal '0123456789abcdef', the same for every participant; use a variable such as {{{{API_KEY}}}} [hard-coded-value]",
        f"{path}:92:18: error: x-sandbox-name is the literal 'prod', the same for every participant; use a variable such as {{{{SANDBOX_NAME}}}} [hard-coded-value]",
    ]
    assert result.stderr == "2 errors, 0 warnings in 3 files\n"


def test_warnings_pass_unless_strict(run, folder: Path) -> None:
    _copy("no-test", folder)
    assert run(str(folder)).exit_code == 0
    strict = run("--strict", str(folder))
    assert strict.exit_code == 1 and "[no-test]" in strict.stdout


def test_json_format(run, folder: Path) -> None:
    path = _copy("auth-scheme", folder)
    result = run("--format", "json", str(folder))
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [{
        "file": str(path), "line": 80, "column": 18, "severity": "warning", "rule": "auth-scheme",
        "message": "Authorization scheme spelled 'bearer' here and 'Bearer' elsewhere in this collection; the spec writes 'Bearer'",
    }]


def test_github_format_and_its_automatic_choice(run, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _copy("event-listen", folder)
    explicit = run("--format", "github", str(path))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    automatic = run(str(path))
    assert explicit.stdout == automatic.stdout
    assert automatic.stdout.splitlines() == [
        f"::warning file={path},line=63,col=14,title=no-test::request 'Get definition' has no test: without pm.test an error reply still passes",
        f"::error file={path},line=66,col=18,title=event-listen::event.listen is 'pre-request'; Postman runs only 'prerequest' and 'test' scripts; did you mean 'prerequest'?",
    ]
    assert automatic.exit_code == 1 and automatic.stderr == ""
    assert run("--format", "text", str(path)).stdout.startswith(f"{path}:63:14: warning:")


def test_junit_format_counts_clean_files(run, folder: Path) -> None:
    result = run("--format", "junit", str(folder))
    assert result.exit_code == 0
    assert 'tests="2"' in result.stdout and 'failures="0"' in result.stdout


def test_list_rules(run) -> None:
    result = run("--list-rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(RULES)
    assert lines[0].split()[:2] == ["json-syntax", "error"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((), "give at least one file or folder"),
        (("--format", "xml", "."), "'xml' is not one of"),
        ((".",), "no *.postman_collection.json"),
    ],
)
def test_usage_errors_exit_2(run, args: tuple[str, ...], words: str) -> None:
    result = run(*args)
    assert result.exit_code == 2 and words in result.stderr and result.stdout == ""


def test_a_missing_or_unreadable_file_is_a_problem(run, tmp_path: Path) -> None:
    (tmp_path / "latin.postman_collection.json").write_bytes('{"info": {"name": "é"}}'.encode("latin-1"))
    result = run("missing.postman_collection.json", "latin.postman_collection.json")
    assert (result.exit_code, result.stdout) == (
        1,
        "latin.postman_collection.json:1:20: error: not UTF-8: byte 0xe9 cannot be decoded [encoding]\n"
        "missing.postman_collection.json:0:0: error: no such file [file-not-found]\n",
    )


def test_config_switches_rules_off_and_changes_levels(run, folder: Path) -> None:
    _copy("hard-coded-value", folder)
    _copy("no-test", folder)
    config = folder / "lint.yaml"
    config.write_text("rules:\n  no-test: error\noverrides:\n  - files: [hard-coded-value.*]\n    rules: {hard-coded-value: off}\n")
    result = run("--config", str(config), str(folder))
    assert result.exit_code == 1
    assert [line.split(": ", 2)[1] + line[line.rindex(" "):] for line in result.stdout.splitlines()] == ["error [no-test]"]


def test_nearest_settings_file_is_used(run, folder: Path) -> None:
    _copy("hard-coded-value", folder)
    (folder / ".pmforge-lint.yaml").write_text("rules:\n  hard-coded-value: warning\n")
    result = run(str(folder))
    assert result.exit_code == 0 and result.stdout.count("warning: ") == 2


def test_bad_config_is_a_located_problem(run, folder: Path) -> None:
    config = folder / "lint.yaml"
    config.write_text("rules:\n  no-tests: off\n")
    result = run("--config", str(config), str(folder))
    assert (result.exit_code, result.stdout) == (
        1, f"{config}:2:3: error: rules: unknown rule 'no-tests'; did you mean 'no-test'? [lint-config]\n")


def test_a_broken_file_does_not_stop_the_others(run, folder: Path) -> None:
    (folder / "broken.postman_collection.json").write_text('{"info": ')
    _copy("no-test", folder)
    result = run("--format", "json", str(folder))
    assert sorted(p["rule"] for p in json.loads(result.stdout)) == ["json-syntax", "no-test"]
