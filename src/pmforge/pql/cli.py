"""`pmforge pql compile|explain|check`: thin click wrappers over the pql package."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from pmforge.pql import compile_text, explain
from pmforge.pql.catalog import check_text, load_catalog
from pmforge.pql.display import issue_of, line_and_column, render_issue, render_unplaced
from pmforge.pql.classify import parse_classified, unconfirmed, unconfirmed_message
from pmforge.pql.errors import ERROR, WARNING, PqlError, PqlIssue
from pmforge.loading import MAX_DEPTH
from pmforge.outcome import ExitCode
from pmforge.problems import Problem
from pmforge.pql.tree import load_tree, nesting_depth
from pmforge.reporting import format_option, report


@click.group("pql")
def pql() -> None:
    """Compile, explain and check PQL segment expressions."""


@pql.command("compile")
@click.argument("text")
@format_option
def compile_command(text: str, fmt: str) -> None:
    """Print the pql/json tree of PQL TEXT ('-' reads stdin).

    Text outside the subset pmforge compiles is an error naming pql/text, the form to send it in;
    an operator whose tree no public AEP sample confirms is a warning. Problems go to standard error
    with a caret under them, or, in another --format, an error to standard output and warnings to
    standard error (standard output then holds the tree).
    """
    source = _read(text)
    try:
        tree = compile_text(source)
    except PqlError as error:
        _fail(render_issue(source, issue_of(error)), fmt=fmt, problem=_problem(source, issue_of(error)))
    warnings = [PqlIssue(node.offset, unconfirmed_message(node.fn), "pql-unconfirmed", WARNING)
                for node in unconfirmed(parse_classified(source))]
    if fmt == "text":
        for issue in warnings:
            click.echo(render_issue(source, issue), err=True)
    elif warnings:
        report([_problem(source, issue) for issue in warnings], fmt=fmt, stream=sys.stderr, checked_files=["<expression>"])
    click.echo(json.dumps(tree, indent=2, ensure_ascii=False))


@pql.command("explain")
@click.argument("tree_json", metavar="JSON")
@format_option
def explain_command(tree_json: str, fmt: str) -> None:
    """Print the PQL text of a pql/json tree ('-' reads stdin).

    JSON may also be the double-encoded string found in expression.value.
    """
    source = _read(tree_json)
    try:
        tree = load_tree(source)
    except PqlError as error:
        _fail(render_issue(source, issue_of(error), name="<json>"), fmt=fmt,
              problem=_problem(source, issue_of(error), name="<json>"))
    try:
        text = explain(tree)
    except PqlError as error:
        _fail(render_unplaced(issue_of(error), name="<json>"), fmt=fmt,
              problem=_problem(None, issue_of(error), name="<json>"))
    click.echo(text)


@pql.command("check")
@click.argument("text")
@click.option("--fields", "fields_file", type=click.File("r", encoding="utf-8"),
              help="JSON field catalog extension (format: schemas/pql-fields.schema.json).")
@format_option
def check_command(text: str, fields_file: Any, fmt: str) -> None:
    """Check PQL TEXT against the profile field catalog ('-' reads stdin)."""
    source = _read(text)
    try:
        catalog = load_catalog(_load_extension(fields_file) if fields_file else None)
    except PqlError as error:
        _fail(render_unplaced(issue_of(error), name=fields_file.name), fmt=fmt,
              problem=_problem(None, issue_of(error), name=fields_file.name))
    issues = check_text(source, catalog)
    if fmt == "text":
        for issue in issues:
            click.echo(render_issue(source, issue))
    else:
        report([_problem(source, issue) for issue in issues], fmt=fmt, stream=sys.stdout, checked_files=["<expression>"])
    if any(issue.severity == ERROR for issue in issues):
        raise click.exceptions.Exit(ExitCode.PROBLEMS)


def _read(argument: str) -> str:
    if argument != "-":
        return argument
    # A trailing newline from `echo` would put end-of-text errors on an empty line 2.
    return sys.stdin.read().rstrip("\r\n")


def _load_extension(handle: Any) -> Any:
    try:
        data = json.load(handle)
    except json.JSONDecodeError as error:
        raise PqlError(f"invalid JSON: {error.msg} (line {error.lineno}, column {error.colno})",
                       rule="pql-catalog") from None
    except UnicodeDecodeError as error:
        raise PqlError(f"not UTF-8: byte 0x{error.object[error.start]:02x} cannot be decoded", rule="pql-catalog") from None
    except RecursionError:  # the stdlib decoder's own limit, about 1,000 levels
        raise PqlError(f"invalid JSON: nested deeper than {MAX_DEPTH} levels, pmforge's limit", rule="pql-catalog") from None
    except ValueError as error:  # an integer past Python's 4,300 digits
        raise PqlError(f"invalid JSON: {str(error).split(';')[0]}", rule="pql-catalog") from None
    if nesting_depth(data) > MAX_DEPTH:
        raise PqlError(f"nested deeper than {MAX_DEPTH} levels, pmforge's limit", rule="pql-catalog")
    return data


def _problem(source: str | None, issue: PqlIssue, *, name: str = "<expression>") -> Problem:
    """The issue as a Problem for the reporters; with no text to place it in, at line 0."""
    line, column = line_and_column(source, issue.offset) if source is not None else (0, 0)
    return Problem(name, line, column, issue.message, issue.rule, issue.severity)


def _fail(message: str, *, fmt: str, problem: Problem) -> None:
    """Text: the caret picture on standard error. Other formats: the problem on standard output."""
    if fmt == "text":
        click.echo(message, err=True)
    else:
        report([problem], fmt=fmt, stream=sys.stdout, checked_files=[problem.file])
    raise click.exceptions.Exit(ExitCode.PROBLEMS)
