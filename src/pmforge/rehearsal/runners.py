"""Ways to run a class: each takes the participants' jobs and yields (job, NewmanRun) as each one finishes.

    for job, run in RUNNERS["newman"].run(jobs, tool=RUNNERS["newman"].find(), parallel=8, timeout_s=300):
        ...

``newman`` runs the whole class in one Node process (runner.js); ``newman-processes`` starts one
``newman run`` per participant, as pmforge did before (kept as the benchmark's baseline); ``postman``
one Postman CLI process per participant. Another tool plugs in with ``per_process(run_one)`` (``run_one``
runs one Job with the tool's path and a timeout) and a finder, and gives back NewmanRun values too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from pmforge.rehearsal.newman import (NewmanMissing, NewmanRun, find_newman, from_report, masked, run_newman,
                                      secret_names, secret_values)
from pmforge.rehearsal.postman import run_postman_collection
from pmforge.rehearsal.postman_cli import find_postman

RUNNER_SCRIPT = Path(__file__).with_name("runner.js")


@dataclass(frozen=True)
class Job:
    """One participant's run: their files and the ``--env-var`` values that point them at the mock."""

    number: int  # 1-based, in roster order
    ldap: str
    sandbox: str
    collection: Path
    environment: Path
    env_vars: Mapping[str, str] = field(default_factory=dict)


Finished = tuple[Job, NewmanRun]
ClassRun = Callable[..., Iterator[Finished]]  # (jobs, *, tool, parallel, timeout_s, shared_sandboxes) -> runs
OneRun = Callable[[Job, Path, float], NewmanRun]  # (job, tool, timeout_s) -> run


@dataclass(frozen=True)
class Runner:
    name: str
    find: Callable[[], Path]  # the tool to run; raises NewmanMissing (or the tool's own "missing" error)
    run: ClassRun
    description: str


def per_process(run_one: OneRun) -> ClassRun:
    """A class runner from a one-participant runner: one process per participant, ``parallel`` of them
    at a time (threads wait for them; with one process each there is no sandbox to share)."""

    def run(jobs: Sequence[Job], *, tool: Path, parallel: int, timeout_s: float,
            shared_sandboxes: bool = False) -> Iterator[Finished]:
        pool = ThreadPoolExecutor(max_workers=max(1, min(parallel, len(jobs) or 1)))
        try:
            futures = {pool.submit(run_one, job, tool, timeout_s): job for job in jobs}
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            # Interrupted: runs not started yet never start; those running end by themselves.
            pool.shutdown(wait=False, cancel_futures=True)

    return run


def _newman_process(job: Job, tool: Path, timeout_s: float) -> NewmanRun:
    return run_newman(job.collection, job.environment, env_vars=job.env_vars, newman=tool, timeout_s=timeout_s)


def _postman_process(job: Job, tool: Path, timeout_s: float) -> NewmanRun:
    return run_postman_collection(job.collection, job.environment, env_vars=job.env_vars, postman=tool,
                                  timeout_s=timeout_s)


def newman_package(executable: Path) -> Path:
    """The directory of the Newman package whose ``newman`` executable this is (a symlink such as
    node_modules/.bin/newman is followed to the package's bin/newman.js)."""
    real = Path(os.path.realpath(executable))
    candidates = [*real.parents[:3], executable.parent.parent / "newman"]
    for directory in candidates:
        manifest = directory / "package.json"
        try:
            if json.loads(manifest.read_text(encoding="utf-8")).get("name") == "newman":
                return directory
        except (OSError, ValueError, AttributeError):
            continue
    raise NewmanMissing(f"{executable} is not the executable of a Newman package (no newman package.json near {real})")


def find_node(environ: Mapping[str, str] | None = None) -> Path:
    found = shutil.which("node", path=(os.environ if environ is None else environ).get("PATH"))
    if found is None:
        raise NewmanMissing("node is not on PATH (Newman runs on Node.js)")
    return Path(found)


def _stopped(reason: str) -> NewmanRun:
    return NewmanRun(exit_code=-1, requests=0, assertions=0, assertions_failed=0, failures=(reason,), duration_s=0.0)


def _finished(job: Job, message: Mapping[str, object]) -> NewmanRun:
    time_s = float(message.get("time_s") or 0.0)  # type: ignore[arg-type]
    report = message.get("report")
    if not isinstance(report, dict):
        secrets = secret_values(job.environment, job.env_vars)
        return NewmanRun(exit_code=1, requests=0, assertions=0, assertions_failed=0, duration_s=time_s,
                         failures=(masked(f"newman could not run: {message.get('error')}", secrets),))
    run = report["run"]
    # What `newman run` would have exited with: 1 on any failure.
    exit_code = 1 if run.get("failures") or run.get("error") else 0
    return from_report(report, exit_code, time_s, secrets=secret_values(job.environment, job.env_vars, report))


def run_class(jobs: Sequence[Job], *, tool: Path, parallel: int, timeout_s: float, shared_sandboxes: bool = False,
              workers: int | None = None) -> Iterator[Finished]:
    """Every job in one Node process (runner.js, Newman's library), ``parallel`` runs in flight over
    ``workers`` threads (default: one per CPU, at most 4). Stopping the iteration stops the process.

    Each run boots a fresh script sandbox, as ``newman run`` does, unless ``shared_sandboxes``: then a
    sandbox serves one run after another (half the CPU). Only for scripts known to leave nothing
    behind: an undeclared variable or a change to a built-in prototype would reach the next participant."""
    package = newman_package(tool)
    node = find_node()
    workers = min(workers or max(1, min(os.cpu_count() or 1, 4)), parallel)
    with tempfile.TemporaryDirectory(prefix="pmforge-runner-") as scratch:
        job_file = Path(scratch) / "job.json"
        job_file.write_text(json.dumps({
            "newman": str(package), "workers": workers, "parallel": parallel, "timeout_ms": int(timeout_s * 1000),
            "pool": shared_sandboxes, "participants": [
                {"id": index, "collection": str(job.collection), "environment": str(job.environment),
                 "env_vars": dict(job.env_vars), "secret_names": secret_names(job.environment)}
                for index, job in enumerate(jobs)],
        }), encoding="utf-8")
        with open(Path(scratch) / "stderr", "w+b") as errors:
            process = subprocess.Popen([str(node), str(RUNNER_SCRIPT), str(job_file)], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=errors, start_new_session=True)
            pending = dict(enumerate(jobs))
            try:
                assert process.stdout is not None
                for line in process.stdout:
                    try:
                        message = json.loads(line)
                    except ValueError:
                        continue  # not one of ours: a line cut short as the process ended
                    if message.get("type") == "fatal":
                        raise NewmanMissing(str(message.get("message")))
                    if message.get("type") == "result" and message.get("id") in pending:
                        job = pending.pop(message["id"])
                        yield job, _finished(job, message)
                process.wait()
                if pending:
                    errors.seek(0)
                    tail = [line for line in errors.read().decode("utf-8", "replace").splitlines() if line.strip()]
                    reason = (f"the runner stopped (exit {process.returncode}) before this participant finished"
                              + (f": {tail[-1].strip()}" if tail else ""))
                    for _, job in sorted(pending.items()):
                        yield job, _stopped(reason)
            finally:
                if process.poll() is None:
                    process.terminate()
                    try:
                        process.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait()
                for stream in (process.stdin, process.stdout):
                    if stream is not None:
                        stream.close()


def find_newman_library() -> Path:
    """find_newman(), checked to belong to a Newman package that Node can load."""
    executable = find_newman()
    newman_package(executable)
    find_node()
    return executable


RUNNERS: dict[str, Runner] = {
    "newman": Runner("newman", find_newman_library, run_class, "Newman's library, the whole class in one Node process"),
    "newman-processes": Runner("newman-processes", find_newman, per_process(_newman_process),
                               "one `newman run` process per participant"),
    "postman": Runner("postman", find_postman, per_process(_postman_process),
                      "one Postman CLI process per participant"),
}
