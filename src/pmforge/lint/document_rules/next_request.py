"""next-request: setNextRequest names a request that does not exist, so Newman stops there with exit 0."""

from __future__ import annotations

import bisect
import difflib

from pmforge import javascript
from pmforge.lint.context import Context, problem
from pmforge.lint.flow import all_scripts
from pmforge.problems import Problem


def check(context: Context) -> list[Problem]:
    items = context.items
    names = {item.name for item in items}
    names |= {str(item.data[key]) for item in items for key in ("id", "_postman_id") if key in item.data}
    problems = []
    for script in all_scripts(context.document, items):
        starts = [0]
        for line in script.lines:
            starts.append(starts[-1] + len(line.text) + 1)
        for offset, target in javascript.next_request_targets(script.code):
            if target in names:
                continue
            number = bisect.bisect_right(starts, offset) - 1
            guess = difflib.get_close_matches(target, sorted(names), n=1, cutoff=0.6)
            hint = f"; did you mean {guess[0]!r}?" if guess else ""
            problems.append(problem(context.document, script.lines[number].path, f"setNextRequest({target!r}) names no request: Newman would stop here, exit 0{hint}",
                                    "next-request", index=offset - starts[number]))
    return problems
