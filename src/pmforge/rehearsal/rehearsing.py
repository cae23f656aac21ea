"""A rehearsal of a whole class: build it, start one mock, run every participant's collection in Newman."""

from __future__ import annotations

import json
import signal
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from pmforge import building
from pmforge.mock import start_mock
from pmforge.names import file_stem
from pmforge.model import Course, Folder, Request
from pmforge.problems import Problem
from pmforge.rehearsal.results import ParticipantResult, Rehearsal
from pmforge.rehearsal.runners import RUNNERS, Job
from pmforge.reporting import fails
from pmforge.roster import Participant

DEFAULT_PARALLEL = 8  # runs in flight; the Node runner spreads them over one worker thread per CPU
DEFAULT_POLL_INTERVAL_MS = 10
# The variables a participant needs to get a token and pass the mock's gateway.
CREDENTIALS = ("API_KEY", "CLIENT_SECRET", "IMS_ORG")


class Progress(Protocol):
    """Told as the class goes: who will run (before anyone does), then each participant as they finish."""

    def started(self, ldaps: Sequence[str], steps: Sequence[str]) -> None: ...

    def finished(self, result: ParticipantResult) -> None: ...


def generated_credentials(number: int) -> dict[str, str]:
    """Stand-in credentials for the ``number``-th participant (1-based), distinct per participant."""
    return {"API_KEY": f"client-{number}", "CLIENT_SECRET": f"secret-{number}", "IMS_ORG": f"ORG{number}@AdobeOrg"}


def participant_overrides(environment: Path, number: int, *, base_url: str,
                          poll_interval_ms: int) -> dict[str, str]:
    """The ``--env-var`` values: the mock's URL, a short poll interval, and credentials where
    the participant's environment (course values, then roster columns) leaves them empty."""
    values = {item["key"]: item.get("value", "")
              for item in json.loads(environment.read_text(encoding="utf-8")).get("values", [])}
    overrides = {"IMS": base_url, "PLATFORM_GATEWAY": base_url, "POLL_INTERVAL_MS": str(poll_interval_ms)}
    for name, value in generated_credentials(number).items():
        if not values.get(name):
            overrides[name] = value
    return overrides


def hand_written_scripts(course: Course) -> bool:
    """Whether the course carries JavaScript of its own (``scripts``), besides the scripts pmforge writes."""

    def walk(items: Sequence[Folder | Request]) -> bool:
        return any(item.scripts or (isinstance(item, Folder) and walk(item.items)) for item in items)

    return bool(course.scripts) or walk(course.items)


def class_jobs(out_dir: Path, course: Course, participants: Sequence[Participant]) -> list[Job]:
    """Every participant's files in a class built into ``out_dir``, numbered in roster order; the
    ``env_vars`` that point them at a mock are the caller's to add."""
    stem = file_stem(course.name)
    return [Job(number, participant.ldap, participant.sandbox,
                out_dir / participant.ldap / f"{stem}.postman_collection.json",
                out_dir / participant.ldap / f"{stem}.postman_environment.json")
            for number, participant in enumerate(participants, start=1)]


@contextmanager
def one_interrupt() -> Iterator[None]:
    """The first Ctrl-C raises KeyboardInterrupt; later ones are ignored while the runs stop and the mock
    goes down, so that they cannot break off the cleanup."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def scratch_class(course_path: Path | None, roster_path: Path | None, *,
                  purpose: str) -> Iterator[tuple[Path, list[Problem]]]:
    """The class built into ``out`` in a scratch folder (``pmforge-PURPOSE-…``, gone afterwards, with room
    beside ``out`` for the caller's files) and the build's problems, with one_interrupt() around it all."""
    with one_interrupt(), tempfile.TemporaryDirectory(prefix=f"pmforge-{purpose}-") as scratch:
        out = Path(scratch) / "out"
        yield out, building.build(course_path, roster_path, out).problems


def rehearse(course_path: Path | None, roster_path: Path | None, *, parallel: int = DEFAULT_PARALLEL,
             polls_to_finish: int = 2, fail_jobs: bool = False, poll_interval_ms: int = DEFAULT_POLL_INTERVAL_MS,
             newman: Path | None = None, host: str = "127.0.0.1", timeout_s: float = 300.0,
             extra_env: Mapping[str, str] | None = None, runner: str = "newman",
             progress: Progress | None = None, strict: bool = False) -> Rehearsal:
    """Build the class into a scratch directory, then run every participant against one mock with
    ``RUNNERS[runner]``, ``parallel`` runs at a time. Ctrl-C (KeyboardInterrupt) stops the runs and
    returns those finished, with ``interrupted`` set.

    ``runner``: "newman" (one Node process), or "postman" for the Postman CLI (``newman`` then names its
    executable). Raises NewmanMissing or PostmanMissing (before building anything) when the runner cannot
    be found. The build's warnings come back as ``warnings`` and the class is rehearsed; with ``strict``
    they stop it as errors do, in ``problems``.
    """
    if parallel < 1:
        raise ValueError("parallel must be at least 1")
    chosen = RUNNERS[runner]
    tool = newman or chosen.find()
    checked, problems = building.plan(course_path, roster_path)
    if checked is None:
        return Rehearsal(problems=problems)
    course = checked.course
    steps = [request.name for request in course.requests()]
    polling = {request.name for request in course.requests() if request.poll is not None}
    rehearsal = Rehearsal(collection=course.name, steps=steps, participants=len(checked.roster.participants))
    finished: dict[int, ParticipantResult] = {}
    started = time.perf_counter()
    try:
        with scratch_class(course_path, roster_path, purpose="rehearse") as (out_dir, built):
            if fails(built, strict=strict):
                return Rehearsal(problems=built)
            rehearsal.warnings = built
            with start_mock(host, 0, polls_to_finish=polls_to_finish, fail_jobs=fail_jobs) as mock:
                jobs = []
                for job in class_jobs(out_dir, course, checked.roster.participants):
                    overrides = participant_overrides(job.environment, job.number, base_url=mock.url,
                                                      poll_interval_ms=poll_interval_ms)
                    jobs.append(replace(job, env_vars={**overrides, **(extra_env or {})}))
                if progress is not None:
                    progress.started([job.ldap for job in jobs], steps)
                started = time.perf_counter()
                try:
                    with closing(chosen.run(jobs, tool=tool, parallel=parallel, timeout_s=timeout_s,
                                            shared_sandboxes=not hand_written_scripts(course))) as runs:
                        for job, run in runs:
                            finished[job.number] = result = ParticipantResult.of(
                                job.ldap, job.sandbox, run, steps=steps, polling=polling)
                            if progress is not None:
                                progress.finished(result)
                finally:
                    rehearsal.wall_s = time.perf_counter() - started
                    rehearsal.mock_stats = mock.stats()
    except KeyboardInterrupt:
        rehearsal.interrupted = True
    rehearsal.results = [finished[number] for number in sorted(finished)]
    return rehearsal
