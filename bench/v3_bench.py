"""What writing Postman's v3 tree costs: build a class as v2.1, as v3 and as both, in the same run.

The baseline is the v2.1 build of the same roster; each format is built twice in turn and the
faster run counts (the machine is shared: expect noise, read the ratios).

    python bench/v3_bench.py [SIZE]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from pmforge import building

FORMATS = ("v2.1", "v3", "both")


def make_roster(path: Path, size: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("ldap,sandbox\n")
        handle.writelines(f"learner{index:05d},sandbox-{index % 50}\n" for index in range(size))


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    work = Path(tempfile.mkdtemp(prefix="pmforge-v3-bench-"))
    try:
        roster = work / "roster.csv"
        make_roster(roster, size)
        best: dict[str, float] = {}
        files: dict[str, int] = {}
        for attempt in range(2):
            for collection_format in FORMATS:
                out = work / f"out-{collection_format}-{attempt}"
                start = time.perf_counter()
                result = building.build(None, roster, out, collection_format=collection_format)
                elapsed = time.perf_counter() - start
                if result.problems:
                    raise SystemExit(f"build failed: {result.problems[:3]}")
                best[collection_format] = min(best.get(collection_format, elapsed), elapsed)
                files[collection_format] = result.files
                shutil.rmtree(out)
        for collection_format in FORMATS:
            print(f"{collection_format:>5}: {files[collection_format]:>6} files, "
                  f"{best[collection_format] / size * 1000:.3f} ms/participant, "
                  f"ratio to v2.1 {best[collection_format] / best['v2.1']:.1f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
