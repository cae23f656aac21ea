"""The rehearsal table: the only place that turns a Rehearsal into text."""

from __future__ import annotations

from typing import TextIO

from pmforge.rehearsal.rehearsing import Rehearsal

COLUMNS = (("requests", 8), ("passed", 6), ("failed", 6))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def table_lines(rehearsal: Rehearsal) -> list[str]:
    """``participant  requests  passed  failed  time``, one row per participant, each failure
    message indented under its row, then a summary line."""
    width = max([len("participant"), *(len(row.participant) for row in rehearsal.runs)])
    lines = ["  ".join([f"{'participant':<{width}}", *(f"{name:>{size}}" for name, size in COLUMNS), f"{'time':>7}"])]
    for row in rehearsal.runs:
        run = row.run
        cells = (run.requests, run.assertions_passed, run.failed)
        lines.append("  ".join([f"{row.participant:<{width}}", *(f"{cell:>{size}}" for cell, (_, size) in zip(cells, COLUMNS)),
                                f"{run.duration_s:>6.1f}s"]))
        lines += [f"    {message}" for message in run.failures]
    failed = sum(1 for row in rehearsal.runs if not row.ok)
    summary = (f"{_plural(len(rehearsal.runs), 'participant')}: {len(rehearsal.runs) - failed} passed, "
               f"{failed} failed in {rehearsal.wall_s:.1f}s")
    stats = rehearsal.mock_stats
    if stats is not None and stats.count:
        summary += f"; mock: {_plural(stats.count, 'request')}, median {stats.median_ms:.1f} ms, p99 {stats.p99_ms:.1f} ms"
    return [*lines, summary]


def print_table(rehearsal: Rehearsal, stream: TextIO) -> None:
    for line in table_lines(rehearsal):
        stream.write(line + "\n")
