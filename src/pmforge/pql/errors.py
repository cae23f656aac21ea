"""The two ways PQL handling reports trouble: an exception that stops, an issue that is data."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


class PqlError(Exception):
    """PQL that pmforge cannot compile, explain or check.

    ``offset`` is a 0-based character offset into the PQL text; errors about a
    pql/json tree carry 0 and say where in the tree in ``message``.
    ``rule`` is one of ``pql-syntax``, ``pql-unsupported``, ``pql-field``,
    ``pql-value``, ``pql-json``, ``pql-catalog``. ``broken`` marks a syntax error
    that no PQL reader gets past (not UTF-8, pmforge's nesting limit), which
    therefore is never classed as outside the subset.
    """

    def __init__(self, message: str, offset: int = 0, *, rule: str = "pql-syntax", broken: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.rule = rule
        self.broken = broken

    def __repr__(self) -> str:
        return f"PqlError({self.message!r}, offset={self.offset}, rule={self.rule!r})"


@dataclass(frozen=True, order=True)
class PqlIssue:
    """One finding of the checker, at a 0-based offset into the text."""

    offset: int
    message: str
    rule: str
    severity: str = ERROR


def outside_subset(what: str, offset: int = 0) -> PqlError:
    """The refusal every unsupported construct gets: named, and with the way out."""
    return PqlError(
        f"{what} is outside the PQL subset pmforge compiles; send it as pql/text",
        offset,
        rule="pql-unsupported",
    )
