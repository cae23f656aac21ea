"""duplicate-name: two requests share a name in a folder, or across the collection, where setNextRequest looks names up."""

from __future__ import annotations

from pmforge.lint.collection import RequestItem
from pmforge.lint.context import Context, problem
from pmforge.lint.flow import name_path
from pmforge.problems import Problem


def check(context: Context) -> list[Problem]:
    document = context.document
    first: dict[str, RequestItem] = {}
    problems = []
    for item in context.items:
        earlier = first.setdefault(item.name, item)
        if earlier is item:
            continue
        where = "in this folder" if earlier.ancestors[-1] == item.ancestors[-1] else "elsewhere in the collection, where setNextRequest looks names up"
        problems.append(problem(document, name_path(item), f"request name {item.name!r} is used {where} too ({document.where(name_path(earlier))})", "duplicate-name"))
    return problems
