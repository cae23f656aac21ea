"""auth-scheme: the Authorization scheme spelled two ways in one collection (bearer and Bearer)."""

from __future__ import annotations

import re
from collections import Counter

from pmforge.lint.context import Context, problem
from pmforge.problems import Problem

_BEARER = re.compile(r"^\s*(bearer)\b", re.IGNORECASE)


def check(context: Context) -> list[Problem]:
    found = []
    for item in context.items:
        header = item.header("authorization")
        match = _BEARER.match(header.value) if header else None
        if header is not None and match:
            found.append((header, match))
    spellings = Counter(match.group(1) for _, match in found)
    if len(spellings) < 2:
        return []
    # With two spellings, at least one differs from the spec's; those are the ones to change.
    return [
        problem(context.document, header.path + ("value",), f"Authorization scheme spelled {match.group(1)!r} here and {_other(spellings, match.group(1))} elsewhere in this collection; the spec writes 'Bearer'",
                "auth-scheme")
        for header, match in found if match.group(1) != "Bearer"
    ]


def _other(spellings: Counter[str], mine: str) -> str:
    return " and ".join(repr(s) for s in sorted(spellings) if s != mine)
