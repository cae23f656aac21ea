"""A class built with and without --handouts: files, bytes and time, and the ratio between them.

Both builds run in the same process on the same roster, so the ratio holds
across machines; the absolute times do not (a shared machine is noisy).

    python bench/handouts_bench.py [SIZES...]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from pmforge import building

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_bench import make_roster  # noqa: E402  (the same roster as the build benchmark)


def measure(roster: Path, out: Path, *, with_handouts: bool) -> tuple[float, int, int]:
    start = time.perf_counter()
    result = building.build(None, roster, out, with_handouts=with_handouts)
    elapsed = time.perf_counter() - start
    if result.problems:
        raise SystemExit(f"build failed: {result.problems[:3]}")
    files = [path for path in out.rglob("*") if path.is_file()]
    return elapsed, len(files), sum(path.stat().st_size for path in files)


def run(size: int, work: Path) -> None:
    roster = work / f"roster-{size}.csv"
    make_roster(roster, size)
    plain = measure(roster, work / f"plain-{size}", with_handouts=False)
    full = measure(roster, work / f"handouts-{size}", with_handouts=True)
    index = (work / f"handouts-{size}" / "index.html").stat().st_size
    for label, (elapsed, files, size_bytes) in (("without", plain), ("with --handouts", full)):
        print(f"{size:>6} participants {label:>16}: {files:>6} files, {size_bytes / 1e6:7.1f} MB, {elapsed:6.2f} s = {elapsed / size * 1000:.2f} ms/participant")
    print(f"{'':>6} handouts cost {full[0] / plain[0]:.1f}x the time and {full[2] / plain[2]:.1f}x the bytes; class page {index / 1e3:.0f} kB")


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [1000]
    work = Path(tempfile.mkdtemp(prefix="pmforge-bench-"))
    try:
        for size in sizes:
            run(size, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
