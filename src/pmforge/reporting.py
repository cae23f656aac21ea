"""Reporters: the only code that turns problems into text.

``text`` is for people, ``json`` for scripts, ``junit`` for CI servers that
show test results, ``github`` for workflow annotations on the diff. The
``--format`` option defaults to ``github`` under GitHub Actions.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any, Callable, Protocol, TextIO, TypeVar
from xml.etree import ElementTree

import click

from pmforge.outcome import counted
from pmforge.problems import ERROR, WARNING, Problem

F = TypeVar("F", bound=Callable[..., Any])


class Reporter(Protocol):
    def __call__(self, problems: list[Problem], stream: TextIO, checked_files: Sequence[str] = (), *, strict: bool = False) -> None: ...


def text_reporter(problems: list[Problem], stream: TextIO, checked_files: Sequence[str] = (), *, strict: bool = False) -> None:
    """``FILE:LINE:COL: error: MESSAGE [rule]``, one per line, in file order."""
    for problem in sorted(problems):
        stream.write(f"{problem}\n")


def json_reporter(problems: list[Problem], stream: TextIO, checked_files: Sequence[str] = (), *, strict: bool = False) -> None:
    """A JSON list of ``{file, line, column, severity, rule, message}``, in file order."""
    fields = ("file", "line", "column", "severity", "rule", "message")
    json.dump([{name: getattr(p, name) for name in fields} for p in sorted(problems)], stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def junit_reporter(problems: list[Problem], stream: TextIO, checked_files: Sequence[str] = (), *, strict: bool = False) -> None:
    """One testsuite; a testcase per (file, rule) with problems, and a passing one per clean file.

    Errors fail their testcase; warnings only with ``strict``, otherwise they
    are listed in the testcase's system-out, as the exit code also ignores them.
    """
    groups: dict[tuple[str, str], list[Problem]] = {}
    for problem in sorted(problems):
        groups.setdefault((problem.file, problem.rule), []).append(problem)
    clean = [file for file in dict.fromkeys(checked_files) if not any(key[0] == file for key in groups)]
    suite = ElementTree.Element("testsuite", name="pmforge", tests=str(len(groups) + len(clean)), errors="0", skipped="0")
    failures = 0
    for (file, rule), found in sorted(groups.items()):
        case = ElementTree.SubElement(suite, "testcase", classname=file, name=rule, file=file)
        lines = "\n".join(str(p) for p in found)
        if any(p.severity == ERROR for p in found) or strict:
            failures += 1
            ElementTree.SubElement(case, "failure", message=f"{counted(len(found), 'problem')}: {found[0].message}", type=rule).text = lines
        else:
            ElementTree.SubElement(case, "system-out").text = lines
    for file in clean:
        ElementTree.SubElement(suite, "testcase", classname=file, name="no problems", file=file)
    suite.set("failures", str(failures))
    root = ElementTree.Element("testsuites", name="pmforge", tests=suite.get("tests", "0"), failures=str(failures), errors="0")
    root.append(suite)
    ElementTree.indent(root)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ElementTree.tostring(root, encoding="unicode"))
    stream.write("\n")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_reporter(problems: list[Problem], stream: TextIO, checked_files: Sequence[str] = (), *, strict: bool = False) -> None:
    """GitHub Actions workflow commands: ``::error file=F,line=L,col=C,title=RULE::MESSAGE``."""
    for problem in sorted(problems):
        command = "error" if problem.severity == ERROR else "warning"
        where = [f"file={_escape_property(problem.file)}"]
        if problem.line:
            where += [f"line={problem.line}", f"col={max(problem.column, 1)}"]
        where.append(f"title={_escape_property(problem.rule)}")
        stream.write(f"::{command} {','.join(where)}::{_escape_data(problem.message)}\n")


REPORTERS: dict[str, Reporter] = {"text": text_reporter, "json": json_reporter, "junit": junit_reporter, "github": github_reporter}


def default_format() -> str:
    """``github`` when running under GitHub Actions, else ``text``."""
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def report(problems: list[Problem], *, fmt: str, stream: TextIO, checked_files: Sequence[str] = (), strict: bool = False) -> None:
    """Write ``problems`` to ``stream`` in format ``fmt``; ``checked_files`` lets JUnit count clean files."""
    REPORTERS[fmt](problems, stream, checked_files, strict=strict)


def fails(problems: list[Problem], *, strict: bool = False) -> bool:
    """Whether the exit code is 1: any error, or any warning under ``--strict``."""
    return any(p.severity == ERROR or (strict and p.severity == WARNING) for p in problems)


format_option: Callable[[F], F] = click.option(
    "--format", "fmt",
    type=click.Choice(sorted(REPORTERS)),
    default=default_format,
    show_default="text, or github under GitHub Actions",
    help="How to print problems: text, json, junit (JUnit XML) or github (workflow annotations).",
)
