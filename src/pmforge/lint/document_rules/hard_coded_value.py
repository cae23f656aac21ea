"""hard-coded-value: x-sandbox-name, x-api-key or x-gw-ims-org-id as a literal, the same for every participant."""

from __future__ import annotations

from pmforge.lint.context import Context, problem
from pmforge.lint.document_rules.course_placeholder import PLACEHOLDER
from pmforge.problems import Problem

_VARIABLE_HEADERS = {"x-sandbox-name": "SANDBOX_NAME", "x-api-key": "API_KEY", "x-gw-ims-org-id": "IMS_ORG"}


def check(context: Context) -> list[Problem]:
    problems = []
    for item in context.items:
        for name, variable in _VARIABLE_HEADERS.items():
            header = item.header(name)
            if header is None or "{{" in header.value or PLACEHOLDER.search(header.value) or not header.value.strip():
                continue
            problems.append(problem(context.document, header.path + ("value",),
                                    f"{header.key} is the literal {header.value!r}, the same for every participant; use a variable such as {{{{{variable}}}}}",
                                    "hard-coded-value"))
    return problems
