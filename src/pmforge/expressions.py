"""Segment expressions in course bodies: PQL text compiled once, its problems said in the text.

A course writes ``expression: {type: PQL, format: pql/json, pql: <text>}``.
pmforge compiles the text once per course: the request carries the tree
(``pql/json``) or the text (``pql/text``) in ``value``, as AEP expects.
"""

from __future__ import annotations

from typing import Any

from pmforge.loading import Located, PathKey
from pmforge.pql import compile_text
from pmforge.pql.catalog import Catalog, check_text
from pmforge.pql.classify import parse_classified, unconfirmed, unconfirmed_message
from pmforge.pql.errors import ERROR, WARNING, PqlIssue
from pmforge.problems import Problem


def compiled_body(body: Any) -> Any:
    """The body with ``expression.pql`` turned into ``expression.value`` (a tree or the text)."""
    if not isinstance(body, dict) or not isinstance(body.get("expression"), dict) or "pql" not in body["expression"]:
        return body
    expression = {key: value for key, value in body["expression"].items() if key != "pql"}
    text = body["expression"]["pql"]
    expression["value"] = compile_text(text) if expression.get("format") == "pql/json" else text
    return {**body, "expression": expression}


def _issue(source: Located, path: PathKey, issue: PqlIssue) -> Problem:
    line, column = source.offset_position(path, issue.offset)
    return Problem(source.file, line, column, f"PQL: {issue.message}", issue.rule, issue.severity)


def expression_problems(source: Located, path: PathKey, body: Any, catalog: Catalog) -> list[Problem]:
    """What compiling the ``pql:`` text of the expression in a segment-definition body at ``path`` finds."""
    expression = body.get("expression") if isinstance(body, dict) else None
    if not isinstance(expression, dict):
        return []
    where = path + ("expression",)
    if "pql" in expression:
        text = expression["pql"]
        if "value" in expression:
            return [source.problem(where + ("pql",), "give the expression as pql (text) or as value, not both", "pql-value", key=True)]
        if not isinstance(text, str):
            return [source.problem(where + ("pql",), "pql holds PQL text, a string", "pql-value")]
        return [_issue(source, where + ("pql",), issue)
                for issue in text_issues(text, catalog, tree=expression.get("format") == "pql/json")]
    return []  # a value is sent as written: the lint rules check it on the rendered course


def text_issues(text: str, catalog: Catalog, *, tree: bool) -> list[PqlIssue]:
    """What to say about PQL text sent as a tree (``tree``: format pql/json) or as pql/text.

    Outside the subset, text sent as pql/text travels unchecked (AEP judges it); sent as a tree it
    is an error, as pmforge cannot write the tree. Compiled to a tree, an operator whose pql/json
    form no public AEP tree confirms is a warning at the operator.
    """
    issues = check_text(text, catalog)
    if any(issue.rule == "pql-unsupported" for issue in issues):
        if tree:  # pmforge cannot write the tree: an error, which names pql/text
            return [PqlIssue(issue.offset, issue.message, issue.rule, ERROR) if issue.rule == "pql-unsupported" else issue for issue in issues]
        return [issue for issue in issues if issue.rule != "pql-unsupported"]  # travels; loose field warnings stay
    if tree and not any(issue.rule == "pql-syntax" for issue in issues):
        issues += [PqlIssue(node.offset, unconfirmed_message(node.fn), "pql-unconfirmed", WARNING)
                   for node in unconfirmed(parse_classified(text))]
    return sorted(issues)
