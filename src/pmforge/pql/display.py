"""Where in the text: line and column of an offset, and the caret picture under it."""

from __future__ import annotations

import unicodedata

from pmforge.pql.errors import PqlError, PqlIssue


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a 0-based ``offset``."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def caret(text: str, offset: int) -> str:
    """The line of ``text`` holding ``offset`` and, under it, a ``^`` at that column."""
    offset = max(0, min(offset, len(text)))
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    line = text[start : end if end != -1 else len(text)]
    # Keep tabs and count wide characters twice so the caret lands under the character.
    pad = "".join("\t" if c == "\t" else " " * _width(c) for c in text[start:offset])
    return f"{line}\n{pad}^"


def _width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def render_issue(text: str, issue: PqlIssue, *, name: str = "<expression>") -> str:
    """``name:line:col: severity: message [rule]`` followed by the caret picture."""
    line, column = line_and_column(text, issue.offset)
    head = f"{name}:{line}:{column}: {issue.severity}: {issue.message} [{issue.rule}]"
    return f"{head}\n{caret(text, issue.offset)}"


def render_unplaced(issue: PqlIssue, *, name: str) -> str:
    """For problems with no place in a text (a pql/json tree, a catalog file)."""
    return f"{name}: {issue.severity}: {issue.message} [{issue.rule}]"


def issue_of(error: PqlError) -> PqlIssue:
    return PqlIssue(error.offset, error.message, error.rule)
