"""A course rendered to the Postman document ``lint`` reads, with every position mapped back to the course YAML.

``validate`` and ``build`` run the lint rules on it: one implementation of each rule for a course and an export.
Positions come from the source map the renderer recorded as it rendered (``source_map.py``): a rendered value
that is a course value points at it, down to the character (inside a script line, a URL, a raw body, a PQL text
sent as is); a JSON body pmforge wrote from YAML data points at the YAML key or value it came from; what the
renderer adds itself lands on the request or folder it belongs to.

PQL written as ``pql:`` text is compiled once per course, and the compiler says what it finds there (checks.py);
the rendered document holds only the compiled tree, so PQL findings inside such a tree are the compiler's
findings again and are dropped here (``compiled``).
"""

from __future__ import annotations

import bisect
from typing import Any

from pmforge.lint.linter import lint_document
from pmforge.lint.positions import Document, JsonSyntaxError, PathKey, Source, parse
from pmforge.lint.structure import COLLECTION
from pmforge.loading import Located
from pmforge.model import Course
from pmforge.pql.catalog import Catalog
from pmforge.problems import ERROR, Problem
from pmforge.source_map import Origin, SourceMap, unfilled_index

_MISSING = object()


def _yaml_value(located: Located, path: PathKey) -> Any:
    value: Any = located.data
    for part in path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return value


class _Mapped(Document):
    """A document whose positions are places in the course file."""

    def __init__(self, course: Course, parsed: Document, fields: dict[str, str], compiled: set[Problem]) -> None:
        super().__init__(Source(course.file, ""), parsed.data, parsed.values, parsed.keys, parsed.duplicates, parsed.text)
        self.course, self.fields, self.compiled = course, fields, compiled

    def at(self, origin: Origin, *, key: bool = False, index: int | None = None) -> tuple[int, int]:
        """The course position of ``origin``; ``index``: a character of the rendered string (exact origins only)."""
        located = self.course.source
        value = _yaml_value(located, origin.path)
        if origin.exact and index is not None and isinstance(value, str):
            return located.offset_position(origin.path, origin.start + unfilled_index(value[origin.start:], index, self.fields))
        if origin.exact and origin.start and isinstance(value, str):
            return located.offset_position(origin.path, origin.start)
        return located.position(origin.path, key=key or origin.key)

    def where(self, path: PathKey) -> str:
        return f"line {self.position(path)[0]}"

    def in_compiled(self, path: PathKey) -> bool:
        return False

    def problem(self, path: PathKey, message: str, rule: str, *, severity: str = ERROR, key: bool = False,
                index: int | None = None) -> Problem:
        line, column = self.position(path, key=key, index=index)
        found = Problem(self.course.file, line, column, message, rule, severity)
        if rule.startswith("pql-") and self.in_compiled(path):
            self.compiled.add(found)
        return found

    def _inner(self, path: PathKey, variables: bool) -> Document:
        return parse(Source(self.course.file, ""), self.data_at(path), variables=variables)

    def data_at(self, path: PathKey) -> Any:
        value = self.data
        for part in path:
            value = value[part]
        return value


class CourseDocument(_Mapped):
    """The rendered collection; ``source_map`` is the renderer's, ``fields`` the participant values it was filled with."""

    def __init__(self, course: Course, data: Any, source_map: SourceMap, fields: dict[str, str]) -> None:
        super().__init__(course, Document(Source(course.file, ""), data), fields, set())
        self.map = source_map

    def yaml_path(self, path: PathKey) -> tuple[PathKey, bool]:
        """The course path a rendered path comes from, and whether it is that value itself (not an ancestor)."""
        origin = self.map.origin(path)
        return origin.path, origin.exact

    def position(self, path: PathKey, *, key: bool = False, index: int | None = None) -> tuple[int, int]:
        origin = self.map.origin(path)
        if origin.body == "data" and index is not None:
            return self._in_body(path, origin, index)
        return self.at(origin, key=key, index=index)

    def _in_body(self, path: PathKey, origin: Origin, index: int) -> tuple[int, int]:
        """Character ``index`` of a JSON body pmforge wrote: the key of the body value holding it."""
        try:
            body = self.inner(path)
        except JsonSyntaxError:
            return self.at(Origin(origin.path, exact=False))
        leaves = sorted((start, inner) for inner, start in body.values.items() if inner and not isinstance(body.data_at(inner), (dict, list)))
        found = bisect.bisect_right([start for start, _ in leaves], index) - 1
        return body.position(leaves[found][1], key=True) if found >= 0 else body.position(())

    def inner(self, path: PathKey, *, variables: bool = False) -> Document:
        """The JSON string at ``path`` parsed; its positions map into the course through the source map."""
        parsed = self._inner(path, variables)
        origin = self.map.origin(path)
        if origin.body == "data":
            return _DataBody(self, parsed, origin.path)
        return _TextBody(self, parsed, path)


class _DataBody(_Mapped):
    """A JSON string pmforge wrote from YAML data (a body, a pql/json tree): body path ``p`` is course path ``base + p``.

    ``whole``: a tree compiled from ``pql:`` text, all of which maps to that text.
    """

    def __init__(self, outer: _Mapped, parsed: Document, base: PathKey, *, whole: bool = False) -> None:
        super().__init__(outer.course, parsed, outer.fields, outer.compiled)
        self.base, self.whole = base, whole

    def _compiled_text(self, path: PathKey) -> PathKey | None:
        """The ``pql:`` path when ``path`` is in an expression value pmforge compiled from it."""
        if self.whole:
            return self.base
        if path[:2] == ("expression", "value"):
            expression = _yaml_value(self.course.source, self.base + ("expression",))
            if isinstance(expression, dict) and "pql" in expression:
                return self.base + ("expression", "pql")
        return None

    def in_compiled(self, path: PathKey) -> bool:
        return self._compiled_text(path) is not None

    def position(self, path: PathKey, *, key: bool = False, index: int | None = None) -> tuple[int, int]:
        compiled = self._compiled_text(path)
        if compiled is not None:
            return self.at(Origin(compiled, exact=False))
        target = self.base + path
        exact = _yaml_value(self.course.source, target) is not _MISSING
        return self.at(Origin(target, exact=exact), key=key, index=index)

    def inner(self, path: PathKey, *, variables: bool = False) -> Document:
        parsed = self._inner(path, variables)
        compiled = self._compiled_text(path)
        if compiled is not None:
            return _DataBody(self, parsed, compiled, whole=True)
        if isinstance(_yaml_value(self.course.source, self.base + path), str):
            return _TextBody(self, parsed, path)  # a tree the course wrote as a JSON string
        return _DataBody(self, parsed, self.base + path)  # a tree the course wrote as YAML data


class _TextBody(_Mapped):
    """JSON inside a rendered string made of course text: character ``i`` of it is character ``i`` of that string."""

    def __init__(self, outer: _Mapped, parsed: Document, outer_path: PathKey) -> None:
        super().__init__(outer.course, parsed, outer.fields, outer.compiled)
        self.outer, self.outer_path = outer, outer_path

    def position(self, path: PathKey, *, key: bool = False, index: int | None = None) -> tuple[int, int]:
        offset = self.char_offset(path, index) if index is not None and path in self.values else self.offset(path, key=key)
        return self.outer.position(self.outer_path, index=offset)

    def in_compiled(self, path: PathKey) -> bool:
        return self.outer.in_compiled(self.outer_path)

    def inner(self, path: PathKey, *, variables: bool = False) -> Document:
        return _TextBody(self, self._inner(path, variables), path)


def rendered_problems(course: Course, document: CourseDocument, environment: dict[str, Any], catalog: Catalog) -> list[Problem]:
    """The lint rules on a course's rendered collection, each problem at its place in the course file.

    ``environment`` is the rendered environment: its keys are the variables the collection may use.
    Secrets are searched per participant by value (building.py), not here. PQL findings inside a tree
    compiled from ``pql:`` text are left out: the compiler reported them on the text (checks.py).
    """
    keys = {value["key"] for value in environment.get("values", []) if isinstance(value, dict) and isinstance(value.get("key"), str)}
    found = lint_document(document, COLLECTION, environment=keys, catalog=catalog)
    return [problem for problem in found if problem not in document.compiled]
