"""Build a class of 1,000 and 10,000 participants and compare with a floor.

The floor serialises and writes the same bytes without pmforge: the documents
pmforge produced, dumped with json.dumps and written file by file. Both are
measured in the same run, so the ratio holds across machines. Every file is
checked: the build runs every check of ``pmforge build``.

On a shared machine one run says little: ``--repeat N`` builds and writes the
floor N times, interleaved, and prints each run, the spread (the noise) and the
ratio of the best times.

    python bench/build_bench.py [--repeat N] [SIZES...]
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from pmforge import building
from pmforge.rendering import canonical


def make_roster(path: Path, size: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("ldap,sandbox,API_KEY,IMS_ORG\n")
        for index in range(size):
            handle.write(f"learner{index:05d}@example.com,sandbox-{index % 50},key-{index},ORG{index % 7}@AdobeOrg\n")


def floor(out: Path, documents: list[tuple[str, object]]) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    made: set[Path] = set()
    for relative, document in documents:
        path = out / relative
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(canonical(document))
    return time.perf_counter() - start, time.process_time() - cpu


def run(size: int, work: Path, repeat: int) -> None:
    roster = work / f"roster-{size}.csv"
    make_roster(roster, size)
    builds: list[float] = []
    floors: list[float] = []
    cpu_ratios: list[float] = []
    for attempt in range(repeat):
        out = work / f"out-{size}"
        shutil.rmtree(out, ignore_errors=True)
        start, cpu = time.perf_counter(), time.process_time()
        result = building.build(None, roster, out)
        elapsed, elapsed_cpu = time.perf_counter() - start, time.process_time() - cpu
        if result.problems:
            raise SystemExit(f"build failed: {result.problems[:3]}")
        # Measured before the floor, which holds every document in memory at once.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        documents = [
            (str(path.relative_to(out)), json.loads(path.read_text(encoding="utf-8")))
            for path in sorted(out.glob("*/*.json"))
        ]
        shutil.rmtree(work / f"floor-{size}", ignore_errors=True)
        base, base_cpu = floor(work / f"floor-{size}", documents)
        del documents
        builds.append(elapsed)
        floors.append(base)
        cpu_ratios.append(elapsed_cpu / base_cpu)
        per = elapsed / size * 1000
        # From the second run on, the peak holds the previous floor's documents too.
        peak_text = f"; peak RSS after the build {peak:.0f} MiB" if attempt == 0 else ""
        print(
            f"{size:>6} participants: pmforge {elapsed:6.2f} s = {per:.3f} ms/participant; "
            f"floor {base:5.2f} s = {base / size * 1000:.3f} ms/participant; ratio {elapsed / base:4.2f}x "
            f"(CPU time {elapsed_cpu:.2f} s against {base_cpu:.2f} s: {elapsed_cpu / base_cpu:4.2f}x){peak_text}",
            flush=True,
        )
    if repeat > 1:
        print(
            f"{size:>6} participants, {repeat} runs: pmforge {min(builds):.2f}-{max(builds):.2f} s, "
            f"floor {min(floors):.2f}-{max(floors):.2f} s (spread = noise); best against best {min(builds) / min(floors):.2f}x; "
            f"CPU-time ratios {', '.join(f'{r:.2f}x' for r in cpu_ratios)}",
            flush=True,
        )


def main() -> None:
    args = sys.argv[1:]
    repeat = 1
    if args[:1] == ["--repeat"]:
        repeat, args = int(args[1]), args[2:]
    if not all(arg.isdigit() for arg in args):
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
