"""Build a class of 1,000 and 10,000 participants and compare with two floors measured in the same run.

- serialise+write (the target's floor): the documents pmforge wrote, read back, dumped again in the one
  canonical form and written file by file, without pmforge;
- write only: the same bytes, already serialised, written file by file (what no build can beat).

Every file is checked: the build runs every check of ``pmforge build``, and each participant has a
searchable CLIENT_SECRET, so the secret search runs for everyone. Only the dumping and writing of a floor
is timed (reading back and parsing are not). Wall time and CPU time (``process_time``) are printed side
by side, CPU time split into user (the process's own work) and system (the kernel writing files for
it): on a shared machine wall time follows the load, and so does system time (page cache, other
writers); user time is the steadiest figure.

``--repeat N`` runs the build and the floors N times, interleaved (on odd runs the floors go first, from
the previous run's identical output), and prints each run, the spread of each figure (the noise), the
ratio of the best times and each run's CPU-time ratio.

    python bench/build_bench.py [--repeat N] [SIZES...]
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pmforge import building
from pmforge.rendering import canonical


def make_roster(path: Path, size: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("ldap,sandbox,API_KEY,IMS_ORG,CLIENT_SECRET\n")
        for index in range(size):
            secret = hashlib.sha256(f"bench-{index}".encode()).hexdigest()[:32]
            handle.write(f"learner{index:05d}@example.com,sandbox-{index % 50},key-{index},ORG{index % 7}@AdobeOrg,{secret}\n")


def _usage() -> resource.struct_rusage:
    return resource.getrusage(resource.RUSAGE_SELF)  # microseconds, where os.times() counts clock ticks


@dataclass
class Times:
    wall: float = 0.0
    user: float = 0.0  # CPU time in the process itself
    system: float = 0.0  # CPU time in the kernel on its behalf: mostly writing files, which follows the machine's state

    @property
    def cpu(self) -> float:
        return self.user + self.system

    def add(self, wall: float, cpu: resource.struct_rusage) -> None:
        now = _usage()
        self.wall += time.perf_counter() - wall
        self.user += now.ru_utime - cpu.ru_utime
        self.system += now.ru_stime - cpu.ru_stime

    def __str__(self) -> str:
        return f"{self.wall:6.2f} s (CPU {self.cpu:6.2f} s = user {self.user:.2f} + system {self.system:.2f})"


def _ratios(made: Times, base: Times) -> str:
    return f"wall {made.wall / base.wall:4.2f}x, CPU {made.cpu / base.cpu:4.2f}x, user {made.user / base.user:4.2f}x"


def floors(out: Path, work: Path) -> tuple[Times, Times]:
    """Serialise+write and write-only, file by file in turn; only the dumping and writing are timed."""
    serialised, written = Times(), Times()
    for folder in (work / "floor-serialise", work / "floor-write"):
        shutil.rmtree(folder, ignore_errors=True)
    made: set[Path] = set()
    for path in sorted(out.glob("*/*.json")):
        relative = path.relative_to(out)
        text = path.read_text(encoding="utf-8")
        document = json.loads(text)
        for folder, times, data in ((work / "floor-serialise", serialised, None), (work / "floor-write", written, text)):
            target = folder / relative
            wall, cpu = time.perf_counter(), _usage()
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            with open(target, "w", encoding="utf-8") as handle:
                handle.write(canonical(document) if data is None else data)
            times.add(wall, cpu)
    return serialised, written


def build(roster: Path, out: Path) -> Times:
    shutil.rmtree(out, ignore_errors=True)
    times, wall, cpu = Times(), time.perf_counter(), _usage()
    result = building.build(None, roster, out)
    times.add(wall, cpu)
    if result.problems:
        raise SystemExit(f"build failed: {result.problems[:3]}")
    return times


def _spread(values: list[float]) -> str:
    low, high = min(values), max(values)
    return f"{low:.2f}-{high:.2f} s (±{(high - low) / 2 / statistics.mean(values) * 100:.0f}%)"


def run(size: int, work: Path, repeat: int) -> None:
    roster = work / f"roster-{size}.csv"
    make_roster(roster, size)
    out = work / f"out-{size}"
    builds: list[Times] = []
    serialised: list[Times] = []
    written: list[Times] = []
    for attempt in range(repeat):
        load = os.getloadavg()[0]
        if attempt % 2:  # the floors first this time, from the previous build's output (the same bytes)
            base, bare = floors(out, work)
            made = build(roster, out)
        else:
            made = build(roster, out)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            base, bare = floors(out, work)
        builds.append(made)
        serialised.append(base)
        written.append(bare)
        peak_text = f"; peak RSS after the build {peak:.0f} MiB" if attempt == 0 else ""
        print(
            f"{size:>6} participants, run {attempt + 1}: pmforge {made}; floor serialise+write {base}, write only {bare}; "
            f"pmforge / serialise+write: {_ratios(made, base)}; / write only: {_ratios(made, bare)}; "
            f"{made.wall / size * 1000:.3f} ms/participant; load average {load:.1f} -> {os.getloadavg()[0]:.1f}{peak_text}",
            flush=True,
        )
    if repeat > 1:
        best, floor_best = min(t.wall for t in builds), min(t.wall for t in serialised)
        cpu_ratios = [made.cpu / base.cpu for made, base in zip(builds, serialised)]
        user_ratios = [made.user / base.user for made, base in zip(builds, serialised)]
        print(
            f"{size:>6} participants, {repeat} runs: pmforge {_spread([t.wall for t in builds])}, floor serialise+write "
            f"{_spread([t.wall for t in serialised])}, write only {_spread([t.wall for t in written])} (the spread is the noise); "
            f"best against best: wall {best / floor_best:.2f}x, CPU {min(t.cpu for t in builds) / min(t.cpu for t in serialised):.2f}x; "
            f"CPU-time ratio per run {', '.join(f'{r:.2f}x' for r in cpu_ratios)} (median {statistics.median(cpu_ratios):.2f}x), "
            f"user CPU {', '.join(f'{r:.2f}x' for r in user_ratios)} (median {statistics.median(user_ratios):.2f}x)",
            flush=True,
        )


def main() -> None:
    args = sys.argv[1:]
    repeat = 1
    if args[:1] == ["--repeat"] and len(args) > 1 and args[1].isdigit() and int(args[1]) > 0:
        repeat, args = int(args[1]), args[2:]
    if not all(arg.isdigit() and int(arg) > 0 for arg in args):
        sys.exit("usage: python bench/build_bench.py [--repeat N] [PARTICIPANTS ...]  (default: 1000 10000)")
    sizes = [int(arg) for arg in args] or [1000, 10000]
    work = Path(tempfile.mkdtemp(prefix="pmforge-bench-"))
    try:
        for size in sizes:
            run(size, work, repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
