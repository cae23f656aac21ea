"""Internal syntax tree <-> pql/json (the AEP AST), both ways exact.

``from_json`` accepts exactly what the printer can write back as text and the
parser would read into the same JSON; anything else is refused with the node
type, function or literal type named, and a ``$.params[0].object`` style
location, never approximated.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from pmforge.loading import MAX_DEPTH
from pmforge.pql.errors import PqlError
from pmforge.pql.syntax import (
    COMPARISONS, CONNECTIVES, EXACT_INT_LIMIT, KEYWORDS, LIST_TYPE, MAP_LOOKUP, MEMBERSHIP,
    NULL_METHODS, RESERVED_WORDS, STRING_METHODS, Apply, Field, Literal, Node, Root, is_path,
)

PROFILE_ROOT = {"nodeType": "literal", "literalType": "XDMObject", "value": "profile"}
PARAMETER_ROOT = {"nodeType": "parameterReference", "position": 1}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def to_json(node: Node) -> dict[str, Any]:
    """The pql/json tree for ``node``; key order follows AEP's conversion endpoint."""
    if isinstance(node, Root):
        return dict(PARAMETER_ROOT if node.explicit else PROFILE_ROOT)
    if isinstance(node, Field):
        return {"nodeType": "fieldLookup", "fieldName": node.name, "object": to_json(node.base)}
    if isinstance(node, Literal):
        value = list(node.value) if node.kind == LIST_TYPE else node.value
        return {"nodeType": "literal", "literalType": node.kind, "value": value}
    return {"nodeType": "fnApply", "fnName": node.fn, "params": [to_json(a) for a in node.args]}


def decode(text: str) -> Any:
    """``json.loads`` within pmforge's limits; raise ``JSONDecodeError`` or ``PqlError`` (rule pql-json).

    Refused besides bad syntax: nesting past ``MAX_DEPTH`` (the stdlib decoder
    itself overflows the stack near 1,000 levels), integers past Python's 4,300
    digits, and lone surrogate escapes, which no file or reply can carry.
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise PqlError(f"invalid JSON: nested deeper than {MAX_DEPTH} levels, pmforge's limit", 0, rule="pql-json") from None
    except ValueError as error:
        raise PqlError(f"invalid JSON: {str(error).split(';')[0]}", 0, rule="pql-json") from None
    if nesting_depth(value) > MAX_DEPTH:
        raise PqlError(f"the pql/json tree is nested deeper than {MAX_DEPTH} levels, pmforge's limit", rule="pql-json")
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise PqlError("a `\\u` escape names half of a UTF-16 surrogate pair, not a character", rule="pql-json") from None
    return value


def load_tree(source: str) -> Any:
    """Decode pql/json text: a tree, or the JSON string AEP carries in ``expression.value``."""
    try:
        tree = decode(source)
        if isinstance(tree, str):
            tree = decode(tree)
    except json.JSONDecodeError as error:
        raise PqlError(f"invalid JSON: {error.msg}", error.pos, rule="pql-json") from None
    return tree


def nesting_depth(tree: Any) -> int:
    """How deeply lists and objects nest in ``tree``, found without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:
                stack.extend((item, depth + 1) for item in (value.values() if isinstance(value, dict) else value))
    return deepest


def from_json(tree: Any) -> Node:
    """Read a pql/json tree in the pmforge subset; raise ``PqlError`` (offset 0) otherwise."""
    if nesting_depth(tree) > MAX_DEPTH:
        raise PqlError(f"the pql/json tree is nested deeper than {MAX_DEPTH} levels, pmforge's limit", rule="pql-json")
    node = _node(tree, "$")
    _require_value(node, "$")
    return node


def _node(obj: Any, where: str) -> Node:
    if not isinstance(obj, dict) or not isinstance(obj.get("nodeType"), str):
        raise _malformed("expected a pql/json node (an object with a `nodeType`)", where)
    kind = obj["nodeType"]
    if kind == "fnApply":
        _keys(obj, ("fnName", "params"), where)
        return _apply(obj["fnName"], obj["params"], where)
    if kind == "fieldLookup":
        _keys(obj, ("fieldName", "object"), where)
        return _field(obj["fieldName"], obj["object"], where)
    if kind == "literal":
        return _literal(obj, where)
    if kind == "parameterReference":
        _keys(obj, ("position",), where)
        if obj["position"] != 1 or isinstance(obj["position"], bool):
            raise _outside(f"parameterReference position {obj['position']!r}", where)
        return Root(explicit=True)
    raise _outside(f"the `{kind}` node", where)


def _apply(fn: Any, params: Any, where: str) -> Apply:
    if not isinstance(fn, str) or not isinstance(params, list):
        raise _malformed("fnApply needs a string `fnName` and a list `params`", where)
    args = tuple(_node(p, f"{where}.params[{i}]") for i, p in enumerate(params))
    at = [f"{where}.params[{i}]" for i in range(len(args))]
    if fn in CONNECTIVES:
        if len(args) < 2:
            raise _outside(f"`{fn}` with {len(args)} parameter(s)", where)
        for arg, place in zip(args, at):
            _require_value(arg, place)
    elif fn == "not" or fn in COMPARISONS or fn in MEMBERSHIP:
        _arity(fn, args, 1 if fn == "not" else 2, where)
        for arg, place in zip(args, at):
            _require_value(arg, place)
    elif fn in STRING_METHODS:
        _arity(fn, args, 3, where)
        _require_path(args[0], at[0])
        if not (is_path(args[1]) or _is_literal(args[1], "String")):
            raise _outside(f"`{fn}` with an argument other than a string or a field", at[1])
        if not _is_literal(args[2], "Boolean"):
            raise _outside(f"`{fn}` whose case-sensitivity flag is not a Boolean literal", at[2])
    elif fn in NULL_METHODS:
        _arity(fn, args, 1, where)
        _require_path(args[0], at[0])
    elif fn == MAP_LOOKUP:
        _arity(fn, args, 2, where)
        _require_path(args[0], at[0])
        if not _is_literal(args[1], "String"):
            raise _outside("`get` with a key other than a string literal", at[1])
    else:
        raise _outside(f"function `{fn}`", where)
    return Apply(fn, args)


def _field(name: Any, base_json: Any, where: str) -> Field:
    if not isinstance(name, str):
        raise _malformed("fieldLookup needs a string `fieldName`", where)
    if not _NAME.match(name):
        raise _outside(f"field name {name!r} (not a plain identifier)", where)
    base = _node(base_json, f"{where}.object")
    if not (isinstance(base, Root) or is_path(base)):
        raise _outside("a fieldLookup on something other than the profile or a field", where)
    if isinstance(base, Root) and not base.explicit and name in KEYWORDS | RESERVED_WORDS:
        # Written bare, the word would be read as PQL syntax, not as a field.
        raise _outside(f"a path starting with the PQL word `{name}`", where)
    return Field(name, base)


def _literal(obj: dict[str, Any], where: str) -> Literal | Root:
    kind = obj.get("literalType")
    if kind not in ("String", "Integer", "Double", "Boolean", LIST_TYPE, "XDMObject"):
        raise _outside(f"literal type `{kind}`", where)
    _keys(obj, ("literalType", "value"), where)
    value = obj["value"]
    if kind == "XDMObject":
        if value != "profile":
            raise _outside(f"XDMObject literal {value!r}", where)
        return Root(explicit=False)
    if kind == LIST_TYPE:
        if not isinstance(value, list) or not all(_is_scalar(v) for v in value):
            raise _outside("a List literal holding anything but strings, numbers, booleans", where)
        return Literal(kind, tuple(value))
    if not _fits(kind, value):
        raise PqlError(f"literal {kind} cannot hold {value!r} (at {where})", rule="pql-value")
    return Literal(kind, value)


def _fits(kind: str, value: Any) -> bool:
    if kind == "String":
        return isinstance(value, str)
    if kind == "Boolean":
        return isinstance(value, bool)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if kind == "Integer":
        return isinstance(value, int)
    # An integral Double prints as `2.0` and reads back as 2: exact only within float precision.
    return math.isfinite(value) and (isinstance(value, float) or abs(value) <= EXACT_INT_LIMIT)


def _is_scalar(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, (str, int, bool))


def _is_literal(node: Node, kind: str) -> bool:
    return isinstance(node, Literal) and node.kind == kind


def _require_value(node: Node, where: str) -> None:
    if isinstance(node, Root):
        raise _outside("the profile root used as a value", where)


def _require_path(node: Node, where: str) -> None:
    if not is_path(node):
        raise _outside("a method applied to something other than a field", where)


def _arity(fn: str, args: tuple[Node, ...], expected: int, where: str) -> None:
    if len(args) != expected:
        raise _outside(f"`{fn}` with {len(args)} parameter(s) (pmforge writes {expected})", where)


def _keys(obj: dict[str, Any], wanted: tuple[str, ...], where: str) -> None:
    kind = obj["nodeType"]
    for key in wanted:
        if key not in obj:
            raise _malformed(f"{kind} node without `{key}`", where)
    for key in obj:
        if key != "nodeType" and key not in wanted:
            # Dropping a key would make json -> text -> json lossy.
            raise _malformed(f"unexpected key `{key}` in {kind} node", where)


def _outside(what: str, where: str) -> PqlError:
    return PqlError(f"{what} is outside the PQL subset pmforge explains (at {where})",
                    rule="pql-unsupported")


def _malformed(message: str, where: str) -> PqlError:
    return PqlError(f"{message} (at {where})", rule="pql-json")
