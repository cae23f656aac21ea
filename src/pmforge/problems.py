"""The one type every stage yields when something is wrong."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """A problem at a 1-based line and column of a file.

    Line and column are 1-based; 0 means "the file as a whole" (a missing file,
    a file that is not UTF-8).
    """

    file: str
    line: int
    column: int
    message: str
    rule: str
    severity: str = ERROR

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message} [{self.rule}]"


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == ERROR for p in problems)


def within_text(text: str, line: int, column: int) -> tuple[int, int]:
    """A position inside ``text``: the end of the file is the end of its last line, not the line after it."""
    lines = text.split("\n")
    if line == len(lines) and lines[-1] == "" and line > 1:
        return line - 1, len(lines[-2].rstrip("\r")) + 1
    return line, column
