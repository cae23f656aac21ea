"""Three kinds of PQL text: compiled, outside the subset, plainly broken.

pmforge compiles a subset of PQL. Text it cannot compile is not therefore
wrong: Adobe's own forms (``(Profile) => …``, ``AND``, ``.matches("\\w+")``,
``select … from xEvent``, ``CHAIN(…)``) are valid PQL that AEP reads as
``pql/text``. So a failure to parse is *outside the subset* (rule
``pql-unsupported``, the way out named: send it as pql/text), unless the text is
*plainly broken*: blank, a string left open, brackets that do not pair, text that
ends where more must follow (``a = b and``), or not UTF-8. Those no reader could take, and keep their own message (``pql-syntax``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pmforge.pql.errors import PqlError, outside_subset
from pmforge.pql.parser import OUTSIDE_WORDS, parse
from pmforge.pql.syntax import Apply, Field, Node

# fnNames no public AEP pql/json tree shows (REFERENCE.md §3.2): their JSON form is pmforge's inference.
UNCONFIRMED = frozenset({"!=", "<", "<=", ">", ">=", "notIn", "startsWith", "endsWith", "isNull"})

_PAIRS = {")": "(", "]": "[", "}": "{"}
_SUFFIX = "; outside the PQL subset pmforge compiles: send it as pql/text"


def plainly_broken(text: str) -> PqlError | None:
    """Why no PQL reader could take ``text`` (blank, unclosed string, unpaired bracket), or None."""
    if not text.strip():
        return PqlError("PQL text is blank", 0)
    open_brackets: list[tuple[str, int]] = []
    at = 0
    while at < len(text):
        char = text[at]
        if "\ud800" <= char <= "\udfff":
            return PqlError(f"`\\u{ord(char):04x}` is not a character: the text is not UTF-8", at)
        if char == '"':
            start, at = at, at + 1
            while at < len(text) and text[at] != '"':
                at += 2 if text[at] == "\\" else 1
            if at >= len(text):
                return PqlError("unterminated string: expected `\"` before end of expression", start)
        elif char in "([{":
            open_brackets.append((char, at))
        elif char in _PAIRS:
            if not open_brackets:
                return PqlError(f"unbalanced `{char}`", at)
            opening, where = open_brackets.pop()
            if opening != _PAIRS[char]:
                return PqlError(f"`{char}` closes the `{opening}` at character {where + 1}", at)
        at += 1
    if open_brackets:
        opening, where = open_brackets[-1]
        return PqlError(f"`{opening}` is never closed", where)
    return None


def classified(text: str, error: PqlError) -> PqlError:
    """The error to report for ``text`` that did not parse: broken, or outside the subset."""
    if error.rule != "pql-syntax" or error.broken:
        return error  # already outside the subset, a value no reader could hold, or past a limit
    if error.offset >= len(text.rstrip()):
        return error  # it stops where an operand or a bracket must follow: unfinished, not another dialect
    broken = plainly_broken(text)
    if broken is not None:
        return broken
    word = _first_construct_outside(text, error.offset + 1)
    if word is not None:  # e.g. the lexer stopped at `:` or `\\w`, after the construct that explains it
        return outside_subset(word[0], word[1])
    return PqlError(error.message + _SUFFIX, error.offset, rule="pql-unsupported")


_WORD = re.compile(r"(?<![\w.$])[A-Za-z_]\w*|(?<=\.)[A-Za-z_]\w*(?=\s*\()")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?')


def _first_construct_outside(text: str, before: int) -> tuple[str, int] | None:
    """The first construct of full PQL (``CHAIN``, ``.matches``, a lambda's ``=>``) before ``before``,
    outside strings, named as the refusal names it."""
    blanked = _STRING.sub(lambda match: " " * len(match.group()), text[:before])
    found = [(f"`{match.group()}`", match.start()) for match in _WORD.finditer(blanked) if match.group() in OUTSIDE_WORDS][:1]
    if "=>" in blanked:
        found.append(("a lambda (`=>`)", blanked.index("=>")))
    return min(found, key=lambda item: item[1]) if found else None


def parse_classified(text: str) -> Node:
    """``parse``, with a failure classified: ``pql-unsupported`` (send as pql/text) or a plain error."""
    try:
        return parse(text)
    except PqlError as error:
        raise classified(text, error) from None


def unconfirmed(node: Node) -> Iterator[Apply]:
    """Operators in ``node`` whose pql/json form no public AEP tree confirms, in text order."""
    if isinstance(node, Apply):
        if node.fn in UNCONFIRMED:
            yield node
        for arg in node.args:
            yield from unconfirmed(arg)
    elif isinstance(node, Field):
        yield from unconfirmed(node.base)


def unconfirmed_message(fn: str) -> str:
    shown = f".{fn}()" if fn[0].isalpha() and fn != "notIn" else fn
    return (f"`{shown}`: no public AEP pql/json tree confirms its form, which pmforge infers; "
            "pql/text is the safe choice")


def unconfirmed_in_tree(tree: object, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """``(path, fnName)`` of every fnApply in a pql/json tree whose form no public AEP tree confirms."""
    if isinstance(tree, dict):
        if tree.get("nodeType") == "fnApply" and tree.get("fnName") in UNCONFIRMED:
            yield path, tree["fnName"]
        for key, value in tree.items():
            yield from unconfirmed_in_tree(value, path + (key,))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from unconfirmed_in_tree(value, path + (index,))
