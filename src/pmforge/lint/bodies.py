"""A request's body as the body rules read it: what kind it is, and its JSON parsed with positions.

The raw body is a JSON document inside a JSON string (and a pql/json tree is a
third level down); each level is parsed with positions mapped back through the
string that holds it, so a problem deep in a body still points at the file's
line and column. The rules reading bodies (body-json, segment-definition, segment-job,
the PQL rules, course-placeholder) are in ``pmforge.lint.document_rules``.
"""

from __future__ import annotations

import re

from pmforge.lint.collection import RequestItem
from pmforge.lint.positions import Document, JsonSyntaxError, PathKey
from pmforge.problems import Problem
from pmforge.rules import get

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
        return None, [document.problem(raw_path(item), message, "body-json", severity=get("body-json").severity, index=error.offset)]
