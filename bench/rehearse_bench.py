"""Rehearse a class of 50 with Newman in parallel against one mock, and one participant alone.

Reports failures (target 0), requests per second (all Newman requests / wall time), the mock's
median and 99th-percentile latency, and how much slower a participant's run is in the crowd than
alone, both measured in this run so the ratio holds across machines. Loopback only.

    python bench/rehearse_bench.py [--participants 50] [--parallel 8]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from pmforge.rehearsal import NewmanMissing, Rehearsal, rehearse

MAX_PARTICIPANTS = 200  # each Newman is a Node process: keep the machine usable
RUN_TIMEOUT_S = 120.0


def make_roster(path: Path, size: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("ldap,sandbox\n")
        for index in range(1, size + 1):
            handle.write(f"learner{index:03d}@example.com,sandbox-{index % 5}\n")


def measure(roster: Path, *, parallel: int, poll_interval_ms: int, polls_to_finish: int) -> Rehearsal:
    result = rehearse(None, roster, parallel=parallel, poll_interval_ms=poll_interval_ms,
                      polls_to_finish=polls_to_finish, timeout_s=RUN_TIMEOUT_S)
    if result.problems:
        raise SystemExit(f"build failed: {[str(problem) for problem in result.problems[:3]]}")
    return result


def describe(label: str, result: Rehearsal) -> str:
    requests = sum(row.run.requests for row in result.runs)
    failed = sum(1 for row in result.runs if not row.ok)
    stats = result.mock_stats
    per_run = statistics.mean(row.run.duration_s for row in result.runs)
    line = (f"{label}: {len(result.runs)} participants, {failed} failed, {requests} requests in {result.wall_s:.2f} s "
            f"= {requests / result.wall_s:.1f} req/s; Newman run {per_run:.2f} s mean")
    if stats is not None:
        line += f"; mock {stats.count} requests, median {stats.median_ms:.2f} ms, p99 {stats.p99_ms:.2f} ms, max {stats.max_ms:.2f} ms"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--poll-interval-ms", type=int, default=10)
    parser.add_argument("--polls-to-finish", type=int, default=2)
    args = parser.parse_args()
    if not 1 <= args.participants <= MAX_PARTICIPANTS:
        parser.error(f"--participants must be between 1 and {MAX_PARTICIPANTS}")
    work = Path(tempfile.mkdtemp(prefix="pmforge-rehearse-bench-"))
    options = {"poll_interval_ms": args.poll_interval_ms, "polls_to_finish": args.polls_to_finish}
    try:
        make_roster(work / "one.csv", 1)
        make_roster(work / "class.csv", args.participants)
        print(f"{os.cpu_count()} CPUs; parallel {args.parallel}; poll interval {args.poll_interval_ms} ms; "
              f"jobs finish after {args.polls_to_finish} polls")
        alone = measure(work / "one.csv", parallel=1, **options)
        print(describe("alone", alone))
        crowd = measure(work / "class.csv", parallel=args.parallel, **options)
        print(describe("class", crowd))
        for row in crowd.runs:
            for message in row.run.failures:
                print(f"  {row.participant}: {message}")
        alone_s = alone.runs[0].run.duration_s
        crowd_s = statistics.mean(row.run.duration_s for row in crowd.runs)
        print(f"a participant's run takes {crowd_s / alone_s:.1f}x as long in the class as alone; "
              f"the class took {crowd.wall_s:.1f} s, {crowd.wall_s / (alone_s * args.participants):.2f}x "
              f"of running them one after another")
    except NewmanMissing as error:
        sys.exit(f"error: {error}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
