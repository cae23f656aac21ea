"""Rehearse a class: run every participant's generated collection in Newman against the local mock.

    result = rehearse(None, None, parallel=8)
    assert result.ok, [row.run.failures for row in result.results]
"""

from __future__ import annotations

from pmforge.rehearsal.newman import Check, NewmanMissing, NewmanRun, find_newman, run_newman
from pmforge.rehearsal.rehearsing import Progress, generated_credentials, participant_overrides, rehearse
from pmforge.rehearsal.results import ParticipantResult, Rehearsal
from pmforge.rehearsal.runners import RUNNERS, Job, Runner, per_process

__all__ = [
    "RUNNERS",
    "Check",
    "Job",
    "NewmanMissing",
    "NewmanRun",
    "ParticipantResult",
    "Progress",
    "Rehearsal",
    "Runner",
    "find_newman",
    "generated_credentials",
    "participant_overrides",
    "per_process",
    "rehearse",
    "run_newman",
]
