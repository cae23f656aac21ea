"""PQL text -> tokens, each with its offset."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pmforge.pql.errors import PqlError

_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PARAM = re.compile(r"\$[0-9]+")
# Longest first, so `<=` is not read as `<` then `=`.
_OPERATORS = ("!=", "<=", ">=", "=", "<", ">", "!", "(", ")", "[", "]", ",", ".")
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}
# Habits from other languages, answered with the PQL spelling instead of "unexpected character".
_FOREIGN = {"==": "`==` is not PQL; equality is `=`", "&&": "`&&` is not PQL; use `and`",
            "||": "`||` is not PQL; use `or`", "'": "PQL strings use double quotes"}


@dataclass(frozen=True)
class Token:
    kind: str  # "string", "integer", "decimal", "name", "param", "op" or "end"
    text: str
    offset: int
    value: str | None = None  # the decoded content of a string token

    def describe(self) -> str:
        if self.kind == "end":
            return "end of expression"
        if self.kind == "string":
            shown = self.text if len(self.text) <= 30 else self.text[:27] + '..."'
            return f"string {shown}"
        return f"`{self.text}`"


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; the list always ends with an ``end`` token."""
    tokens: list[Token] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            tokens.append(Token("end", "", pos))
            return tokens
        token = _next_token(text, pos)
        tokens.append(token)
        pos = token.offset + len(token.text)


def _next_token(text: str, pos: int) -> Token:
    char = text[pos]
    if char == '"':
        value, end = _read_string(text, pos)
        return Token("string", text[pos:end], pos, value)
    for two_or_one in (text[pos : pos + 2], char):
        if two_or_one in _FOREIGN:
            raise PqlError(_FOREIGN[two_or_one], pos)
    if match := _NUMBER.match(text, pos):
        end = match.end()
        if end < len(text) and (text[end].isalnum() or text[end] in "_."):
            raise PqlError(f"malformed number `{text[pos:end + 1]}`", pos)
        kind = "integer" if match.group().lstrip("-").isdigit() else "decimal"
        return Token(kind, match.group(), pos)
    if match := _NAME.match(text, pos):
        return Token("name", match.group(), pos)
    if match := _PARAM.match(text, pos):
        return Token("param", match.group(), pos)
    for operator in _OPERATORS:
        if text.startswith(operator, pos):
            return Token("op", operator, pos)
    raise PqlError(f"unexpected character `{char}`", pos)


def _read_string(text: str, start: int) -> tuple[str, int]:
    """Decode the string literal opening at ``start``; return its value and end offset."""
    out: list[str] = []
    pos = start + 1
    while pos < len(text):
        char = text[pos]
        if char == '"':
            value = _join_surrogates(out)
            if any("\ud800" <= c <= "\udfff" for c in value):  # no file or reply can carry half a pair
                raise PqlError("a `\\u` escape names half of a UTF-16 surrogate pair, not a character", start, broken=True)
            return value, pos + 1
        if char != "\\":
            out.append(char)
            pos += 1
            continue
        escape = text[pos + 1 : pos + 2]
        if escape in _ESCAPES:
            out.append(_ESCAPES[escape])
            pos += 2
        elif escape == "u":
            digits = text[pos + 2 : pos + 6]
            if len(digits) != 4 or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise PqlError("expected 4 hex digits after `\\u`", pos)
            out.append(chr(int(digits, 16)))
            pos += 6
        else:
            shown = f"\\{escape}" if escape else "\\"
            raise PqlError(
                f"unknown escape `{shown}` in string; use \\\" \\\\ \\n \\t or \\uXXXX", pos
            )
    raise PqlError("unterminated string: expected `\"` before end of expression", start)


def _join_surrogates(chars: list[str]) -> str:
    """Pair `\\uD83D\\uDE00`-style surrogate escapes into one character, as JSON does."""
    text = "".join(chars)
    if not any("\ud800" <= c <= "\udfff" for c in text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")
