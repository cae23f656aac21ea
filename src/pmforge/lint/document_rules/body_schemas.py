"""segment-definition, segment-job: a POST body to .../segment/definitions or .../segment/jobs against its schema
(one pass over the bodies for the generator's table of body schemas, ``pmforge.checks.BODY_SCHEMAS``)."""

from __future__ import annotations

from typing import Any

from pmforge.checks import BODY_SCHEMAS, url_path
from pmforge.lint.context import Context, problem
from pmforge.problems import Problem
from pmforge.validation import schema_problems


def check(context: Context) -> list[Problem]:
    problems = []
    for item, body in context.bodies():
        path = url_path(item.url_text())

        def locate(where: tuple[Any, ...], message: str, rule: str, at_key: bool, body: Any = body) -> Problem:
            return problem(body, where, message, rule, key=at_key)

        for method, suffix, schema, rule in BODY_SCHEMAS:
            if item.method == method and path.endswith(suffix):
                problems += schema_problems(body.data, schema, locate, rule=rule)
    return problems
