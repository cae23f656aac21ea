"""body-json: a JSON request body (language json, or a JSON Content-Type) that does not parse.

The parse is the context's, shared with every rule that reads a body (``Context.parsed_body``)."""

from __future__ import annotations

from pmforge.lint.context import Context
from pmforge.problems import Problem


def check(context: Context) -> list[Problem]:
    return [found for item in context.items for found in context.parsed_body(item)[1]]
