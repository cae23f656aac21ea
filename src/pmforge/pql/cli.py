"""`pmforge pql compile|explain|check`: thin click wrappers over the pql package."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from pmforge.pql import compile_text, explain
from pmforge.pql.catalog import check_text, load_catalog
from pmforge.pql.display import issue_of, render_issue, render_unplaced
from pmforge.pql.classify import parse_classified, unconfirmed, unconfirmed_message
from pmforge.pql.errors import ERROR, WARNING, PqlError, PqlIssue
from pmforge.loading import MAX_DEPTH
from pmforge.pql.tree import load_tree, nesting_depth


@click.group("pql")
def pql() -> None:
    """Compile, explain and check PQL segment expressions."""


@pql.command("compile")
@click.argument("text")
def compile_command(text: str) -> None:
    """Print the pql/json tree of PQL TEXT ('-' reads stdin).

    Text outside the subset pmforge compiles is an error naming pql/text, the form to send it in;
    an operator whose tree no public AEP sample confirms is a warning on stderr.
    """
    source = _read(text)
    try:
        tree = compile_text(source)
    except PqlError as error:
        _fail(render_issue(source, issue_of(error)))
    for node in unconfirmed(parse_classified(source)):
        click.echo(render_issue(source, PqlIssue(node.offset, unconfirmed_message(node.fn), "pql-unconfirmed", WARNING)), err=True)
    click.echo(json.dumps(tree, indent=2, ensure_ascii=False))


@pql.command("explain")
@click.argument("tree_json", metavar="JSON")
def explain_command(tree_json: str) -> None:
    """Print the PQL text of a pql/json tree ('-' reads stdin).

    JSON may also be the double-encoded string found in expression.value.
    """
    source = _read(tree_json)
    try:
        tree = load_tree(source)
    except PqlError as error:
        _fail(render_issue(source, issue_of(error), name="<json>"))
    try:
        text = explain(tree)
    except PqlError as error:
        _fail(render_unplaced(issue_of(error), name="<json>"))
    click.echo(text)


@pql.command("check")
@click.argument("text")
@click.option("--fields", "fields_file", type=click.File("r", encoding="utf-8"),
              help="JSON field catalog extension (format: schemas/pql-fields.schema.json).")
def check_command(text: str, fields_file: Any) -> None:
    """Check PQL TEXT against the profile field catalog ('-' reads stdin)."""
    source = _read(text)
    try:
        catalog = load_catalog(_load_extension(fields_file) if fields_file else None)
    except PqlError as error:
        _fail(render_unplaced(issue_of(error), name=fields_file.name))
    issues = check_text(source, catalog)
    for issue in issues:
        click.echo(render_issue(source, issue))
    if any(issue.severity == ERROR for issue in issues):
        raise click.exceptions.Exit(1)


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


def _fail(message: str) -> None:
    click.echo(message, err=True)
    raise click.exceptions.Exit(1)
