"""content-type-without-body: a request that sends no body but a Content-Type header."""

from __future__ import annotations

from pmforge.lint.context import Context, problem
from pmforge.problems import Problem


def check(context: Context) -> list[Problem]:
    problems = []
    for item in context.items:
        header = item.header("content-type")
        if header is not None and not item.has_body:
            problems.append(problem(context.document, header.path + ("key",), f"{item.method} request {item.name!r} has no body but sends Content-Type",
                                    "content-type-without-body"))
    return problems
