"""undefined-variable: a {{VAR}} a request sends that no environment, collection variable or earlier script defines.

Without any environment given there is nothing to go by, and the rule stays quiet."""

from __future__ import annotations

import difflib

from pmforge.checks import POSTMAN_VARIABLE
from pmforge.lint.collection import node_at, scripts
from pmforge.lint.context import Context, problem
from pmforge.lint.flow import declared, sent_strings, variables_set
from pmforge.problems import Problem


def check(context: Context) -> list[Problem]:
    if context.environment is None:
        return []
    document = context.document
    base = set(context.environment) | declared(document.data)
    earlier: set[str] = set()
    problems = []
    for item in context.items:
        own = list(scripts(item.data, item.path))
        outer = [s for path in item.ancestors for s in scripts(node_at(document, path), path)]
        defined_here = {name for path in item.ancestors for name in declared(node_at(document, path))} | declared(item.data)
        defined = base | earlier | defined_here | variables_set(s for s in outer + own if s.listen == "prerequest")
        for path, text in sent_strings(item):
            for match in POSTMAN_VARIABLE.finditer(text):
                name = match.group(1).strip()
                if name not in defined and not name.startswith("$"):
                    problems.append(problem(document, path, _message(name, defined), "undefined-variable", index=match.start()))
        earlier |= variables_set(outer + own)
    return problems


def _message(name: str, defined: set[str]) -> str:
    message = f"{{{{{name}}}}} is in no given environment or collection variable, and no earlier script sets it"
    same = [known for known in defined if known.lower() == name.lower()]
    guess = same or difflib.get_close_matches(name, sorted(defined), n=1, cutoff=0.7)
    return message + (f"; did you mean {{{{{guess[0]}}}}}?" if guess else "")
