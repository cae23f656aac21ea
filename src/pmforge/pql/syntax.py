"""The internal syntax tree shared by the parser, the pql/json codec, the printer and the checker.

It mirrors pql/json one to one (every operator is an ``Apply`` like an
``fnApply``) so that json -> tree -> json is exact, and adds what the JSON
lacks: the offset of each node in the source text (0 for nodes read from JSON).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

# fnApply names, grouped by how they are written in text.
COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
ORDERINGS = ("<", "<=", ">", ">=")
MEMBERSHIP = ("in", "notIn")
CONNECTIVES = ("and", "or")
STRING_METHODS = ("equals", "contains", "startsWith", "endsWith")
NULL_METHODS = ("isNull", "isNotNull")
MAP_LOOKUP = "get"

# Words of the subset; none of them can start a field path.
KEYWORDS = frozenset({"and", "or", "not", "in", "notIn", "true", "false"})
# Words of full PQL outside the subset. Met where a value or an operator is
# expected, they are refused by name rather than misread as field names.
RESERVED_WORDS = frozenset({
    "select", "exists", "forall", "from", "where", "CHAIN", "chain", "if", "date", "like",
    "matches", "occurs", "now", "today", "yesterday", "tomorrow", "this", "last", "next",
    "before", "after", "within", "count", "sum", "avg", "min", "max",
})
TIME_UNITS = frozenset({
    "second", "seconds", "minute", "minutes", "hour", "hours", "day", "days",
    "week", "weeks", "month", "months", "year", "years",
})

# Literal types that can appear as values (XDMObject appears only as a path root).
SCALAR_TYPES = ("String", "Integer", "Double", "Boolean")
LIST_TYPE = "List"

# Doubles with an integral value are emitted as JSON integers (AEP writes
# `{"literalType": "Double", "value": 2}`), but only where a float is exact.
EXACT_INT_LIMIT = 2**53

Scalar = Union[str, int, float, bool]


@dataclass(frozen=True)
class Root:
    """The profile: implicit (``XDMObject "profile"``) or ``$1`` (``parameterReference 1``)."""

    explicit: bool
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Field:
    """``base.name``; ``offset`` is where ``name`` starts."""

    name: str
    base: Node
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Literal:
    """A String, Integer, Double, Boolean or List literal.

    A List's ``value`` is a tuple of Python scalars and ``item_offsets`` says
    where each item starts, so the checker can point at the wrong one.
    """

    kind: str
    value: Scalar | tuple[Scalar, ...]
    offset: int = field(default=0, compare=False)
    item_offsets: tuple[int, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Apply:
    """An operator or method: ``fn`` is the fnApply name, ``args`` its params in order."""

    fn: str
    args: tuple[Node, ...]
    offset: int = field(default=0, compare=False)


Node = Union[Root, Field, Literal, Apply]


def is_path(node: Node) -> bool:
    """True for a field path, possibly through ``.get(...)``: what methods and lookups apply to."""
    return isinstance(node, Field) or (isinstance(node, Apply) and node.fn == MAP_LOOKUP)


def path_start(node: Node) -> int:
    """Offset where the path ending in ``node`` begins (``$1`` or the first field name)."""
    while True:
        if isinstance(node, Field):
            if isinstance(node.base, Root):
                return node.base.offset if node.base.explicit else node.offset
            node = node.base
        elif isinstance(node, Apply) and node.fn == MAP_LOOKUP:
            node = node.args[0]
        else:
            return node.offset
