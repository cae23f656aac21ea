"""A document rendered once per course, with slots where each participant's values go.

The collection template is rendered once with a marker string in place of every participant-dependent
value (the collection's id, each item's id, each request body); the markers are found once in the parsed
document. Per participant the slots are filled by copying only the containers on the way to them: every
other part of the document is shared, never rendered, parsed or copied again. So nothing that reads a
filled document may change it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from pmforge.checks import strings

# Markers carry a word drawn once per process: a course's own text cannot spell one, so it is never taken for one.
# They never reach a written file, so the output stays the same from run to run.
NONCE = secrets.token_hex(8)
_MARK = re.compile(f"\ue000pmforge-slot-{NONCE}-([0-9]+)\ue000")


class Slots:
    """Markers handed to a template, each remembering how to make its participant's value."""

    def __init__(self) -> None:
        self.makers: list[Callable[[Any], Any]] = []

    def __call__(self, make: Callable[[Any], Any]) -> str:
        self.makers.append(make)
        return f"\ue000pmforge-slot-{NONCE}-{len(self.makers) - 1}\ue000"


class Skeleton:
    """The parsed document with its slots; ``find`` gives ``None`` when a marker did not land as a whole value."""

    def __init__(self, document: Any, tree: dict[Any, Any], makers: Sequence[Callable[[Any], Any]], paths: dict[int, tuple[Any, ...]]) -> None:
        self.document, self.tree, self.makers = document, tree, list(makers)
        self.paths = paths  # where each slot landed

    @classmethod
    def find(cls, document: Any, slots: Slots, record: Callable[[tuple[Any, ...], str], str] | None = None) -> Skeleton | None:
        """``record`` sees every other string (path, text) and gives the text to keep there (the source map's render)."""
        tree: dict[Any, Any] = {}
        paths: dict[int, tuple[Any, ...]] = {}
        seen: set[int] = set()
        for path, text in strings(document, ()):
            if record is not None and "\ue001" in text:
                _parent(document, path)[path[-1]] = text = record(path, text)
            match = _MARK.search(text)
            if match is None:
                continue
            number = int(match.group(1))
            if match.group() != text or number in seen:
                return None  # a marker inside a longer string: this template cannot be filled by slots
            seen.add(number)
            paths[number] = path
            node = tree
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = number
        return cls(document, tree, slots.makers, paths)  # a marker the template did not use (a request without a body) is no slot

    def fill(self, context: Any) -> Any:
        return self.filled(self.values(context))

    def values(self, context: Any) -> list[Any]:
        """Each slot's value for ``context``, by slot number."""
        return [make(context) for make in self.makers]

    def filled(self, values: list[Any]) -> Any:
        return _filled(self.document, self.tree, values)


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        document = document[part]
    return document


def _filled(node: Any, tree: dict[Any, Any], values: list[Any]) -> Any:
    copy = dict(node) if isinstance(node, dict) else list(node)
    for key, sub in tree.items():
        copy[key] = values[sub] if isinstance(sub, int) else _filled(node[key], sub, values)
    return copy

