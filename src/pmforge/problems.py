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
