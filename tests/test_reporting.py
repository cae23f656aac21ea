"""Reporters: text (unchanged), json, junit (parsed back as XML), github; the shared --format option."""

from __future__ import annotations

import io
import json
from xml.etree import ElementTree

import click
import pytest
from click.testing import CliRunner

from pmforge.problems import Problem
from pmforge.reporting import REPORTERS, default_format, fails, format_option, report

PROBLEMS = [
    Problem("b.json", 3, 1, "second, 100% sure\nnext line", "no-test", "warning"),
    Problem("a.json", 10, 5, "x-sandbox-name is the literal 'prod'", "hard-coded-value"),
    Problem("a.json", 2, 7, "also bad", "hard-coded-value"),
]


def _render(fmt: str, *, checked: tuple[str, ...] = ("a.json", "b.json", "c.json"), strict: bool = False) -> str:
    stream = io.StringIO()
    report(PROBLEMS, fmt=fmt, stream=stream, checked_files=checked, strict=strict)
    return stream.getvalue()


def test_text_keeps_its_exact_output() -> None:
    stream = io.StringIO()
    REPORTERS["text"](PROBLEMS, stream)  # the two-argument call pmforge validate makes
    assert stream.getvalue() == (
        "a.json:2:7: error: also bad [hard-coded-value]\n"
        "a.json:10:5: error: x-sandbox-name is the literal 'prod' [hard-coded-value]\n"
        "b.json:3:1: warning: second, 100% sure\nnext line [no-test]\n"
    )
    assert _render("text") == stream.getvalue()


def test_json() -> None:
    data = json.loads(_render("json"))
    assert [list(entry) for entry in data] == [["file", "line", "column", "severity", "rule", "message"]] * 3
    assert [(d["file"], d["line"], d["column"], d["rule"]) for d in data] == [
        ("a.json", 2, 7, "hard-coded-value"), ("a.json", 10, 5, "hard-coded-value"), ("b.json", 3, 1, "no-test")]
    stream = io.StringIO()
    report([], fmt="json", stream=stream)
    assert json.loads(stream.getvalue()) == []


def test_junit_parses_and_counts() -> None:
    root = ElementTree.fromstring(_render("junit"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    cases = suites[0].findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("a.json", "hard-coded-value"), ("b.json", "no-test"), ("c.json", "no problems")]
    assert suites[0].get("tests") == "3" and suites[0].get("failures") == "1"
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("type") == "hard-coded-value"
    assert failure.get("message", "").startswith("2 problems: ")
    assert failure.text is not None and failure.text.count("\n") == 1
    assert cases[1].find("failure") is None and "100% sure" in (cases[1].findtext("system-out") or "")
    assert cases[2].find("failure") is None


def test_junit_strict_fails_warnings_and_never_has_zero_tests() -> None:
    strict = ElementTree.fromstring(_render("junit", strict=True))
    assert strict.find("testsuite").get("failures") == "2"
    stream = io.StringIO()
    report([], fmt="junit", stream=stream, checked_files=["only.json"])
    clean = ElementTree.fromstring(stream.getvalue())
    assert clean.get("tests") == "1" and clean.get("failures") == "0"


def test_github_escapes_data_and_properties() -> None:
    lines = _render("github").splitlines()
    assert lines[0] == "::error file=a.json,line=2,col=7,title=hard-coded-value::also bad"
    assert lines[2] == "::warning file=b.json,line=3,col=1,title=no-test::second, 100%25 sure%0Anext line"
    stream = io.StringIO()
    report([Problem("d,1:x.json", 0, 0, "unreadable", "json-syntax")], fmt="github", stream=stream)
    assert stream.getvalue() == "::error file=d%2C1%3Ax.json,title=json-syntax::unreadable\n"


def test_fails() -> None:
    warning = [PROBLEMS[0]]
    assert fails(PROBLEMS) and not fails(warning) and fails(warning, strict=True) and not fails([], strict=True)


def test_default_format_follows_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert default_format() == "text"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert default_format() == "github"


def test_format_option_adds_format_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    @click.command()
    @format_option
    def command(fmt: str) -> None:
        click.echo(fmt)

    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    runner = CliRunner()
    assert runner.invoke(command, []).output == "text\n"
    assert runner.invoke(command, ["--format", "junit"]).output == "junit\n"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert runner.invoke(command, []).output == "github\n"
    assert runner.invoke(command, ["--format", "nope"]).exit_code == 2
