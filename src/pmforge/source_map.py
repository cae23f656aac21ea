"""Where each value of a rendered collection comes from in the course file: recorded by the renderer.

The renderer hands the template every course value it writes (names, headers, URL parts, script lines, bodies)
once per course with a marker in its place (the skeleton render); where a marker lands in the parsed document is
where that value lands. So the map holds what the renderer did, not a guess from the document's shape:

- a rendered path → an ``Origin``: the course YAML path, whether the rendered value *is* that course value (else it
  is something the renderer wrote for it, such as a description, or a part of it), and for a string made of a
  piece of course text (a script line, a URL part) the character offset of that piece in the course string;
- a rendered body string → how its inside maps back: ``data`` (a JSON body pmforge wrote from YAML data: body path
  ``p`` is course path ``base + p``) or ``text`` (a raw body the author wrote: character ``i`` is character ``i``).

Paths the map does not hold map to their nearest recorded ancestor, as not exact: pmforge's own script lines land
on the request or folder they belong to.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pmforge.loading import PathKey
from pmforge.model import PLACEHOLDER
from pmforge.skeleton import NONCE

_MARK = re.compile(f"\ue001{NONCE}:([0-9]+)\ue001")


@dataclass(frozen=True)
class Origin:
    """A course value: its YAML path; ``exact`` when the rendered value is it (or the piece of it from ``start``)."""

    path: PathKey
    exact: bool = True
    key: bool = False  # the rendered value is the course mapping's key (a header name, a form field's name)
    start: int = 0  # offset of the rendered string's first character in the course string
    body: str | None = None  # "data" or "text": the rendered string is a JSON body whose inside maps back


@dataclass
class SourceMap:
    entries: dict[PathKey, Origin] = field(default_factory=dict)

    def origin(self, path: PathKey) -> Origin:
        """The origin of the value at ``path``; of its nearest recorded ancestor (not exact) when it has none."""
        found = self.entries.get(path)
        if found is not None:
            return found
        while path:
            path = path[:-1]
            found = self.entries.get(path)
            if found is not None:
                return Origin(found.path, exact=False)
        return Origin((), exact=False)


class Tracer:
    """Hands out markers for course values and, once the template has run, records where each one landed."""

    def __init__(self) -> None:
        self.values: list[tuple[str, Origin, Origin | None]] = []

    def __call__(self, value: Any, origin: Origin, parent: Origin | None = None) -> Any:
        """``value`` marked as coming from ``origin``; ``parent`` is the origin of the object holding it."""
        if not isinstance(value, str) or not value:
            return value
        self.values.append((value, origin, parent))
        return f"\ue001{NONCE}:{len(self.values) - 1}\ue001"

    def real(self, text: str) -> str:
        """``text`` with every marker replaced by the value it stands for."""
        return _MARK.sub(lambda match: self.values[int(match.group(1))][0], text) if "\ue001" in text else text

    def record(self, path: PathKey, text: str, found: SourceMap) -> str:
        """The string at ``path`` as the template wrote it: its markers noted in ``found``, the real text returned."""
        match = _MARK.fullmatch(text)
        if match is None:
            first = _MARK.search(text)
            if first is not None:  # course values inside a longer string: the string comes from the first of them
                found.entries.setdefault(path, Origin(self.values[int(first.group(1))][1].path, exact=False))
            return self.real(text)
        value, origin, parent = self.values[int(match.group(1))]
        found.entries[path] = origin
        if parent is not None:
            found.entries.setdefault(path[:-1], parent)
        return value


def marked_lines(lines: list[str], script: str | None, script_path: PathKey, trace: Tracer) -> list[str]:
    """A script's ``exec`` lines, the author's own (the last ones, as scripts.py writes them) marked line by line."""
    if not script:
        return lines
    own = script.rstrip("\n").split("\n")
    first = len(lines) - len(own)
    marked = list(lines[:first])
    at = 0
    for line in own:
        marked.append(trace(line, Origin(script_path, start=at)))  # pmforge's lines before them map to the item
        at += len(line) + 1
    return marked


def unfilled_index(course_text: str, index: int, fields: dict[str, str]) -> int:
    """Character ``index`` of ``course_text`` once its ``${...}`` are filled from ``fields``, as an index of ``course_text``."""
    if "${" not in course_text:
        return index
    filled = 0
    at = 0
    for match in PLACEHOLDER.finditer(course_text):
        before = match.start() - at
        if index < filled + before:
            return at + index - filled
        filled += before
        size = 2 if match.group(1) is None else len(fields.get(match.group(1), ""))
        if index < filled + size:
            return match.start()  # inside a filled-in value: its ${
        filled += size
        at = match.end()
    return at + index - filled


