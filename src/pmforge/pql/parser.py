"""PQL text -> internal syntax tree, with offsets.

Precedence, loosest first: ``or``, ``and``, ``not``, comparisons (``=`` ...
``>=``, ``in``, ``notIn``; they do not chain), then paths and literals.
``and``/``or`` chains become one node with n arguments; parentheses keep
their grouping (``(a and b) and c`` stays nested) so every tree round-trips.
``not`` is written ``not(x)``, ``not x`` or ``!(x)``; ``not(x) = y`` is
refused as ambiguous rather than guessed.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

from pmforge.pql.errors import PqlError, outside_subset
from pmforge.pql.lexer import Token, tokenize
from pmforge.pql.syntax import (
    COMPARISONS, EXACT_INT_LIMIT, KEYWORDS, MAP_LOOKUP, MEMBERSHIP, NULL_METHODS,
    RESERVED_WORDS, STRING_METHODS, TIME_UNITS, Apply, Field, Literal, Node, Root, Scalar,
)

_OPERATOR_WORDS = frozenset({"like", "matches", "occurs", "before", "after", "within",
                             "from", "where"}) | TIME_UNITS
# Words of full PQL the subset lacks, as words or as methods (`.matches(…)`).
OUTSIDE_WORDS = _OPERATOR_WORDS | RESERVED_WORDS | frozenset({"notEqualTo", "intersects", "subsetOf", "supersetOf", "includes", "distinct", "filter", "map", "topN", "head"})
_MAX_DIGITS = sys.get_int_max_str_digits()
# Keywords typed in the wrong case (`AND`, `notin`).
_CASE_SLIPS = {"and": "and", "or": "or", "not": "not", "in": "in", "notin": "notIn"}


# Parentheses and `not`s nested deeper than any segment needs; the tree stays
# well inside the nesting course, lint and schema checks read (loading.MAX_DEPTH).
MAX_NESTING = 40


def parse(text: str) -> Node:
    """Parse PQL text in the pmforge subset; raise ``PqlError`` at the first problem."""
    surrogate = next((at for at, char in enumerate(text) if "\ud800" <= char <= "\udfff"), None)
    if surrogate is not None:  # an argument or stdin that was not UTF-8
        raise PqlError(f"`\\u{ord(text[surrogate]):04x}` is not a character: the text is not UTF-8", surrogate, broken=True)
    return _Parser(text).expression()


def double_value(number: float, offset: int) -> int | float:
    """The JSON value of a Double literal: integral values as integers, as AEP writes them."""
    if not math.isfinite(number):
        raise PqlError("number out of range", offset, rule="pql-value")
    if number.is_integer() and abs(number) <= EXACT_INT_LIMIT:
        return int(number)
    return number


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0
        self.nesting = 0

    def deeper(self, token: Token) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise PqlError(f"parentheses and `not`s nested deeper than {MAX_NESTING} levels, pmforge's limit", token.offset, broken=True)

    # -- token helpers -------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.index += 1
        return token

    def at(self, text: str, kind: str = "op") -> bool:
        token = self.peek()
        return token.kind == kind and token.text == text

    def fail(self, expected: str, token: Token | None = None) -> PqlError:
        token = token or self.peek()
        if token.kind == "name" and token.text in _OPERATOR_WORDS | RESERVED_WORDS:
            return outside_subset(f"`{token.text}`", token.offset)
        if token.kind == "name" and _CASE_SLIPS.get(token.text.lower(), token.text) != token.text:
            return PqlError(
                f"PQL keywords are case-sensitive: write `{_CASE_SLIPS[token.text.lower()]}`",
                token.offset,
            )
        return PqlError(f"expected {expected}, found {token.describe()}", token.offset)

    def expect(self, text: str, expected: str) -> Token:
        if not self.at(text):
            raise self.fail(expected)
        return self.take()

    def at_operator(self) -> bool:
        token = self.peek()
        return (token.kind == "op" and token.text in COMPARISONS) or (
            token.kind == "name" and token.text in MEMBERSHIP
        )

    # -- grammar -------------------------------------------------------------

    def expression(self) -> Node:
        node = self.connective("or", self.conjunction)
        token = self.peek()
        if token.kind == "end":
            return node
        if self.at(")"):
            raise PqlError("unbalanced `)`", token.offset)
        raise self.fail("an operator, `and`, `or` or end of expression")

    def conjunction(self) -> Node:
        return self.connective("and", self.negation)

    def connective(self, word: str, operand: Callable[[], Node]) -> Node:
        terms = [operand()]
        offset = self.peek().offset
        while self.at(word, "name"):
            self.take()
            terms.append(operand())
        return terms[0] if len(terms) == 1 else Apply(word, tuple(terms), offset)

    def negation(self) -> Node:
        token = self.peek()
        if not (self.at("not", "name") or self.at("!")):
            return self.comparison()
        self.take()
        self.deeper(token)
        if not self.at("("):
            if token.text == "!":
                raise self.fail("`(` after `!`")
            node = Apply("not", (self.negation(),), token.offset)
            self.nesting -= 1
            return node
        inner = self.operand()
        self.nesting -= 1
        if self.at_operator():
            operator = self.peek()
            raise PqlError(
                f"`{token.text}(…) {operator.text} …` is ambiguous: write "
                f"`not((…) {operator.text} …)` or `(not(…)) {operator.text} …`",
                operator.offset,
            )
        return Apply("not", (inner,), token.offset)

    def comparison(self) -> Node:
        left = self.operand()
        if not self.at_operator():
            return left
        operator = self.take()
        right = self.operand()
        if self.at_operator():
            raise PqlError(
                f"comparisons do not chain: `{self.peek().text}` after `{operator.text}`; "
                "join them with `and`",
                self.peek().offset,
            )
        return Apply(operator.text, (left, right), operator.offset)

    def operand(self) -> Node:
        token = self.peek()
        if self.at("("):
            self.deeper(self.take())
            node = self.connective("or", self.conjunction)
            self.expect(")", "`)` or an operator")
            self.nesting -= 1
            return node
        if self.at("["):
            return self.list_literal()
        if token.kind in ("string", "integer", "decimal"):
            return self.scalar_literal()
        if token.kind == "param":
            return self.path()
        if token.kind == "name":
            if token.text in ("true", "false"):
                return self.scalar_literal()
            if self.peek(1).kind == "op" and self.peek(1).text == "(":
                if token.text == "not":
                    raise self.fail("a value (put `not(…)` in parentheses here)")
                raise outside_subset(f"`{token.text}(…)`", token.offset)
            if token.text in RESERVED_WORDS:
                raise outside_subset(f"`{token.text}`", token.offset)
            if token.text not in KEYWORDS:
                return self.path()
        raise self.fail("a field path or a value")

    def path(self) -> Node:
        token = self.take()
        root = Root(explicit=token.kind == "param", offset=token.offset)
        if root.explicit:
            if token.text != "$1":
                raise outside_subset(f"`{token.text}` (only the profile, `$1`)", token.offset)
            self.expect(".", "`.` after `$1`")
            token = self.take()
            if token.kind != "name":
                raise self.fail("a field name after `$1.`", token)
        node: Node = Field(token.text, root, token.offset)
        while self.at("."):
            self.take()
            name = self.take()
            if name.kind != "name":
                raise self.fail("a field or method name after `.`", name)
            if not self.at("("):
                node = Field(name.text, node, name.offset)
                continue
            node = self.method(node, name)
            if node.fn != MAP_LOOKUP and self.at("."):
                raise PqlError(f"nothing can follow `.{node.fn}(…)`, which gives a boolean",
                               self.peek().offset)
        return node

    def method(self, receiver: Node, name: Token) -> Apply:
        if name.text not in (*STRING_METHODS, *NULL_METHODS, MAP_LOOKUP):
            raise outside_subset(f"method `.{name.text}()`", name.offset)
        self.take()  # "("
        args: list[Node] = [receiver]
        if name.text == MAP_LOOKUP:
            if self.peek().kind != "string":
                raise self.fail("a string key in `.get(…)`")
            args.append(self.scalar_literal())
        elif name.text in STRING_METHODS:
            args.append(self.method_argument(name.text))
            if self.at(","):
                self.take()
                if not (self.at("true", "name") or self.at("false", "name")):
                    raise self.fail(f"`true` or `false` (case sensitivity) in `.{name.text}(…)`")
                args.append(self.scalar_literal())
            else:
                # AEP always sends the case-sensitivity flag; omitted means true.
                args.append(Literal("Boolean", True, self.peek().offset))
        closing = "`)`" if len(args) > 1 or name.text in NULL_METHODS else "`,` or `)`"
        self.expect(")", f"{closing} to close `.{name.text}(`")
        return Apply(name.text, tuple(args), name.offset)

    def method_argument(self, method: str) -> Node:
        token = self.peek()
        if token.kind == "string":
            return self.scalar_literal()
        if token.kind == "param" or (token.kind == "name" and token.text not in KEYWORDS
                                     and token.text not in RESERVED_WORDS):
            return self.path()
        raise self.fail(f"a string or a field path in `.{method}(…)`")

    def scalar_literal(self) -> Literal:
        token = self.take()
        if token.kind == "string":
            return Literal("String", token.value or "", token.offset)
        if token.kind == "integer":
            if len(token.text) > _MAX_DIGITS:
                raise PqlError(f"an integer of {len(token.text)} digits is too long", token.offset, rule="pql-value")
            return Literal("Integer", int(token.text), token.offset)
        if token.kind == "decimal":
            return Literal("Double", double_value(float(token.text), token.offset), token.offset)
        return Literal("Boolean", token.text == "true", token.offset)

    def list_literal(self) -> Literal:
        opening = self.take()
        items: list[Scalar] = []
        offsets: list[int] = []
        while not self.at("]"):
            if items:
                self.expect(",", "`,` or `]` in the list")
            token = self.peek()
            if token.kind not in ("string", "integer", "decimal") and not (
                token.kind == "name" and token.text in ("true", "false")
            ):
                raise self.fail("a string, number or boolean in the list")
            literal = self.scalar_literal()
            # A list item has no literalType of its own, so a decimal stays a float.
            items.append(float(token.text) if token.kind == "decimal" else literal.value)
            offsets.append(token.offset)
        self.take()
        return Literal("List", tuple(items), opening.offset, tuple(offsets))
