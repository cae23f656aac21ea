"""Segment expressions in course bodies: PQL text compiled once, trees checked.

A course writes ``expression: {type: PQL, format: pql/json, pql: <text>}``.
pmforge compiles the text once per course: the request carries the tree
(``pql/json``) or the text (``pql/text``) in ``value``, as AEP expects.
"""

from __future__ import annotations

import json
from typing import Any

from pmforge.loading import Located, PathKey
from pmforge.pql import PqlError, compile_text
from pmforge.pql.catalog import Catalog, check_text, check_tree
from pmforge.pql.classify import parse_classified, unconfirmed, unconfirmed_in_tree, unconfirmed_message
from pmforge.pql.errors import ERROR, WARNING, PqlIssue
from pmforge.pql.tree import decode
from pmforge.problems import Problem
from pmforge.validation import schema_problems


def compiled_body(body: Any) -> Any:
    """The body with ``expression.pql`` turned into ``expression.value`` (a tree or the text)."""
    if not isinstance(body, dict) or not isinstance(body.get("expression"), dict) or "pql" not in body["expression"]:
        return body
    expression = {key: value for key, value in body["expression"].items() if key != "pql"}
    text = body["expression"]["pql"]
    expression["value"] = compile_text(text) if expression.get("format") == "pql/json" else text
    return {**body, "expression": expression}


def _issue(source: Located, path: PathKey, issue: PqlIssue, *, in_text: bool) -> Problem:
    line, column = source.offset_position(path, issue.offset) if in_text else source.position(path)
    return Problem(source.file, line, column, f"PQL: {issue.message}", issue.rule, issue.severity)


def _tree_problems(source: Located, where: PathKey, value: Any, catalog: Catalog) -> list[Problem]:
    if isinstance(value, str):
        try:
            tree = decode(value)
        except json.JSONDecodeError as error:
            return [source.problem(where, f"PQL value is not JSON: {error.msg} at character {error.pos + 1}", "pql-json")]
        except PqlError as error:
            return [source.problem(where, f"PQL value: {error.message}", error.rule)]

        def locate(path: tuple[Any, ...], message: str, rule: str, at_key: bool) -> Problem:
            return source.problem(where, f"PQL tree: {message}", rule)

    else:
        tree = value

        def locate(path: tuple[Any, ...], message: str, rule: str, at_key: bool) -> Problem:
            return source.problem(where + path, f"PQL tree: {message}", rule, key=at_key)

    problems = schema_problems(tree, "pql-tree.schema.json", locate, rule="pql-tree")
    if problems:
        return problems
    # Trees outside the compiler's subset are valid AEP; only what it reads is checked.
    issues = [issue for issue in check_tree(tree, catalog) if issue.rule not in ("pql-unsupported", "pql-json")]
    problems = [_issue(source, where, issue, in_text=False) for issue in issues]
    for path, fn in unconfirmed_in_tree(tree):
        at = where if isinstance(value, str) else where + path + ("fnName",)
        line, column = source.position(at)
        problems.append(Problem(source.file, line, column, f"PQL tree: {unconfirmed_message(fn)}", "pql-unconfirmed", WARNING))
    return problems


def expression_problems(source: Located, path: PathKey, body: Any, catalog: Catalog) -> list[Problem]:
    """Problems of the expression in a segment-definition body at ``path``."""
    expression = body.get("expression") if isinstance(body, dict) else None
    if not isinstance(expression, dict):
        return []
    where = path + ("expression",)
    if "pql" in expression:
        text = expression["pql"]
        # pql: is the course's own key (an export never holds it), so its shape is the course schema's business.
        if "value" in expression:
            return [source.problem(where + ("pql",), "give the expression as pql (text) or as value, not both", "course-schema", key=True)]
        if not isinstance(text, str):
            return [source.problem(where + ("pql",), "pql holds PQL text, a string", "course-schema")]
        return [_issue(source, where + ("pql",), issue, in_text=True)
                for issue in text_issues(text, catalog, tree=expression.get("format") == "pql/json")]
    value = expression.get("value")
    if expression.get("format") == "pql/json":
        return _tree_problems(source, where + ("value",), value, catalog)
    if expression.get("format") == "pql/text" and isinstance(value, str):
        return [_issue(source, where + ("value",), issue, in_text=True) for issue in text_issues(value, catalog, tree=False)]
    return []


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
