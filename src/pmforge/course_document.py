"""A course rendered to the Postman document ``lint`` reads, with every position mapped back to the course YAML.

``validate`` and ``build`` run the lint rules on it, so the two give one verdict. The source map is the
structure the renderer follows: item ``i`` of the collection is item ``i`` of the course, a header is the
course header of that name, a raw body is the course's body (down into its keys), a script is the course
script of that event. What the renderer adds itself (descriptions, pmforge's own script lines) maps to the
request or folder it belongs to.
"""

from __future__ import annotations

from typing import Any

from pmforge.lint.linter import lint_document
from pmforge.lint.positions import Document, PathKey, Source, parse
from pmforge.lint.structure import COLLECTION
from pmforge.loading import Located
from pmforge.model import BODY_KEYS, Course, Folder, Item, Request
from pmforge.pql.catalog import Catalog
from pmforge.problems import ERROR, Problem


def _yaml_value(located: Located, path: PathKey) -> Any:
    value: Any = located.data
    for part in path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


class CourseDocument(Document):
    """Rendered Postman data whose ``problem()`` points into the course file."""

    def __init__(self, course: Course, data: Any, *, base: PathKey | None = None) -> None:
        super().__init__(Source(course.file, ""), data)
        self.course = course
        self.base = base  # for a body parsed out of a raw string: the course path of that body

    def yaml_path(self, path: PathKey) -> tuple[PathKey, bool]:
        """The course path a rendered path comes from, and whether it is that value itself (not an ancestor)."""
        if self.base is not None:
            return self.base + path, True
        if path[:1] == ("info",):
            return ("collection",), path == ("info", "name")
        items: list[Item] = self.course.items
        found: Item | None = None
        rest = path
        while len(rest) >= 2 and rest[0] == "item" and isinstance(rest[1], int) and rest[1] < len(items):
            found, rest = items[rest[1]], rest[2:]
            items = found.items if isinstance(found, Folder) else []
        node = self.data_at(path[:len(path) - len(rest)])
        if found is None:
            return _scripts_path((), self.course.scripts, node, rest)
        if rest == ("name",):
            return found.path + ("name",), True
        if isinstance(found, Request) and rest[:1] == ("request",):
            return _request_path(found, node, rest[1:])
        return _scripts_path(found.path, found.scripts, node, rest)

    def data_at(self, path: PathKey) -> Any:
        value = self.data
        for part in path:
            value = value[part]
        return value

    def position(self, path: PathKey, *, key: bool = False, index: int | None = None) -> tuple[int, int]:
        located = self.course.source
        target, exact = self.yaml_path(path)
        if exact and index is not None and isinstance(_yaml_value(located, target), str):
            return located.offset_position(target, index)
        return located.position(target, key=key)

    def where(self, path: PathKey) -> str:
        return f"line {self.position(path)[0]}"

    def problem(self, path: PathKey, message: str, rule: str, *, severity: str = ERROR, key: bool = False,
                index: int | None = None) -> Problem:
        line, column = self.position(path, key=key, index=index)
        return Problem(self.course.file, line, column, message, rule, severity)

    def inner(self, path: PathKey, *, variables: bool = False) -> Document:
        """The JSON string at ``path`` parsed; its paths continue the course path of that string."""
        parsed = parse(Source(self.course.file, ""), self.data_at(path), variables=variables)
        target, _ = self.yaml_path(path)
        inner = CourseDocument(self.course, parsed.data, base=target)
        inner.values, inner.keys = parsed.values, parsed.keys
        return inner


def _scripts_path(base: PathKey, scripts: dict[str, str], node: Any, rest: PathKey) -> tuple[PathKey, bool]:
    """A rendered event maps to the course script of the same listen, where the author wrote one."""
    if rest[:1] == ("event",) and len(rest) > 1 and isinstance(rest[1], int):
        events = node.get("event", []) if isinstance(node, dict) else []
        event = events[rest[1]] if rest[1] < len(events) else {}
        listen = event.get("listen") if isinstance(event, dict) else None
        if listen in scripts:
            return base + ("scripts", listen), False
    return base, False


def _request_path(request: Request, item: Any, rest: PathKey) -> tuple[PathKey, bool]:
    if rest[:1] == ("header",) and len(rest) > 1 and isinstance(rest[1], int):
        headers = item.get("request", {}).get("header", []) if isinstance(item, dict) else []
        key = headers[rest[1]].get("key", "") if rest[1] < len(headers) and isinstance(headers[rest[1]], dict) else ""
        by_name = {header.key.lower(): header for header in request.headers}
        header = by_name.get(str(key).lower())
        if header is not None:
            return header.path, rest[2:] == ("value",)
        return request.path + ("headers",), False
    if rest[:1] == ("url",):
        return request.path + ("url",), rest == ("url", "raw")
    if rest[:1] == ("method",):
        return request.path + ("method",), True
    if rest[:1] == ("body",):
        kind = next((key for key in BODY_KEYS if getattr(request, key, None) is not None), None)
        return (request.path + (kind,), False) if kind else (request.path, False)
    return request.path, False


def rendered_problems(course: Course, collection: dict[str, Any], environment: dict[str, Any], catalog: Catalog) -> list[Problem]:
    """The lint rules on a course's rendered collection, each problem at its place in the course file.

    ``environment`` is the rendered environment: its keys are the variables the collection may use.
    Secrets are searched per participant by value (building.py), not here.
    """
    document = CourseDocument(course, collection)
    keys = {value["key"] for value in environment.get("values", []) if isinstance(value, dict) and isinstance(value.get("key"), str)}
    return lint_document(document, COLLECTION, environment=keys, catalog=catalog)
