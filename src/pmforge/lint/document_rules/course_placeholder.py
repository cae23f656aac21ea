"""course-placeholder: a course's placeholder left in (--aepSandboxId-- anywhere; a bare ldap in a JSON body's name,
createdBy or description), where every participant receives it as text."""

from __future__ import annotations

import re

from pmforge.checks import strings
from pmforge.lint.context import Context, problem
from pmforge.lint.positions import VARIABLE_SPAN, Document
from pmforge.problems import Problem

PLACEHOLDER = re.compile(r"--(?:aep|demo)[A-Za-z]+--")
LDAP_WORD = re.compile(r"(?<![\w{.-])ldap(?![\w}])")


def check(context: Context) -> list[Problem]:
    problems = []
    for path, text in strings(context.document.data, ()):
        match = PLACEHOLDER.search(text)
        if match:
            problems.append(problem(context.document, path, f"course placeholder {match.group()!r} left in; use a {{{{VARIABLE}}}}",
                                    "course-placeholder", index=match.start()))
    for _, body in context.bodies():
        problems += _ldap_words(body)
    return problems


def _ldap_words(body: Document) -> list[Problem]:
    """A literal ``ldap`` in a body's name or createdBy: the participant's id, meant to be replaced by hand."""
    problems = []
    if not isinstance(body.data, dict):
        return problems
    for field in ("name", "createdBy", "description"):
        text = body.data.get(field)
        if not isinstance(text, str):
            continue
        match = LDAP_WORD.search(VARIABLE_SPAN.sub(lambda m: " " * len(m.group()), text))
        if match:
            problems.append(problem(body, (field,), f"{field} holds the placeholder word 'ldap', meant to be replaced by hand; use {{{{ldap}}}}",
                                    "course-placeholder", index=match.start()))
    return problems
