"""``pmforge rehearse --drill``: the class on a bad day, scenario by scenario, against the mock's fault modes.

Every participant runs every scenario in Newman against a mock of their own (so one participant's
429 burst or expired token never touches another's counts). A scenario passes when the collection
behaves as designed: the run's exit code, how many requests the mock saw, and the message a learner
reads, all as the scenario says.

    result = drill(None, None)
    assert result.ok, drill_lines(result)
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from pmforge import building
from pmforge.mock import start_mock
from pmforge.outcome import ExitCode, counted, problems_found
from pmforge.problems import Problem
from pmforge.rehearsal.newman import NewmanMissing, NewmanRun, find_newman, run_newman
from pmforge.rehearsal.rehearsing import DEFAULT_PARALLEL, class_jobs, participant_overrides, scratch_class
from pmforge.rehearsal.runners import Job
from pmforge.reporting import fails, report

POLLS_TO_FINISH = 2


@dataclass(frozen=True)
class Learner(Job):
    """One participant's job in the rehearsal's job list, and what the drill needs to know besides."""

    existing: str | None = None  # the name of what a second run finds already there (Step 1's definition)


@dataclass(frozen=True)
class Scenario:
    """A fault, and how the collection must answer it."""

    name: str
    mock: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, str] = field(default_factory=dict)
    exit_code: int = 0
    requests: int = 0  # requests the mock sees (of the last run, for a scenario of two runs)
    message: str = ""  # what a learner reads: in a failure of the run, or in its output
    runs: int = 1  # 2: run again in the environment the first run left
    preexisting: bool = False  # the participant's definition exists before the run (a fresh import)
    strict_credentials: bool = False  # the mock knows each participant's own secret, and no other


def scenarios(polls: int = POLLS_TO_FINISH) -> list[Scenario]:
    """The drill's scenarios for a course whose jobs take ``polls`` GETs to finish (token, Steps 1-3)."""
    happy = 3 + polls
    return [
        Scenario("happy path", requests=happy, message="status is SUCCEEDED"),
        Scenario("wrong secret", strict_credentials=True, overrides={"CLIENT_SECRET": "wrong-secret"}, exit_code=1,
                 requests=1, message="invalid_client"),
        Scenario("empty secret", overrides={"CLIENT_SECRET": ""}, exit_code=1, requests=0,
                 message="not sent: CLIENT_SECRET is empty"),
        Scenario("lost job", mock={"lose_jobs": True}, exit_code=1, requests=4, message="got 404 Not Found"),
        Scenario("failed job", mock={"fail_jobs": True}, exit_code=1, requests=happy, message="status is FAILED"),
        # Step 1 is served, Steps 2's first two sends get 429 with Retry-After: 1, the third goes through.
        Scenario("429 burst", mock={"throttle_after": 1, "throttle_burst": 2, "retry_after": 1}, requests=happy + 2,
                 message="sent again after 429 Too Many Requests, then after 429 Too Many Requests"),
        # The token serves Steps 1 and 2; the first poll gets 401013, a new token is fetched, the poll is sent again.
        Scenario("token expires mid-run", mock={"token_expires_after": 2}, requests=happy + 2,
                 message="sent again after 401 Unauthorized: 401013 Oauth token is not valid (with a new token)"),
        Scenario("second run, same environment", runs=2, requests=happy + 1, message="already exists: using it"),
        Scenario("fresh import, definition exists", preexisting=True, requests=happy + 1,
                 message="already exists: using it"),
    ]


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    learner: str
    run: NewmanRun
    requests: int  # what the mock saw during the (last) run
    definitions: int  # the participant's definitions in the mock afterwards

    @property
    def problems(self) -> list[str]:
        """Why the scenario did not go as designed; empty when it did."""
        expected = self.scenario
        found: list[str] = []
        if self.run.exit_code != expected.exit_code:
            found.append(f"newman exited {self.run.exit_code}, expected {expected.exit_code}")
        if self.requests != expected.requests:
            found.append(f"the mock saw {counted(self.requests, 'request')}, expected {expected.requests}")
        if expected.message and not any(expected.message in text for text in (*self.run.failures, self.run.output)):
            found.append(f"no {expected.message!r} for the learner")
        if expected.exit_code == 0 and self.definitions != 1:
            found.append(f"{self.definitions} definitions in the participant's sandbox, expected 1")
        return found

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Drill:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # the build's, reported; the drill still ran
    scenarios: list[str] = field(default_factory=list)  # the table's rows, in order
    learners: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)  # scenario by scenario, participants in roster order
    interrupted: bool = False  # Ctrl-C: ``outcomes`` holds the runs finished before it

    @property
    def ok(self) -> bool:
        return (not self.problems and not self.interrupted and bool(self.outcomes)
                and all(outcome.ok for outcome in self.outcomes))


def _existing_name(collection: Path, plan: building.Plan) -> str | None:
    """The value a re-run matches on (Step 1's definition name), read from the participant's built body."""
    request = next((r for r in plan.course.requests() if r.exists), None)
    if request is None or request.exists is None:
        return None
    def walk(items: list[dict[str, Any]]) -> dict[str, Any] | None:
        for item in items:
            found = walk(item["item"]) if "item" in item else item if item["name"] == request.name else None
            if found:
                return found
        return None
    item = walk(json.loads(collection.read_text(encoding="utf-8"))["item"])
    try:
        value: Any = json.loads(item["request"]["body"]["raw"]) if item else None
        for key in request.exists.match.split("."):
            value = value[key]
    except (KeyError, TypeError, ValueError):
        return None
    return value if isinstance(value, str) else None


def learners(plan: building.Plan, out: Path) -> list[Learner]:
    """Every participant of a class built into ``out`` from ``plan``, in roster order."""
    return [Learner(**vars(job), existing=_existing_name(job.collection, plan))
            for job in class_jobs(out, plan.course, plan.roster.participants)]


def run_scenario(scenario: Scenario, learner: Learner, *, newman: Path, poll_interval_ms: int = 10,
                 timeout_s: float = 120.0, scratch: Path) -> Outcome:
    """One participant through one scenario, against a mock of their own."""
    options = dict(scenario.mock)
    if scenario.preexisting and learner.existing:
        options["existing_definitions"] = [*options.get("existing_definitions", ()), (learner.sandbox, learner.existing)]
    if scenario.strict_credentials:
        options["credentials"] = {f"client-{learner.number}": f"secret-{learner.number}"}
    with start_mock(polls_to_finish=POLLS_TO_FINISH, **options) as mock:
        overrides = participant_overrides(learner.environment, learner.number, base_url=mock.url,
                                          poll_interval_ms=poll_interval_ms)
        overrides.update(scenario.overrides)
        environment = learner.environment
        for earlier in range(1, scenario.runs):
            exported = scratch / f"after-run-{earlier}.postman_environment.json"
            run_newman(learner.collection, environment, env_vars=overrides, newman=newman, timeout_s=timeout_s,
                       extra_args=["--export-environment", str(exported)])
            environment = exported
        seen = len(mock.records())
        run = run_newman(learner.collection, environment, env_vars=overrides, newman=newman, timeout_s=timeout_s)
        requests = len(mock.records()) - seen
        mine = [d for d in mock.state.definitions(sandbox=learner.sandbox) if d.get("name") == learner.existing]
    return Outcome(scenario, learner.ldap, run, requests, len(mine) if learner.existing else 1)


def drill(course_path: Path | None, roster_path: Path | None, *, parallel: int = DEFAULT_PARALLEL,
          newman: Path | None = None, chosen: list[Scenario] | None = None,
          progress: Callable[[Outcome], None] | None = None, strict: bool = False) -> Drill:
    """Build the class in a scratch directory and run every participant through every scenario.

    The build's warnings come back as ``warnings``; with ``strict`` they stop the drill, in ``problems``.
    Ctrl-C (KeyboardInterrupt) stops it: runs not started never start, and the outcomes finished
    before it come back, with ``interrupted`` set.
    """
    executable = newman or find_newman()
    checked, problems = building.plan(course_path, roster_path)
    if checked is None:
        return Drill(problems=problems)
    playing = chosen or scenarios()
    result = Drill(scenarios=[scenario.name for scenario in playing])
    finished: dict[int, Outcome] = {}
    try:
        with scratch_class(course_path, roster_path, purpose="drill") as (out, built):
            if fails(built, strict=strict):
                return Drill(problems=built)
            result.warnings = built
            everyone = learners(checked, out)
            result.learners = [learner.ldap for learner in everyone]
            pairs = [(scenario, learner) for scenario in playing for learner in everyone]

            def one(pair: tuple[Scenario, Learner]) -> Outcome:
                folder = Path(tempfile.mkdtemp(dir=out.parent))
                outcome = run_scenario(pair[0], pair[1], newman=executable, scratch=folder)
                if progress is not None:
                    progress(outcome)
                return outcome

            pool = ThreadPoolExecutor(max_workers=max(1, min(parallel, len(pairs))))
            try:
                futures = {pool.submit(one, pair): index for index, pair in enumerate(pairs)}
                for future in as_completed(futures):
                    finished[futures[future]] = future.result()
            finally:
                # Interrupted: runs not started never start; those in flight end by themselves (Ctrl-C at a
                # terminal reaches their Newman too) before their mocks and the scratch folder go.
                pool.shutdown(wait=True, cancel_futures=True)
    except KeyboardInterrupt:
        result.interrupted = True
    result.outcomes = [finished[index] for index in sorted(finished)]
    return result


def drill_lines(result: Drill) -> list[str]:
    """One table, scenario × participant: ``ok N`` (N requests the mock saw), ``FAILED N``, or ``-`` for a run
    that did not finish before Ctrl-C; reasons below."""
    if result.interrupted and not result.outcomes:
        return ["interrupted: no run finished"]
    names = result.scenarios
    width = max([len("scenario"), *(len(name) for name in names)])
    columns = [max(len(ldap), 9) for ldap in result.learners]
    lines = ["  ".join([f"{'scenario':<{width}}", *(f"{ldap:<{size}}" for ldap, size in zip(result.learners, columns))]).rstrip()]
    cells = {(outcome.scenario.name, outcome.learner): outcome for outcome in result.outcomes}
    for name in names:
        row = [f"{name:<{width}}"]
        for ldap, size in zip(result.learners, columns):
            outcome = cells.get((name, ldap))
            cell = "-" if outcome is None else ("ok " if outcome.ok else "FAILED ") + str(outcome.requests)
            row.append(f"{cell:<{size}}")
        lines.append("  ".join(row).rstrip())
    for outcome in result.outcomes:
        lines += [f"    {outcome.scenario.name} / {outcome.learner}: {problem}" for problem in outcome.problems]
    failed = sum(1 for outcome in result.outcomes if not outcome.ok)
    tally = f"{len(result.outcomes) - failed} passed, {failed} failed (cells: requests the mock saw"
    if result.interrupted:
        runs = counted(len(names) * len(result.learners), "run")
        lines.append(f"interrupted: {len(result.outcomes)} of {runs} finished: {tally}; -: not finished)")
    else:
        lines.append(f"{counted(len(names), 'scenario')} x {counted(len(result.learners), 'participant')}: {tally})")
    return lines


def run_drill(course_path: Path | None, roster_path: Path | None, *, parallel: int = DEFAULT_PARALLEL,
              stdout: TextIO | None = None, stderr: TextIO | None = None, fmt: str = "text",
              strict: bool = False) -> ExitCode:
    """``pmforge rehearse --drill``: print the table (or the build's problems); the exit code.

    Problems that stop the drill go to ``stdout`` in ``fmt``; warnings of a drill that ran go to
    ``stderr``, as the table is on ``stdout``.
    """
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        result = drill(course_path, roster_path, parallel=parallel, strict=strict)
    except NewmanMissing as error:
        err.write(f"error: {error}\n")
        return ExitCode.MISSING_TOOL
    if result.problems:
        report(result.problems, fmt=fmt, stream=out, strict=strict)
        err.write(problems_found(result.problems, then="nothing rehearsed") + "\n")
        return ExitCode.PROBLEMS
    if result.warnings:
        report(result.warnings, fmt=fmt, stream=err)
    for line in drill_lines(result):
        out.write(line + "\n")
    if result.interrupted:
        return ExitCode.INTERRUPTED
    return ExitCode.CLEAN if result.ok else ExitCode.PROBLEMS
