"""What the script rules read in a Postman script: its code without comments, and its setNextRequest targets.

One reading for a course's scripts (``validate``/``build``) and an export's (``lint``), so a call in a
comment is ignored by both, and a backtick target counts the same in both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_NEXT = re.compile(r"""\bsetNextRequest\s*\(\s*(["'`])((?:(?!\1)[^\\\n]|\\.)*)\1""")


def code_only(text: str) -> str:
    """``text`` with every ``//`` and ``/* */`` comment blanked out (same length, same line breaks).

    Strings ('…', "…", `…`) are read so that a ``//`` inside a URL string is no comment; a regex literal
    is not told apart from a division, so a ``//`` inside a regex literal counts as a comment (rare in tests).
    """
    out = list(text)
    at, size = 0, len(text)
    while at < size:
        char = text[at]
        if char in "'\"`":
            at += 1
            while at < size and text[at] != char and (char == "`" or text[at] != "\n"):
                at += 2 if text[at] == "\\" else 1
            at += 1
        elif text.startswith("//", at):
            end = text.find("\n", at)
            end = size if end == -1 else end
            out[at:end] = " " * (end - at)
            at = end
        elif text.startswith("/*", at):
            end = text.find("*/", at + 2)
            end = size if end == -1 else end + 2
            out[at:end] = ["\n" if c == "\n" else " " for c in text[at:end]]
            at = end
        else:
            at += 1
    return "".join(out)


def next_request_targets(text: str) -> Iterator[tuple[int, str]]:
    """(offset of the name, name) of each literal setNextRequest call in the code of ``text``.

    A template with a ``${...}`` in it is computed at run time and cannot be checked.
    """
    for match in _NEXT.finditer(code_only(text)):
        target = match.group(2)
        if match.group(1) == "`" and "${" in target:
            continue
        yield match.start(2), _unescaped(target)


_ESCAPE = re.compile(r"\\(?:x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|u\{([0-9A-Fa-f]{1,6})\}|\r?\n|(.))", re.DOTALL)
_SINGLE = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def _unescaped(literal: str) -> str:
    """The string a JavaScript string literal's body stands for: ``\\"`` is ``"``, ``\\u0041`` is ``A``."""
    def one(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2) or match.group(3)
        if code is not None:
            return chr(min(int(code, 16), 0x10FFFF))
        char = match.group(4)
        return "" if char is None else _SINGLE.get(char, char)  # a line continuation stands for nothing

    return _ESCAPE.sub(one, literal) if "\\" in literal else literal

