"""no-test: a request whose test scripts (its own and its folders') assert nothing, so an error reply still passes."""

from __future__ import annotations

import re

from pmforge.lint.collection import node_at, scripts
from pmforge.lint.context import Context, problem
from pmforge.lint.flow import code_lines, name_path
from pmforge.problems import Problem

_TEST = re.compile(r"\bpm\.test\s*\(|\btests\s*\[")


def check(context: Context) -> list[Problem]:
    document = context.document
    problems = []
    for item in context.items:
        chain = [s for path in item.ancestors for s in scripts(node_at(document, path), path)] + list(scripts(item.data, item.path))
        if not any(_TEST.search(text) for s in chain if s.listen == "test" for _, text in code_lines(s)):
            problems.append(problem(document, name_path(item), f"request {item.name!r} has no test: without pm.test an error reply still passes", "no-test"))
    return problems
