"""Where each character of a YAML string scalar is written in the file.

A scalar's decoded text differs from its source: quotes, ``''``, escapes (``\\t``, ``\\xe9``,
``\\u00e9``, an escaped line break), line folding of plain, quoted and ``>`` scalars, the
indentation and chomping of ``|`` and ``>`` blocks. :func:`scalar_offsets` decodes the scalar
again from its source, following the rules of PyYAML's scanner step by step, and notes where
each decoded character comes from: the character itself, the backslash of its escape, or the
line break that a folded space or a kept newline stands for. The result is checked against the
value the loader decoded, so a position is exact or not given at all.

Nothing here runs while a file loads: a course or roster loads as fast as before, and a scalar
is decoded again only when a problem inside it needs its place.
"""

from __future__ import annotations

BREAKS = "\r\n\x85\u2028\u2029"
_END = "\0"  # PyYAML's reader ends the text with it; a loaded file cannot hold one (it is a control character)
_ESCAPES = {
    "0": "\0", "a": "\x07", "b": "\x08", "t": "\t", "\t": "\t", "n": "\n", "v": "\x0b", "f": "\x0c",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "\\": "\\", "/": "/", "N": "\x85", "_": "\xa0",
    "L": "\u2028", "P": "\u2029",
}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
_ANCHOR_NAME = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


class _Mismatch(Exception):
    """The source does not decode to the value: the start or the style was not the scalar's."""


class _Decoder:
    """Decodes one scalar from ``text`` (ended by ``_END``), keeping each character's offset."""

    def __init__(self, text: str, at: int) -> None:
        self.text = text
        self.at = at
        self.line_start = at  # block scalars start decoding at a line's start; only they ask the column
        self.at_end = at  # where the scalar's text ends, once decoded
        self.chars: list[str] = []
        self.offsets: list[int] = []

    def emit(self, char: str, offset: int) -> None:
        self.chars.append(char)
        self.offsets.append(offset)

    @property
    def column(self) -> int:
        return self.at - self.line_start

    def line_break(self) -> tuple[str, int]:
        """Consume a line break if one is here: what it decodes to ('' if none) and where it was."""
        text, at = self.text, self.at
        char = text[at]
        if char in "\r\n\x85":
            self.at += 2 if text.startswith("\r\n", at) else 1
            self.line_start = self.at
            return "\n", at
        if char in "\u2028\u2029":
            self.at += 1
            self.line_start = self.at
            return char, at
        return "", at

    # -- quoted scalars ------------------------------------------------------------------------------

    def quoted(self, double: bool) -> None:
        quote = self.text[self.at]
        self.at += 1
        self.non_spaces(double)
        while self.text[self.at] != quote:
            if self.text[self.at] == _END:
                raise _Mismatch
            self.spaces()
            self.non_spaces(double)

    def non_spaces(self, double: bool) -> None:
        text = self.text
        while True:
            while text[self.at] not in "'\"\\\0 \t" + BREAKS:
                self.emit(text[self.at], self.at)
                self.at += 1
            char, at = text[self.at], self.at
            if not double and char == "'" and text[at + 1] == "'":
                self.emit("'", at)
                self.at += 2
            elif (double and char == "'") or (not double and char in '"\\'):
                self.emit(char, at)
                self.at += 1
            elif double and char == "\\":
                code = text[at + 1]
                if code in _ESCAPES:
                    self.emit(_ESCAPES[code], at)
                    self.at += 2
                elif code in _HEX_ESCAPES:
                    digits = text[at + 2:at + 2 + _HEX_ESCAPES[code]]
                    try:
                        self.emit(chr(int(digits, 16)), at)
                    except (ValueError, OverflowError):
                        raise _Mismatch from None
                    self.at += 2 + len(digits)
                elif code in BREAKS:
                    self.at += 1
                    self.line_break()  # an escaped line break joins the lines
                    self.flow_breaks()
                else:
                    raise _Mismatch
            else:
                return

    def spaces(self) -> None:
        text, start = self.text, self.at
        while text[self.at] in " \t":
            self.at += 1
        if text[self.at] in BREAKS:
            folded, at = self.line_break()
            before = len(self.chars)
            self.flow_breaks()
            if folded != "\n":
                self.chars.insert(before, folded)
                self.offsets.insert(before, at)
            elif len(self.chars) == before:
                self.emit(" ", at)  # a single line break folds to a space
        else:
            for offset in range(start, self.at):
                self.emit(text[offset], offset)

    def flow_breaks(self) -> None:
        """Blank lines inside a quoted scalar: each is a newline, at its line break."""
        text = self.text
        while True:
            while text[self.at] in " \t":
                self.at += 1
            if text[self.at] not in BREAKS:
                return
            self.emit(*self.line_break())

    # -- plain scalars -------------------------------------------------------------------------------

    def plain(self, length: int) -> None:
        """``length`` characters of a plain scalar. Where it ends depends on the context (flow or
        block, the indentation); the value's length, known already, says it instead."""
        text = self.text
        while len(self.chars) < length:
            char = text[self.at]
            if char not in " \t\0" + BREAKS:
                self.emit(char, self.at)
                self.at += 1
                continue
            start = self.at
            while text[self.at] == " ":
                self.at += 1
            if text[self.at] in BREAKS:
                folded, at = self.line_break()
                breaks: list[tuple[str, int]] = []
                while text[self.at] in " " + BREAKS:
                    if text[self.at] == " ":
                        self.at += 1
                    else:
                        breaks.append(self.line_break())
                if folded != "\n":
                    self.emit(folded, at)
                elif not breaks:
                    self.emit(" ", at)
                for pair in breaks:
                    self.emit(*pair)
            elif self.at > start:
                for offset in range(start, self.at):
                    self.emit(" ", offset)
            else:
                raise _Mismatch  # a tab or the end: the plain scalar ended before its value did

    # -- block scalars -------------------------------------------------------------------------------

    def block(self, folded: bool, chomping: bool | None, indent: int, indented: bool) -> None:
        """The lines of a ``|`` or ``>`` block at ``indent`` spaces, from the line after its header.

        ``indented``: the header gave an indentation indicator (otherwise the leading blank lines
        are read as PyYAML reads them before it knows the indentation)."""
        text = self.text
        if indented:
            breaks = self.block_breaks(indent)
        else:
            breaks = []
            while text[self.at] in " " + BREAKS:
                if text[self.at] == " ":
                    self.at += 1
                else:
                    breaks.append(self.line_break())
        last_break: tuple[str, int] = ("", self.at)
        while self.column == indent and text[self.at] != _END:
            for pair in breaks:
                self.emit(*pair)
            leading_non_space = text[self.at] not in " \t"
            while text[self.at] not in _END + BREAKS:
                self.emit(text[self.at], self.at)
                self.at += 1
            last_break = self.line_break()
            breaks = self.block_breaks(indent)
            if not (self.column == indent and text[self.at] != _END):
                break
            if folded and last_break[0] == "\n" and leading_non_space and text[self.at] not in " \t":
                if not breaks:
                    self.emit(" ", last_break[1])  # folded: a line break between two lines is a space
            elif last_break[0]:
                self.emit(*last_break)
        if chomping is not False and last_break[0]:
            self.emit(*last_break)  # clip and keep: the last line's break
        if chomping is True:
            for pair in breaks:
                self.emit(*pair)  # keep: the trailing blank lines too

    def block_breaks(self, indent: int) -> list[tuple[str, int]]:
        text, breaks = self.text, []
        while self.column < indent and text[self.at] == " ":
            self.at += 1
        while text[self.at] in BREAKS:
            breaks.append(self.line_break())
            while self.column < indent and text[self.at] == " ":
                self.at += 1
        return breaks


def _skip_properties(text: str, at: int) -> int:
    """From a node's start to its scalar: past an anchor (``&name``), a tag (``!x``, ``!!str``,
    ``!<uri>``), and the spaces, comments and line breaks between them."""
    while True:
        char = text[at]
        if char == "&":
            at += 1
            while text[at] in _ANCHOR_NAME:
                at += 1
        elif char == "!":
            while text[at] not in _END + " \t" + BREAKS:
                at += 1
        elif char in " \t" + BREAKS:
            at += 1
        elif char == "#":
            while text[at] not in _END + BREAKS:
                at += 1
        else:
            return at


def _block_header(text: str, at: int) -> tuple[bool | None, int | None, int]:
    """The chomping (True keep, False strip, None clip) and indentation indicators after ``|`` or
    ``>``, and where the block's first line starts."""
    chomping: bool | None = None
    increment: int | None = None
    at += 1
    for _ in range(2):
        char = text[at]
        if char in "+-" and chomping is None:
            chomping = char == "+"
            at += 1
        elif char in "123456789" and increment is None:
            increment = int(char)
            at += 1
    while text[at] not in _END + BREAKS:  # spaces and a comment
        at += 1
    if text.startswith("\r\n", at):
        at += 1
    return chomping, increment, at + (text[at] != _END)


def _decode(text: str, start: int, value: str) -> _Decoder:
    at = _skip_properties(text, start)
    style = text[at]
    if style in "'\"":
        decoder = _Decoder(text, at)
        decoder.quoted(double=style == '"')
        decoder.at_end = decoder.at  # the closing quote
        return decoder
    if style in "|>":
        chomping, increment, first_line = _block_header(text, at)
        if increment is None:
            # PyYAML takes the deepest indentation of the leading lines, at least one more than the
            # enclosing node's (unknown here, so the next indentation is tried as well).
            probe = _Decoder(text, first_line)
            deepest = 0
            while text[probe.at] in " " + BREAKS:
                if text[probe.at] == " ":
                    probe.at += 1
                    deepest = max(deepest, probe.column)
                else:
                    probe.line_break()
            candidates = [max(deepest, 1), max(deepest, 1) + 1]
        else:
            # The indentation is the indicator's on top of the enclosing node's, which is unknown:
            # try each that the first line allows; only the right one gives the value.
            rest = text[first_line:]
            leading = len(rest) - len(rest.lstrip(" " + BREAKS))
            candidates = list(range(increment, increment + leading + 2))
        for indent in candidates:
            decoder = _Decoder(text, first_line)
            decoder.block(style == ">", chomping, indent, increment is not None)
            if "".join(decoder.chars) == value:
                if decoder.offsets:  # just past the last character's source: a line break is one or two
                    last = decoder.offsets[-1]
                    decoder.at_end = last + (2 if text.startswith("\r\n", last) else 1)
                else:
                    decoder.at_end = first_line
                return decoder
        raise _Mismatch
    decoder = _Decoder(text, at)
    decoder.plain(len(value))
    decoder.at_end = decoder.at
    return decoder


def scalar_offsets(text: str, start: int, value: str) -> list[int] | None:
    """The offset in ``text`` of each character of the string scalar ``value`` whose node starts at
    ``start`` (at its anchor or tag if it has one), and one more entry: where its text ends (a
    quoted scalar's closing quote). A character written by an escape is at the escape's backslash;
    a space or newline that a line break stands for (folding, a block's newlines) is at that line
    break. None if ``text`` at ``start`` is not a scalar that decodes to ``value``.
    """
    padded = text + _END
    try:
        decoder = _decode(padded, start, value)
    except (_Mismatch, IndexError):
        return None
    if "".join(decoder.chars) != value:
        return None
    return decoder.offsets + [decoder.at_end]
