"""Rehearse a class: run every participant's generated collection in Newman against the local mock.

    result = rehearse(None, None, parallel=4)
    assert result.ok, [row.run.failures for row in result.runs]
"""

from __future__ import annotations

from pmforge.rehearsal.newman import NewmanMissing, NewmanRun, find_newman, run_newman
from pmforge.rehearsal.rehearsing import ParticipantRun, Rehearsal, generated_credentials, participant_overrides, rehearse

__all__ = [
    "NewmanMissing",
    "NewmanRun",
    "ParticipantRun",
    "Rehearsal",
    "find_newman",
    "generated_credentials",
    "participant_overrides",
    "rehearse",
    "run_newman",
]
