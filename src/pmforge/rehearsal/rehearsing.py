"""A rehearsal of a whole class: build it, start one mock, run every participant's collection in Newman."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pmforge import building
from pmforge.mock import LatencySummary, start_mock
from pmforge.problems import Problem
from pmforge.rehearsal.newman import NewmanRun, find_newman, run_newman
from pmforge.rehearsal.postman import run_postman_collection
from pmforge.rehearsal.postman_cli import find_postman
from pmforge.roster import Participant

DEFAULT_PARALLEL = 4
DEFAULT_POLL_INTERVAL_MS = 10
# The variables a participant needs to get a token and pass the mock's gateway.
CREDENTIALS = ("API_KEY", "CLIENT_SECRET", "IMS_ORG")


@dataclass(frozen=True)
class ParticipantRun:
    """One participant's row: what Newman did with their collection."""

    participant: str
    run: NewmanRun

    @property
    def ok(self) -> bool:
        return self.run.ok


@dataclass
class Rehearsal:
    """The outcome: build problems (then nothing ran), or one row per participant, in roster order."""

    problems: list[Problem] = field(default_factory=list)
    runs: list[ParticipantRun] = field(default_factory=list)
    mock_stats: LatencySummary | None = None
    wall_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems and all(row.ok for row in self.runs)


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


def _files(out_dir: Path, stem: str, participant: Participant) -> tuple[Path, Path]:
    folder = out_dir / participant.ldap
    return folder / f"{stem}.postman_collection.json", folder / f"{stem}.postman_environment.json"


def rehearse(course_path: Path | None, roster_path: Path | None, *, parallel: int = DEFAULT_PARALLEL,
             polls_to_finish: int = 2, fail_jobs: bool = False, poll_interval_ms: int = DEFAULT_POLL_INTERVAL_MS,
             newman: Path | None = None, host: str = "127.0.0.1", timeout_s: float = 300.0,
             extra_env: Mapping[str, str] | None = None, runner: str = "newman") -> Rehearsal:
    """Build the class into a scratch directory, then run every participant against one mock.

    ``runner``: "newman", or "postman" for the Postman CLI (``newman`` then names its executable).
    Raises NewmanMissing or PostmanMissing (before building anything) when the runner cannot be found.
    """
    if parallel < 1:
        raise ValueError("parallel must be at least 1")
    executable = newman or (find_postman() if runner == "postman" else find_newman())
    checked, problems = building.plan(course_path, roster_path)
    if checked is None:
        return Rehearsal(problems=problems)
    stem = building.file_stem(checked.course.name)
    participants = checked.roster.participants
    with tempfile.TemporaryDirectory(prefix="pmforge-rehearse-") as scratch:
        out_dir = Path(scratch) / "out"
        result = building.build(course_path, roster_path, out_dir)
        if result.problems:
            return Rehearsal(problems=result.problems)
        with start_mock(host, 0, polls_to_finish=polls_to_finish, fail_jobs=fail_jobs) as mock:

            def one(numbered: tuple[int, Participant]) -> ParticipantRun:
                number, participant = numbered
                collection, environment = _files(out_dir, stem, participant)
                overrides = participant_overrides(environment, number, base_url=mock.url,
                                                  poll_interval_ms=poll_interval_ms)
                overrides.update(extra_env or {})
                if runner == "postman":
                    run = run_postman_collection(collection, environment, env_vars=overrides, postman=executable,
                                                 timeout_s=timeout_s)
                else:
                    run = run_newman(collection, environment, env_vars=overrides, newman=executable,
                                     timeout_s=timeout_s)
                return ParticipantRun(participant.ldap, run)

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=min(parallel, max(1, len(participants)))) as pool:
                runs = list(pool.map(one, enumerate(participants, start=1)))
            wall_s = time.perf_counter() - started
            stats = mock.stats()
    return Rehearsal(runs=runs, mock_stats=stats, wall_s=wall_s)
