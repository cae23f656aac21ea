"""One line of log and one latency sample per request, for people and for benchmarks."""

from __future__ import annotations

import math
import statistics
import threading
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    status: int
    duration_ms: float
    sandbox: str | None
    notes: tuple[str, ...] = ()

    def log_line(self) -> str:
        line = f"{self.method} {self.path} {self.status} {self.duration_ms:.1f}ms sandbox={self.sandbox or '-'}"
        return "".join([line, *(f" note: {note}" for note in self.notes)])


@dataclass(frozen=True)
class LatencySummary:
    """Server-side latency: from the parsed request line and headers, through reading the body and
    handling it, to the encoded reply (the socket write of the reply is not included)."""

    count: int
    median_ms: float
    p99_ms: float
    max_ms: float


class RequestLog:
    """Keeps every request's record; writes each as a line to ``stream`` unless it is None."""

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)
            # Written under the lock so lines from concurrent requests never interleave.
            if self._stream is not None:
                self._stream.write(record.log_line() + "\n")
                self._stream.flush()

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def summary(self) -> LatencySummary:
        durations = sorted(record.duration_ms for record in self.records())
        if not durations:
            return LatencySummary(0, 0.0, 0.0, 0.0)
        # Nearest-rank percentile: the smallest sample with at least 99% of samples at or below it.
        p99 = durations[max(0, math.ceil(0.99 * len(durations)) - 1)]
        return LatencySummary(len(durations), statistics.median(durations), p99, durations[-1])
