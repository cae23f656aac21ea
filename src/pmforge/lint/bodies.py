"""The generator's checks, applied to an exported request: its JSON body, PQL tree and AEP headers.

The raw body is a JSON document inside a JSON string (and a pql/json tree is a
third level down); each level is parsed with positions mapped back through the
string that holds it, so a problem deep in a body still points at the file's
line and column.
"""

from __future__ import annotations

import re
from typing import Any

from pmforge.checks import BODY_SCHEMAS, header_document, url_path
from pmforge.lint.collection import RequestItem
from pmforge.lint.positions import Document, JsonSyntaxError, PathKey
from pmforge.lint.rules import RULES
from pmforge.pql.catalog import Catalog, check_text, check_tree
from pmforge.pql.classify import unconfirmed_in_tree, unconfirmed_message
from pmforge.problems import WARNING, Problem
from pmforge.validation import schema_problems

_PQL_RULES = ("pql-field", "pql-value")
_WHOLE_VARIABLE = re.compile(r"\{\{[^{}]+\}\}")


def raw_path(item: RequestItem) -> PathKey:
    return item.request_path + ("body", "raw")


def _is_raw(item: RequestItem) -> bool:
    body = item.request.get("body")
    return isinstance(body, dict) and body.get("mode") == "raw" and isinstance(body.get("raw"), str) and item.has_body


def body_kind(item: RequestItem) -> str | None:
    """The body as headers.schema.json names it: json, form, other, or None when nothing is sent."""
    if not item.has_body:
        return None
    mode = item.request["body"].get("mode")
    if mode == "urlencoded":
        return "form"
    return "json" if mode == "raw" and _means_json(item) else "other"


def _means_json(item: RequestItem) -> bool:
    body = item.request["body"]
    options = body.get("options")
    language = options.get("raw", {}).get("language") if isinstance(options, dict) and isinstance(options.get("raw"), dict) else None
    header = item.header("content-type")
    return language == "json" or (header is not None and "json" in header.value.lower()) or (
        language is None and header is None and body["raw"].lstrip()[:1] in ("{", "["))


def parse_body(document: Document, item: RequestItem) -> tuple[Document | None, list[Problem]]:
    """The raw JSON body with positions; a JSON body that does not parse is a problem (rule body-json)."""
    if not _is_raw(item) or not _means_json(item) or _WHOLE_VARIABLE.fullmatch(item.request["body"]["raw"].strip()):
        return None, []
    try:
        return document.inner(raw_path(item), variables=True), []
    except JsonSyntaxError as error:
        message = f"request {item.name!r}: the JSON body does not parse: {error.message}"
        return None, [document.problem(raw_path(item), message, "body-json", severity=RULES["body-json"].severity, index=error.offset)]


def _locator(body: Document, base: PathKey = ()) -> Any:
    def locate(path: tuple[Any, ...], message: str, rule: str, at_key: bool) -> Problem:
        return body.problem(base + path, message, rule, severity=RULES[rule].severity, key=at_key)

    return locate


def schema_checks(item: RequestItem, body: Document) -> list[Problem]:
    path = url_path(item.url_text())
    problems = []
    for method, suffix, schema, rule in BODY_SCHEMAS:
        if item.method == method and path.endswith(suffix):
            problems += schema_problems(body.data, schema, _locator(body), rule=rule)
    return problems


def pql_checks(body: Document, catalog: Catalog) -> list[Problem]:
    """The expression of a segment-definition body: its tree (pql/json) or text (pql/text)."""
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
        tree = body.inner(where).data
    except JsonSyntaxError as error:
        return [body.problem(where, f"the pql/json value is not a JSON-encoded tree: {error.message}", "pql-json", index=error.offset)]

    def locate(path: tuple[Any, ...], message: str, rule: str, at_key: bool) -> Problem:
        return body.problem(where, f"PQL tree: {message}", rule)

    problems = schema_problems(tree, "pql-tree.schema.json", locate, rule="pql-tree")
    if problems:
        return problems
    # Trees outside the compiler's subset are valid AEP; only what it reads is checked.
    inner = body.inner(where)
    return [body.problem(where, f"PQL: {issue.message}", issue.rule, severity=issue.severity)
            for issue in check_tree(tree, catalog) if issue.rule in _PQL_RULES] + [
        inner.problem(path + ("fnName",), f"PQL tree: {unconfirmed_message(fn)}", "pql-unconfirmed", severity=WARNING)
        for path, fn in unconfirmed_in_tree(tree)]


def header_checks(document: Document, item: RequestItem) -> list[Problem]:
    """headers.schema.json, as the generator applies it to every request it writes."""
    by_name = {header.key.lower(): header for header in item.headers()}
    data = header_document(item.url_text(), body_kind(item), {key: header.value for key, header in by_name.items()})

    def locate(path: tuple[Any, ...], message: str, rule: str, at_key: bool) -> Problem:
        header = by_name.get(path[1]) if len(path) > 1 else None
        if header is not None:
            where, key = header.path + (("key",) if at_key else ("value",)), False
        else:
            where, key = item.request_path + ("header",), True
        return document.problem(where, f"request {item.name!r}: {message}", rule, severity=RULES[rule].severity, key=key)

    return schema_problems(data, "headers.schema.json", locate, rule="headers")
