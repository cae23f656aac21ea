"""Internal syntax tree -> canonical PQL text.

Canonical means: one space around binary operators, ``not(…)`` always with
parentheses (the form AEP documents), lists as ``["a", "b"]``, the
case-sensitivity flag only when false, ``$1.`` only where the tree has a
parameterReference root, and parentheses only where precedence or the tree's
own nesting needs them.
"""

from __future__ import annotations

from pmforge.pql.syntax import (
    COMPARISONS, CONNECTIVES, LIST_TYPE, MAP_LOOKUP, MEMBERSHIP, NULL_METHODS, Apply, Field,
    Literal, Node, Root, Scalar,
)

_ATOM = 5
_LEVELS = {"or": 1, "and": 2, "not": 3} | {op: 4 for op in (*COMPARISONS, *MEMBERSHIP)}
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}


def to_text(node: Node) -> str:
    """Write ``node`` as PQL text that parses back to the same tree."""
    if isinstance(node, Root):
        return "$1" if node.explicit else "profile"  # unreachable from valid trees
    if isinstance(node, Field):
        if isinstance(node.base, Root):
            return f"$1.{node.name}" if node.base.explicit else node.name
        return f"{to_text(node.base)}.{node.name}"
    if isinstance(node, Literal):
        return _literal(node)
    return _apply(node)


def quote(value: str) -> str:
    """A PQL string literal for ``value``.

    Control characters (C0, DEL, C1), line separators and lone surrogates are
    written ``\\uXXXX`` so the text stays one readable line.
    """
    out = []
    for char in value:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _invisible(char):
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _apply(node: Apply) -> str:
    fn, args = node.fn, node.args
    if fn in CONNECTIVES:
        # `<=`: a nested and-in-and came from parentheses (or another tool) and must stay nested.
        return f" {fn} ".join(_wrapped(a, _LEVELS[fn]) for a in args)
    if fn == "not":
        return f"not({to_text(args[0])})"
    if fn in COMPARISONS or fn in MEMBERSHIP:
        return f"{_wrapped(args[0], 4)} {fn} {_wrapped(args[1], 4)}"
    receiver = to_text(args[0])
    if fn in NULL_METHODS:
        return f"{receiver}.{fn}()"
    if fn == MAP_LOOKUP:
        return f"{receiver}.get({to_text(args[1])})"
    flag = args[2]
    suffix = "" if isinstance(flag, Literal) and flag.value is True else ", false"
    return f"{receiver}.{fn}({to_text(args[1])}{suffix})"


def _wrapped(node: Node, level: int) -> str:
    text = to_text(node)
    own = _LEVELS.get(node.fn, _ATOM) if isinstance(node, Apply) else _ATOM
    return f"({text})" if own <= level else text


def _literal(node: Literal) -> str:
    if node.kind == LIST_TYPE:
        return "[" + ", ".join(_scalar(v) for v in node.value) + "]"
    if node.kind == "Double" and isinstance(node.value, int):
        return f"{node.value}.0"
    return _scalar(node.value)


def _scalar(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return quote(value)
    return repr(value)


def _invisible(char: str) -> bool:
    return (char < " " or "\x7f" <= char <= "\x9f" or "\ud800" <= char <= "\udfff"
            or char in "\u2028\u2029")
