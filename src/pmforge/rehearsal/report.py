"""The rehearsal table: the only place that turns results into text.

    participant           requests  steps  passed  failed  polls   time
    vangeluw                     5    4/4      17       0      2   0.4s

``requests``: HTTP requests sent (each poll is one); ``steps``: distinct requests of the course that
ran and passed, of all of them; ``passed``/``failed``: assertions (``pm.test``); ``polls``: runs of
the requests that poll; ``time``: that participant's run. A failing row is followed by its failures,
indented; the summary, the slowest and the failing participants close the table.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TextIO

from pmforge.outcome import counted
from pmforge.rehearsal.results import ParticipantResult, Rehearsal

COLUMNS = (("requests", 8), ("steps", 5), ("passed", 6), ("failed", 6), ("polls", 5), ("time", 6))
SLOWEST = 3
LISTED_FAILING = 10


def _width(ldaps: Sequence[str]) -> int:
    return max([len("participant"), *(len(ldap) for ldap in ldaps)])


def header(width: int) -> str:
    return "  ".join([f"{'participant':<{width}}", *(f"{name:>{size}}" for name, size in COLUMNS)])


def row_lines(result: ParticipantResult, width: int) -> list[str]:
    """The participant's row, then each failure message indented under it."""
    run = result.run
    cells = (run.requests, f"{result.steps_passed}/{len(result.steps)}", run.assertions_passed,
             run.assertions_failed, result.polls, f"{run.duration_s:.1f}s")
    row = "  ".join([f"{result.ldap:<{width}}", *(f"{cell:>{size}}" for cell, (_, size) in zip(cells, COLUMNS))])
    return [row, *(f"    {message}" for message in run.failures)]


def summary_lines(rehearsal: Rehearsal) -> list[str]:
    """How many passed, the mock's latency, the slowest participants, and the failing ones."""
    done = len(rehearsal.results)
    counts = f"{rehearsal.passed} passed, {rehearsal.failed} failed in {rehearsal.wall_s:.1f}s"
    if rehearsal.interrupted:
        line = f"interrupted: {done} of {counted(rehearsal.participants, 'participant')} finished: {counts}"
    else:
        line = f"{counted(done, 'participant')}: {counts}"
    stats = rehearsal.mock_stats
    if stats is not None and stats.count:
        line += (f"; mock: {counted(stats.count, 'request')}, median {stats.median_ms:.1f} ms, "
                 f"p99 {stats.p99_ms:.1f} ms")
    lines = [line]
    if done > 1:
        slowest = sorted(rehearsal.results, key=lambda result: -result.run.duration_s)[:SLOWEST]
        lines.append("slowest: " + ", ".join(f"{result.ldap} {result.run.duration_s:.1f}s" for result in slowest))
    failing = [result.ldap for result in rehearsal.results if not result.ok]
    if failing:
        more = len(failing) - LISTED_FAILING
        lines.append("failing: " + ", ".join(failing[:LISTED_FAILING]) + (f" and {more} more" if more > 0 else ""))
    return lines


def table_lines(rehearsal: Rehearsal) -> list[str]:
    """The whole table at once, rows in roster order."""
    width = _width([result.ldap for result in rehearsal.results])
    lines = [header(width)]
    for result in rehearsal.results:
        lines += row_lines(result, width)
    return [*lines, *summary_lines(rehearsal)]


class LiveTable:
    """The table as the class runs: the header before anyone starts, a row as each participant finishes,
    the summary at the end. With a terminal as ``status``, a progress line sits under the rows there."""

    def __init__(self, out: TextIO, status: TextIO | None = None) -> None:
        self._out = out
        self._status = status
        self._width = len("participant")
        self._total = self._done = self._failed = 0
        self._started = time.perf_counter()
        self._shown = False

    def started(self, ldaps: Sequence[str], steps: Sequence[str]) -> None:
        self._width = _width(ldaps)
        self._total = len(ldaps)
        self._started = time.perf_counter()
        self._out.write(header(self._width) + "\n")
        self._out.flush()
        self._show()

    def finished(self, result: ParticipantResult) -> None:
        self._done += 1
        self._failed += 0 if result.ok else 1
        self._clear()
        self._out.write("".join(line + "\n" for line in row_lines(result, self._width)))
        self._out.flush()
        self._show()

    def ended(self, rehearsal: Rehearsal) -> None:
        self._clear()
        self._out.write("".join(line + "\n" for line in summary_lines(rehearsal)))
        self._out.flush()

    def _show(self) -> None:
        if self._status is None:
            return
        elapsed = time.perf_counter() - self._started
        self._status.write(f"\r\x1b[K[{self._done}/{self._total}] {self._done - self._failed} passed, "
                           f"{self._failed} failed, {elapsed:.1f}s")
        self._status.flush()
        self._shown = True

    def _clear(self) -> None:
        if self._status is not None and self._shown:
            self._status.write("\r\x1b[K")
            self._status.flush()
            self._shown = False
