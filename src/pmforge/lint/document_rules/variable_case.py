"""variable-case: {{access_token}} next to {{ACCESS_TOKEN}}: Postman variables are case-sensitive, so these are two."""

from __future__ import annotations

from collections import Counter

from pmforge.checks import POSTMAN_VARIABLE
from pmforge.lint.collection import node_at
from pmforge.lint.context import Context, problem
from pmforge.lint.flow import all_scripts, containers, declared, sent_strings, variables_set
from pmforge.problems import Problem


def check(context: Context) -> list[Problem]:
    document, items = context.document, context.items
    uses = [(path, match) for item in items for path, text in sent_strings(item) for match in POSTMAN_VARIABLE.finditer(text)]
    # Names that are set or declared come first, so that on a tie the defined spelling counts as the usual one.
    names = sorted(variables_set(all_scripts(document, items)))
    names += [name for path in containers(items) for name in sorted(declared(node_at(document, path)))]
    names += [match.group(1).strip() for _, match in uses]
    spellings: dict[str, Counter[str]] = {}
    for name in names:
        spellings.setdefault(name.lower(), Counter())[name] += 1
    problems = []
    for path, match in uses:
        name = match.group(1).strip()
        counts = spellings[name.lower()]
        usual = counts.most_common(1)[0][0]
        if len(counts) > 1 and name != usual:
            problems.append(problem(document, path, f"{{{{{name}}}}} differs only in case from {{{{{usual}}}}}, used elsewhere in this collection; "
                                    "Postman variables are case-sensitive", "variable-case", index=match.start()))
    return problems
