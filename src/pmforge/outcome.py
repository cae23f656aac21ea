"""How every command ends: one exit code from one enum, and one summary line with honest plurals.

Kept free of heavy imports: ``pmforge --version`` loads it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from pmforge.problems import ERROR, WARNING, Problem


class ExitCode(IntEnum):
    """The exit codes of every pmforge command (the README's table)."""

    CLEAN = 0
    """Nothing wrong; warnings may have been reported."""
    PROBLEMS = 1
    """Problems found (errors, or warnings under ``--strict``), or a rehearsal that failed."""
    USAGE = 2
    """A mistake on the command line; click uses 2 for its own usage errors too."""
    MISSING_TOOL = 3
    """An external tool the command needs (Newman, the Postman CLI) cannot be found."""
    INTERRUPTED = 130
    """Stopped by Ctrl-C (128 + SIGINT, as shells report it)."""


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``1 participant``, ``2 participants``, ``0 files``; ``plural`` for nouns that do not just take an s."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def problems_found(problems: Iterable[Problem], *, then: str = "") -> str:
    """The last line of a run that fails on its problems: ``2 problems found; nothing written.``"""
    line = f"{counted(len(list(problems)), 'problem')} found"
    return f"{line}; {then}." if then else f"{line}."


def tally(problems: Iterable[Problem], files: int) -> str:
    """``1 error, 2 warnings in 3 files``: what a lint run found, by severity."""
    found = list(problems)
    errors = sum(p.severity == ERROR for p in found)
    warnings = sum(p.severity == WARNING for p in found)
    return f"{counted(errors, 'error')}, {counted(warnings, 'warning')} in {counted(files, 'file')}"
