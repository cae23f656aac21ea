"""What a rehearsal found, whatever ran it: one ParticipantResult per participant, one Rehearsal per class.

The table, the JSON report and the JUnit file all read these, so they always agree.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from pmforge.mock import LatencySummary
from pmforge.problems import Problem
from pmforge.rehearsal.newman import NewmanRun

PASSED, FAILED, NOT_RUN = "passed", "failed", "not run"


@dataclass(frozen=True)
class ParticipantResult:
    """One participant's run, read against the course: which of its steps passed, how often it polled."""

    ldap: str
    sandbox: str
    run: NewmanRun
    steps: dict[str, str]  # request name -> passed, failed or not run, in course order
    polls: int  # runs of the requests that poll (Step 3 runs once per poll)

    @classmethod
    def of(cls, ldap: str, sandbox: str, run: NewmanRun, *, steps: Sequence[str],
           polling: Collection[str] = ()) -> ParticipantResult:
        failed = {check.step for check in run.checks if check.error is not None}
        status = {step: NOT_RUN if not run.executions.get(step) else FAILED if step in failed else PASSED
                  for step in steps}
        return cls(ldap, sandbox, run, status, sum(run.executions.get(step, 0) for step in polling))

    @property
    def ok(self) -> bool:
        return self.run.ok

    @property
    def steps_passed(self) -> int:
        return sum(1 for status in self.steps.values() if status == PASSED)

    def to_json(self) -> dict[str, Any]:
        """This participant's entry of the rehearsal report (the format in the README)."""
        run = self.run
        return {
            "ldap": self.ldap, "sandbox": self.sandbox, "ok": self.ok,
            "requests": run.requests, "polls": self.polls, "time_s": round(run.duration_s, 2),
            "assertions": {"passed": run.assertions_passed, "failed": run.assertions_failed},
            "steps": dict(self.steps),
            "failures": list(run.failures),
        }


@dataclass
class Rehearsal:
    """A class's rehearsal: build problems (then nothing ran), or the results of those who finished,
    in roster order; ``interrupted`` when Ctrl-C stopped it before everyone finished."""

    problems: list[Problem] = field(default_factory=list)
    results: list[ParticipantResult] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # the build's, reported; the class still ran
    collection: str = ""
    steps: list[str] = field(default_factory=list)
    participants: int = 0  # in the roster
    mock_stats: LatencySummary | None = None
    wall_s: float = 0.0
    interrupted: bool = False

    @property
    def passed(self) -> int:
        return sum(1 for result in self.results if result.ok)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def ok(self) -> bool:
        return not self.problems and not self.interrupted and self.failed == 0

    def to_json(self) -> dict[str, Any]:
        """The class summary of the rehearsal report (the format in the README)."""
        summary: dict[str, Any] = {"participants": len(self.results), "passed": self.passed, "failed": self.failed,
                                   "time_s": round(self.wall_s, 2)}
        stats = self.mock_stats
        if stats is not None:
            summary["mock"] = {"requests": stats.count, "median_ms": round(stats.median_ms, 2),
                               "p99_ms": round(stats.p99_ms, 2)}
        return {"collection": self.collection, "steps": list(self.steps),
                "participants": [result.to_json() for result in self.results], "summary": summary}
