"""The profile field catalog, and the checker that holds PQL against it.

The catalog (``schemas/pql-fields.json``, format ``schemas/pql-fields.schema.json``)
maps dotted XED paths to a type and, where XDM closes the set, allowed values.
The checker reports unknown fields (with the nearest known path) and literals
a field cannot hold, each at the offset of the field or literal in the text.
It does not look past a map (``segmentMembership.get("ups")...``) or an array:
their keys and elements are not in the catalog.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema

from pmforge.pql.errors import ERROR, WARNING, PqlError, PqlIssue
from pmforge.pql.classify import parse_classified
from pmforge.pql.printer import quote
from pmforge.pql.syntax import (
    COMPARISONS, CONNECTIVES, LIST_TYPE, MEMBERSHIP, ORDERINGS, STRING_METHODS, Apply, Field,
    Literal, Node, Root, is_path, path_start,
)
from pmforge.pql.tree import from_json
from pmforge.resources import load_schema

_CONTAINERS = ("object", "map", "array")


@dataclass(frozen=True)
class FieldInfo:
    path: str
    type: str
    enum: tuple[Any, ...] = ()
    items: str | None = None
    deprecated: bool = False


class Catalog:
    """Known profile fields by dotted path; every parent of a known path is known too."""

    def __init__(self, fields: Iterable[FieldInfo]) -> None:
        self._fields: dict[str, FieldInfo] = {f.path: f for f in fields}
        for path in list(self._fields):
            parts = path.split(".")
            for depth in range(1, len(parts)):
                parent = ".".join(parts[:depth])
                known = self._fields.setdefault(parent, FieldInfo(parent, "object"))
                if known.type != "object":
                    raise PqlError(f"field catalog: `{path}` lies under `{parent}`, "
                                   f"which is {_a(known.type)}, not an object", rule="pql-catalog")

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Catalog:
        return cls(
            FieldInfo(path, spec["type"], tuple(spec.get("enum", ())), spec.get("items"),
                      spec.get("deprecated", False))
            for path, spec in data["fields"].items()
        )

    def get(self, path: str) -> FieldInfo | None:
        return self._fields.get(path)

    @property
    def paths(self) -> list[str]:
        return sorted(self._fields)

    def nearest(self, path: str) -> str | None:
        matches = difflib.get_close_matches(path, self._fields, n=1, cutoff=0.6)
        return matches[0] if matches else None

    def __contains__(self, path: object) -> bool:
        return path in self._fields

    def __len__(self) -> int:
        return len(self._fields)


def load_catalog(extra: Mapping[str, Any] | None = None) -> Catalog:
    """The built-in XDM profile catalog plus ``extra`` fields (same format; they win)."""
    builtin = load_schema("pql-fields.json")
    fields = dict(builtin["fields"])
    if extra is not None:
        validate_catalog_data(extra)
        fields.update(extra["fields"])
    return Catalog.from_data({"fields": fields})


def validate_catalog_data(data: Any) -> None:
    """Raise ``PqlError`` (rule ``pql-catalog``) unless ``data`` follows pql-fields.schema.json."""
    validator = jsonschema.Draft202012Validator(load_schema("pql-fields.schema.json"))
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "".join(f"[{p!r}]" for p in error.absolute_path) or "top level"
        raise PqlError(f"field catalog: {error.message} (at {where})", rule="pql-catalog")


def check_text(text: str, catalog: Catalog | None = None) -> list[PqlIssue]:
    """Problems in PQL text, sorted by offset.

    Text pmforge cannot compile is one issue: a ``pql-unsupported`` warning when it is outside the
    subset (it travels as pql/text, unchecked: AEP judges it), a ``pql-syntax`` error when it is
    plainly broken.
    """
    catalog = load_catalog() if catalog is None else catalog
    try:
        node = parse_classified(text)
    except PqlError as error:
        if error.rule != "pql-unsupported":
            return [PqlIssue(error.offset, error.message, error.rule, ERROR)]
        return sorted([PqlIssue(error.offset, error.message, error.rule, WARNING), *loose_field_issues(text, catalog)])
    return check_node(node, catalog)


_LAMBDA = re.compile(r"\(\s*([A-Za-z_]\w*)\s*\)\s*=>")
_PATH = re.compile(r"(?<![\w.$])(?:\$1|[A-Za-z_]\w*)(?:\.[A-Za-z_]\w*)+")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def loose_field_issues(text: str, catalog: Catalog) -> list[PqlIssue]:
    """Field checks for text outside the subset, read loosely: warnings, never errors.

    Dotted paths outside string literals are checked when they start at the profile (``$1.``, a
    lambda's ``(Profile) =>`` parameter, or a top-level field of the catalog such as ``person``);
    anything else (event variables, ``xEvent``) is not a profile path and is left to AEP. A method
    call ends a path; a map or an array ends what the catalog can say.
    """
    roots = set(_LAMBDA.findall(text)) | {"$1"}
    blanked = _STRING.sub(lambda match: " " * len(match.group()), text)
    issues = []
    for match in _PATH.finditer(blanked):
        parts, offset = match.group().split("."), match.start()
        if blanked[match.end():].lstrip().startswith("("):
            parts = parts[:-1]  # `.matches(…)`: a method, not a field
        if parts and parts[0] in roots:
            offset += len(parts[0]) + 1
            parts = parts[1:]
        if len(parts) < 2 or catalog.get(parts[0]) is None:
            continue
        for depth in range(2, len(parts) + 1):
            info = catalog.get(".".join(parts[:depth]))
            if info is None:
                path = ".".join(parts)
                guess = catalog.nearest(path)
                hint = f"; did you mean `{guess}`?" if guess else ""
                issues.append(PqlIssue(offset, f"unknown field `{path}`{hint} (read loosely: the text is outside the subset)", "pql-field", WARNING))
                break
            if info.type in ("map", "array"):
                break
    return issues


def check_tree(tree: Any, catalog: Catalog | None = None) -> list[PqlIssue]:
    """Problems in a pql/json tree; offsets are all 0, as a tree has no text."""
    try:
        node = from_json(tree)
    except PqlError as error:
        return [PqlIssue(0, error.message, error.rule)]
    return check_node(node, load_catalog() if catalog is None else catalog)


def check_node(node: Node, catalog: Catalog) -> list[PqlIssue]:
    checker = _Checker(catalog)
    checker.visit(node)
    return sorted(checker.issues)


class _Checker:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.issues: list[PqlIssue] = []

    def report(self, offset: int, message: str, rule: str, severity: str = ERROR) -> None:
        self.issues.append(PqlIssue(offset, message, rule, severity))

    def visit(self, node: Node) -> FieldInfo | None:
        """Check ``node``; return what is known of it when it is a field."""
        if is_path(node):
            return self.resolve(node)
        if not isinstance(node, Apply):
            return None
        if node.fn in CONNECTIVES or node.fn == "not":
            for arg in node.args:
                self.visit(arg)
        elif node.fn in COMPARISONS or node.fn in MEMBERSHIP:
            self.comparison(node)
        elif node.fn in STRING_METHODS:
            self.string_method(node)
        else:  # isNull / isNotNull hold for any field
            self.visit(node.args[0])
        return None

    def resolve(self, node: Node) -> FieldInfo | None:
        """The catalog entry of a path; None when unknown (reported once) or beyond a map/array."""
        if isinstance(node, Apply):  # .get(key)
            base = self.resolve(node.args[0])
            if base is not None and base.type != "map":
                self.report(path_start(node.args[0]), f"`.get()` looks up a key in a map; "
                            f"`{base.path}` is {_a(base.type)}", "pql-field")
            return None
        assert isinstance(node, Field)
        if isinstance(node.base, Root):
            path = node.name
        else:
            parent = self.resolve(node.base)
            if parent is None or parent.type in ("map", "array"):
                return None
            path = f"{parent.path}.{node.name}"
        info = self.catalog.get(path)
        if info is None:
            self.unknown(path, path_start(node))
        elif info.deprecated:
            self.report(path_start(node), f"`{path}` is deprecated in XDM", "pql-field", WARNING)
        return info

    def unknown(self, path: str, offset: int) -> None:
        namespace = path.split(".")[0]
        if namespace.startswith("_") and namespace not in self.catalog:
            # A tenant namespace the catalog has never heard of: likely real, just undeclared.
            self.report(offset, f"tenant namespace `{namespace}` is not in the field catalog; "
                        "declare its fields in a catalog extension", "pql-field", WARNING)
            return
        guess = self.catalog.nearest(path)
        hint = f"; did you mean `{guess}`?" if guess else ""
        self.report(offset, f"unknown field `{path}`{hint}", "pql-field")

    def comparison(self, node: Apply) -> None:
        left, right = node.args
        left_info, right_info = self.visit(left), self.visit(right)
        if node.fn in MEMBERSHIP:
            if left_info is not None and isinstance(right, Literal):
                self.membership(left_info, node.fn, right)
            return
        for info, other in ((left_info, right), (right_info, left)):
            if info is not None and isinstance(other, Literal):
                if other.kind == LIST_TYPE:
                    self.report(other.offset, f"a list cannot be compared with `{node.fn}`; "
                                "use `in` or `notIn`", "pql-value")
                else:
                    self.value(info, node.fn, other.kind, other.value, other.offset)

    def membership(self, info: FieldInfo, fn: str, literal: Literal) -> None:
        if literal.kind != LIST_TYPE:
            self.report(literal.offset, f"`{fn}` needs a list, e.g. `[\"a\", \"b\"]`", "pql-value")
            return
        offsets = literal.item_offsets or (literal.offset,) * len(literal.value)
        for item, offset in zip(literal.value, offsets):
            self.value(info, "=", _kind_of(item), item, offset)

    def string_method(self, node: Apply) -> None:
        receiver, argument, flag = node.args
        for path in (receiver, argument):
            info = self.visit(path)
            if info is not None and info.type != "string":
                self.report(path_start(path), f"`.{node.fn}()` compares strings; "
                            f"`{info.path}` is {_a(info.type)}", "pql-field")
            elif info is not None and node.fn == "equals" and isinstance(argument, Literal):
                folded = _fold(argument.value, flag)
                if info.enum and folded not in {_fold(v, flag) for v in info.enum}:
                    self.value(info, "=", "String", argument.value, argument.offset)

    def value(self, info: FieldInfo, op: str, kind: str, value: Any, offset: int) -> None:
        problem = _value_problem(info, op, kind, value)
        if problem:
            self.report(offset, problem, "pql-value")


def _value_problem(info: FieldInfo, op: str, kind: str, value: Any) -> str | None:
    field, shown = f"`{info.path}`", f"`{_show(kind, value)}`"
    if info.type in _CONTAINERS:
        return f"{field} is {_a(info.type)}; compare one of its fields, not a value"
    wanted = {"string": ("String",), "boolean": ("Boolean",), "date": ("String",),
              "date-time": ("String",)}.get(info.type, ("Integer", "Double"))
    if kind not in wanted:
        return f"{field} holds {_plural(info.type)}; {shown} is {_a(_KINDS[kind])}"
    if info.type == "integer" and isinstance(value, float) and not value.is_integer():
        return f"{field} holds integers; {shown} has a fraction"
    if info.type == "boolean" and op in ORDERINGS:
        return f"{field} is a boolean; `{op}` does not order booleans"
    if info.type in ("date", "date-time"):
        if op in ORDERINGS:
            return (f"{field} is a {info.type}: `{op}` against a string compares text, "
                    "not time; date(...) and relative time are outside the pmforge subset, "
                    "send this as pql/text")
        if not _is_iso(info.type, value):
            form = "YYYY-MM-DD" if info.type == "date" else "ISO 8601, e.g. 2024-01-31T09:00:00Z"
            return f"{shown} is not a {info.type} ({form})"
    if info.enum and op not in ORDERINGS and value not in info.enum:
        guess = difflib.get_close_matches(str(value), [str(v) for v in info.enum], n=1)
        hint = f"; did you mean `{guess[0]}`?" if guess else ""
        allowed = ", ".join(str(v) for v in info.enum)
        return f"{shown} is not an allowed value of {field}{hint} (allowed: {allowed})"
    return None


_KINDS = {"String": "string", "Integer": "number", "Double": "number", "Boolean": "boolean"}


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, str):
        return "String"
    return "Integer" if isinstance(value, int) else "Double"


def _show(kind: str, value: Any) -> str:
    if kind == "String":
        return quote(value)
    if kind == "Boolean":
        return "true" if value else "false"
    return repr(value)


def _fold(value: Any, flag: Node) -> Any:
    case_sensitive = not (isinstance(flag, Literal) and flag.value is False)
    return value if case_sensitive or not isinstance(value, str) else value.casefold()


def _is_iso(kind: str, value: str) -> bool:
    try:
        if kind == "date":
            datetime.date.fromisoformat(value)
            return len(value) == 10
        datetime.datetime.fromisoformat(value)
        return "T" in value or " " in value
    except ValueError:
        return False


def _a(type_name: str) -> str:
    return f"an {type_name}" if type_name[0] in "aeiou" else f"a {type_name}"


def _plural(type_name: str) -> str:
    return {"date": "dates", "date-time": "date-times", "number": "numbers",
            "integer": "integers", "string": "strings", "boolean": "booleans"}[type_name]
