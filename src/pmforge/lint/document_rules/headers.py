"""headers: an AEP Platform API request lacking a required header or sending one in the wrong form
(headers.schema.json, as the generator applies it to every request it writes)."""

from __future__ import annotations

from typing import Any

from pmforge.checks import header_document
from pmforge.lint.bodies import body_kind
from pmforge.lint.collection import RequestItem
from pmforge.lint.context import Context, problem
from pmforge.lint.positions import Document
from pmforge.problems import Problem
from pmforge.validation import schema_problems


def check(context: Context) -> list[Problem]:
    return [found for item in context.items for found in _headers(context.document, item)]


def _headers(document: Document, item: RequestItem) -> list[Problem]:
    by_name = {header.key.lower(): header for header in item.headers()}
    data = header_document(item.url_text(), body_kind(item), {key: header.value for key, header in by_name.items()})

    def locate(path: tuple[Any, ...], message: str, rule: str, at_key: bool) -> Problem:
        header = by_name.get(path[1]) if len(path) > 1 else None
        if header is not None:
            where, key = header.path + (("key",) if at_key else ("value",)), False
        else:
            where, key = item.request_path + ("header",), True
        return problem(document, where, f"request {item.name!r}: {message}", rule, key=key)

    return schema_problems(data, "headers.schema.json", locate, rule="headers")
