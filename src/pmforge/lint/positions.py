"""JSON that remembers where every key and value was written.

The stdlib parser keeps no positions, so this is a small recursive-descent
parser of its own. Strings are decoded by the stdlib's ``scanstring`` (C code),
which keeps a 200 KB collection well under 100 ms. Positions are stored as
character offsets and turned into 1-based (line, column) only when asked.

A JSON document can itself sit inside a string of another one (a raw request
body, a pql/json tree in that body): such a document maps its offsets back
through the enclosing string, so its problems still point into the file.
"""

from __future__ import annotations

import bisect
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from json.decoder import JSONDecodeError, scanstring
from typing import Any, Callable

from pmforge.loading import MAX_DEPTH
from pmforge.problems import ERROR, Problem, within_text

PathKey = tuple[Any, ...]

_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
VARIABLE_SPAN = re.compile(r"\{\{[^{}]*\}\}")  # a {{VAR}} as Postman reads it, name and all
_LITERALS = (("true", True), ("false", False), ("null", None))
_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{4}|.)", re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_MAX_DIGITS = sys.get_int_max_str_digits()


class JsonSyntaxError(ValueError):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass
class Source:
    """A file's name and text; turns offsets into 1-based lines and columns."""

    file: str
    text: str

    @cached_property
    def _line_starts(self) -> list[int]:
        return [0] + [match.end() for match in re.finditer("\n", self.text)]

    def line_column(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1


@dataclass
class Document:
    """Parsed JSON data plus the offset of every value and key, by path."""

    source: Source
    data: Any
    values: dict[PathKey, int] = field(default_factory=dict)
    keys: dict[PathKey, int] = field(default_factory=dict)
    duplicates: list[PathKey] = field(default_factory=list)
    # The text parsed (the file's, or a decoded string inside it) and how its offsets map into the file's.
    text: str = ""
    to_source: Callable[[int], int] = field(default=lambda offset: offset)
    _offset_cache: dict[int, list[int]] = field(default_factory=dict, repr=False)

    @property
    def file(self) -> str:
        return self.source.file

    def offset(self, path: PathKey, *, key: bool = False) -> int:
        """Offset of the value at ``path`` (of its key with ``key=True``), or of its nearest located ancestor."""
        if key and path in self.keys:
            return self.keys[path]
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, 0)

    def position(self, path: PathKey, *, key: bool = False, index: int | None = None) -> tuple[int, int]:
        """1-based (line, column) in the file; ``index`` picks a character of the string at ``path``."""
        if index is not None and path in self.values:
            return self.source.line_column(self.to_source(self.char_offset(path, index)))
        return self.source.line_column(self.to_source(self.offset(path, key=key)))

    def where(self, path: PathKey) -> str:
        """The value's place as a message names it: ``line N`` of this file."""
        return f"line {self.position(path)[0]}"

    def problem(self, path: PathKey, message: str, rule: str, *, severity: str = ERROR, key: bool = False,
                index: int | None = None) -> Problem:
        line, column = self.position(path, key=key, index=index)
        return Problem(self.file, line, column, message, rule, severity)

    def char_offset(self, path: PathKey, index: int) -> int:
        """Offset in this document's text of decoded character ``index`` of the string at ``path``."""
        offsets = self._char_offsets(self.values[path])
        return offsets[min(index, len(offsets) - 1)]

    def _char_offsets(self, start: int) -> list[int]:
        # One entry per decoded character, plus one for the closing quote.
        if start in self._offset_cache:
            return self._offset_cache[start]
        text, offsets, at = self.text, [], start + 1
        while at < len(text) and text[at] != '"':
            match = _ESCAPE.match(text, at) if text[at] == "\\" else None
            if match is None:
                offsets.append(at)
                at += 1
                continue
            if not _is_low_surrogate_half(match.group(), offsets, text, match):
                offsets.append(at)
            at = match.end()
        offsets.append(at)
        self._offset_cache[start] = offsets
        return offsets

    def inner(self, path: PathKey, *, variables: bool = False) -> Document:
        """Parse the string at ``path`` as JSON whose positions point back into this document's file."""
        base = self

        def to_source(offset: int) -> int:
            return base.to_source(base.char_offset(path, offset))

        return parse(self.source, _value_at(self.data, path), to_source=to_source, variables=variables)


def _is_low_surrogate_half(escape: str, offsets: list[int], text: str, match: re.Match[str]) -> bool:
    # JSON writes a character outside the BMP as two \u escapes; Python decodes them to one character.
    if not escape.startswith("\\u") or not 0xDC00 <= int(escape[2:], 16) <= 0xDFFF or not offsets:
        return False
    previous = text[offsets[-1]:offsets[-1] + 6]
    return previous.startswith("\\u") and 0xD800 <= int(previous[2:6], 16) <= 0xDBFF


def _value_at(data: Any, path: PathKey) -> Any:
    for part in path:
        data = data[part]
    return data


def load(file: str, text: str) -> tuple[Document | None, list[Problem]]:
    """Parse a file's text; a syntax error comes back as a Problem (rule ``json-syntax``), not an exception."""
    source = Source(file, text)
    try:
        document = parse(source, text)
    except JsonSyntaxError as error:
        line, column = within_text(text, *source.line_column(error.offset))
        return None, [Problem(file, line, column, error.message, "json-syntax")]
    problems = [document.problem(path, f"duplicate key {path[-1]!r}: JSON readers keep only the last one", "duplicate-key", key=True)
                for path in document.duplicates]
    return document, problems


def parse(source: Source, text: str, *, to_source: Callable[[int], int] | None = None, variables: bool = False) -> Document:
    """Parse ``text``; with ``variables``, a bare ``{{NAME}}`` counts as a value (Postman replaces it before sending)."""
    document = Document(source, None, text=text, to_source=to_source or (lambda offset: offset))
    parser = _Parser(text, document, variables)
    start = 1 if text.startswith("\ufeff") else 0
    at = _SPACE.match(text, start).end()
    document.data, at = parser.value(at, ())
    at = _SPACE.match(text, at).end()
    if at != len(text):
        raise JsonSyntaxError("extra data after the JSON value", at)
    return document


class _Parser:
    def __init__(self, text: str, document: Document, variables: bool) -> None:
        self.text = text
        self.document = document
        self.variables = variables

    def value(self, at: int, path: PathKey) -> tuple[Any, int]:
        text = self.text
        if len(path) > MAX_DEPTH:
            raise JsonSyntaxError(f"nested deeper than {MAX_DEPTH} levels, pmforge's limit", at)
        self.document.values[path] = at
        char = text[at:at + 1]
        if self.variables and char == "{" and (match := VARIABLE_SPAN.match(text, at)):
            return match.group(), match.end()
        if char == "{":
            return self.object(at + 1, path)
        if char == "[":
            return self.array(at + 1, path)
        if char == '"':
            return self.string(at)
        match = _NUMBER.match(text, at)
        if match and match.group():
            number = match.group()
            if len(number) > _MAX_DIGITS:
                raise JsonSyntaxError(f"a number of {len(number)} characters is too long", at)
            return (float(number) if any(c in number for c in ".eE") else int(number)), match.end()
        for word, value in _LITERALS:
            if text.startswith(word, at):
                return value, at + len(word)
        raise JsonSyntaxError("expected a value" if char else "unexpected end of file, expected a value", at)

    def string(self, at: int) -> tuple[str, int]:
        try:
            value, end = scanstring(self.text, at + 1, True)
        except JSONDecodeError as error:
            raise JsonSyntaxError(error.msg, error.pos) from None
        if _SURROGATE.search(value):
            # A lone "\ud800" escape: JSON's syntax allows it, but it is no character and no UTF-8 file can hold it.
            escape = _SURROGATE_ESCAPE.search(self.text, at, end)
            raise JsonSyntaxError("a \\u escape names half of a UTF-16 surrogate pair, not a character", escape.start() if escape else at)
        return value, end

    def object(self, at: int, path: PathKey) -> tuple[dict[str, Any], int]:
        text, result = self.text, {}
        at = _SPACE.match(text, at).end()
        if text.startswith("}", at):
            return result, at + 1
        while True:
            if not text.startswith('"', at):
                raise JsonSyntaxError("expected a key in double quotes", at)
            key_at = at
            key, at = self.string(at)
            at = _SPACE.match(text, at).end()
            if not text.startswith(":", at):
                raise JsonSyntaxError("expected ':' after the key", at)
            child = path + (key,)
            if key in result:
                self.document.duplicates.append(child)
            self.document.keys[child] = key_at
            result[key], at = self.value(_SPACE.match(text, at + 1).end(), child)
            at = _SPACE.match(text, at).end()
            if text.startswith(",", at):
                comma, at = at, _SPACE.match(text, at + 1).end()
                if text.startswith("}", at):
                    raise JsonSyntaxError("trailing comma: JSON allows no ',' before '}'", comma)
                continue
            if text.startswith("}", at):
                return result, at + 1
            raise JsonSyntaxError("expected ',' or '}' after an object member", at)

    def array(self, at: int, path: PathKey) -> tuple[list[Any], int]:
        text, result = self.text, []
        at = _SPACE.match(text, at).end()
        if text.startswith("]", at):
            return result, at + 1
        while True:
            item, at = self.value(at, path + (len(result),))
            result.append(item)
            at = _SPACE.match(text, at).end()
            if text.startswith(",", at):
                comma, at = at, _SPACE.match(text, at + 1).end()
                if text.startswith("]", at):
                    raise JsonSyntaxError("trailing comma: JSON allows no ',' before ']'", comma)
                continue
            if text.startswith("]", at):
                return result, at + 1
            raise JsonSyntaxError("expected ',' or ']' after an array element", at)
