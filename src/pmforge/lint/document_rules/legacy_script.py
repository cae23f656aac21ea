"""legacy-script: the pre-2017 script API (postman.*, responseBody, tests[...]): still run by Newman 6, no longer documented."""

from __future__ import annotations

import re

from pmforge.lint.context import Context, problem
from pmforge.lint.flow import all_scripts, code_lines
from pmforge.problems import Problem

_LEGACY = re.compile(r"\bpostman\.(?:set|get|clear)\w*\s*\(|\bresponse(?:Body|Code|Headers|Time)\b|\btests\s*\[")


def check(context: Context) -> list[Problem]:
    problems = []
    for script in all_scripts(context.document, context.items):
        for path, text in code_lines(script):
            match = _LEGACY.search(text)
            if match:
                problems.append(problem(context.document, path, f"legacy script API {match.group().rstrip('( ')!r}; write pm.* instead "
                                        "(e.g. pm.environment.set, pm.response.json(), pm.test)", "legacy-script", index=match.start()))
                break  # one per script is enough to say it needs rewriting
    return problems
