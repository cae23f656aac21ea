"""Rehearse a class in one Node process against one `newman run` process per participant, side by side.

Measured in this run, on this machine (loopback only):
  baseline   a class of --participants, one `newman run` per participant, --baseline-parallel at a time
  fresh      the same class in one Node process (runner.js), a fresh script sandbox per run (what
             `pmforge rehearse` does for a course with hand-written scripts)
  runner     the same class in one Node process, sandboxes reused (what `pmforge rehearse` does for a
             course whose scripts are all pmforge's own, such as the bundled one)
  large      a class of --large in one Node process (target: within 60 s, 0 failures)
Each prints failures (target 0), wall time of the runs (the build and the mock's start are left out
of every measure alike; the whole call's time follows in brackets), requests per second and the
mock's median and p99 latency; then the ratios of the runs' times against the baseline. The load average before and after says how busy the machine was.

    python bench/rehearse_bench.py [--participants 50] [--large 1000] [--baseline-parallel 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pmforge.rehearsal import RUNNERS, NewmanMissing, Rehearsal, Runner, find_newman, rehearse
from pmforge.rehearsal.rehearsing import DEFAULT_PARALLEL
from pmforge.rehearsal.runners import Finished, Job, run_class

MAX_PARTICIPANTS = 2000
RUN_TIMEOUT_S = 300.0
LARGE_TARGET_S = 60.0
RATIO_TARGET = 5.0


def fresh_sandboxes(jobs: Sequence[Job], **options: Any) -> Iterator[Finished]:
    return run_class(jobs, **{**options, "shared_sandboxes": False})


def make_roster(path: Path, size: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("ldap,sandbox\n")
        for index in range(1, size + 1):
            handle.write(f"learner{index:04d}@example.com,sandbox-{index % 5}\n")


def measure(roster: Path, *, runner: str, parallel: int, poll_interval_ms: int,
            polls_to_finish: int) -> tuple[Rehearsal, float]:
    """The rehearsal, and the time of the whole call (build, mock and runs) beside its runs' wall_s."""
    started = time.perf_counter()
    result = rehearse(None, roster, runner=runner, parallel=parallel, poll_interval_ms=poll_interval_ms,
                      polls_to_finish=polls_to_finish, timeout_s=RUN_TIMEOUT_S)
    if result.problems:
        raise SystemExit(f"build failed: {[str(problem) for problem in result.problems[:3]]}")
    return result, time.perf_counter() - started


def describe(label: str, result: Rehearsal, total_s: float) -> str:
    requests = sum(row.run.requests for row in result.results)
    line = (f"{label:<9} {len(result.results):>5} participants, {result.failed} failed, {requests} requests "
            f"in {result.wall_s:6.2f} s = {requests / result.wall_s:6.1f} req/s (with the build {total_s:6.2f} s)")
    stats = result.mock_stats
    if stats is not None:
        line += f"; mock median {stats.median_ms:.2f} ms, p99 {stats.p99_ms:.2f} ms, max {stats.max_ms:.2f} ms"
    return line


def failures(result: Rehearsal, limit: int = 5) -> list[str]:
    lines = [f"  {row.ldap}: {message}" for row in result.results for message in row.run.failures]
    return lines[:limit] + ([f"  ... {len(lines) - limit} more"] if len(lines) > limit else [])


def load() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--large", type=int, default=1000, help="0 leaves the large class out")
    parser.add_argument("--baseline-parallel", type=int, default=2, help="newman processes at a time")
    parser.add_argument("--parallel", type=int, default=DEFAULT_PARALLEL, help="runs in flight in the Node runner")
    parser.add_argument("--poll-interval-ms", type=int, default=10)
    parser.add_argument("--polls-to-finish", type=int, default=2)
    args = parser.parse_args()
    for name in ("participants", "large"):
        if not 0 <= getattr(args, name) <= MAX_PARTICIPANTS:
            parser.error(f"--{name} must be between 0 and {MAX_PARTICIPANTS}")
    options = {"poll_interval_ms": args.poll_interval_ms, "polls_to_finish": args.polls_to_finish}
    RUNNERS["newman-fresh"] = Runner("newman-fresh", find_newman, fresh_sandboxes,
                                     "one Node process, a fresh sandbox per run")
    work = Path(tempfile.mkdtemp(prefix="pmforge-rehearse-bench-"))
    try:
        make_roster(work / "class.csv", args.participants)
        make_roster(work / "large.csv", args.large)
        print(f"{os.cpu_count()} CPUs, load average {load()}; poll interval {args.poll_interval_ms} ms; "
              f"jobs finish after {args.polls_to_finish} polls; runner: {args.parallel} runs in flight")
        results: dict[str, Rehearsal] = {}
        plan = [("baseline", "class.csv", "newman-processes", args.baseline_parallel),
                ("fresh", "class.csv", "newman-fresh", args.parallel),
                ("runner", "class.csv", "newman", args.parallel)]
        if args.large:
            plan.append(("large", "large.csv", "newman", args.parallel))
        for label, roster, runner, parallel in plan if args.participants else plan[3:]:
            result, total_s = measure(work / roster, runner=runner, parallel=parallel, **options)
            results[label] = result
            print(describe(label, result, total_s), flush=True)
            print(*failures(result), sep="\n") if result.failed else None
        if args.participants:
            base = results["baseline"].wall_s
            for label in ("fresh", "runner"):
                ratio = base / results[label].wall_s
                print(f"class of {args.participants}: {label} is {ratio:.1f}x as fast as the baseline "
                      f"(target {RATIO_TARGET:g}x: {'met' if ratio >= RATIO_TARGET else 'NOT met'})")
        if args.large:
            large = results["large"]
            met = large.wall_s <= LARGE_TARGET_S and large.failed == 0
            stats = large.mock_stats
            print(f"class of {args.large}: {large.wall_s:.1f} s, {large.failed} failed, mock p99 "
                  f"{stats.p99_ms if stats else float('nan'):.2f} ms (target {LARGE_TARGET_S:g} s, 0 failed: "
                  f"{'met' if met else 'NOT met'})")
        print(f"load average after: {load()}")
    except NewmanMissing as error:
        sys.exit(f"error: {error}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
