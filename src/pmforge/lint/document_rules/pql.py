"""pql-json, pql-tree, pql-field, pql-value, pql-syntax, pql-unconfirmed: the expression of a segment-definition
body, its tree (pql/json) or text (pql/text), read in one pass: each level parsed once, the later rules reading
what the earlier ones parsed."""

from __future__ import annotations

from typing import Any

from pmforge.lint.context import Context
from pmforge.lint.positions import Document, JsonSyntaxError
from pmforge.pql.catalog import Catalog, check_text, check_tree
from pmforge.pql.classify import unconfirmed_in_tree, unconfirmed_message
from pmforge.problems import WARNING, Problem
from pmforge.validation import schema_problems

_PQL_RULES = ("pql-field", "pql-value")


def check(context: Context) -> list[Problem]:
    return [found for _, body in context.bodies() for found in _expression(body, context.catalog)]


def _expression(body: Document, catalog: Catalog) -> list[Problem]:
    expression = body.data.get("expression") if isinstance(body.data, dict) else None
    if not isinstance(expression, dict) or not isinstance(expression.get("value"), str):
        return []
    where = ("expression", "value")
    if expression.get("format") == "pql/text":
        # Outside the subset pmforge compiles the text travels; its profile paths are read loosely (warnings).
        return [body.problem(where, f"PQL: {issue.message}", issue.rule, severity=issue.severity, index=issue.offset)
                for issue in check_text(expression["value"], catalog) if issue.rule in (*_PQL_RULES, "pql-syntax")]
    if expression.get("format") != "pql/json":
        return []
    try:
        inner = body.inner(where)
    except JsonSyntaxError as error:
        return [body.problem(where, f"the pql/json value is not a JSON-encoded tree: {error.message}", "pql-json", index=error.offset)]
    tree = inner.data

    def locate(path: tuple[Any, ...], message: str, rule: str, at_key: bool) -> Problem:
        return inner.problem(path, f"PQL tree: {message}", rule, key=at_key)  # at the node of the tree

    problems = schema_problems(tree, "pql-tree.schema.json", locate, rule="pql-tree")
    if problems:
        return problems
    # Trees outside the compiler's subset are valid AEP; only what it reads is checked.
    return [body.problem(where, f"PQL: {issue.message}", issue.rule, severity=issue.severity)
            for issue in check_tree(tree, catalog) if issue.rule in _PQL_RULES] + [
        inner.problem(path + ("fnName",), f"PQL tree: {unconfirmed_message(fn)}", "pql-unconfirmed", severity=WARNING)
        for path, fn in unconfirmed_in_tree(tree)]
