"""What reading YAML with positions costs: the bundled course, and a v3 collection folder lint reads.

Three timings (CPU time of the process), each the best of REPEATS rounds of LOOPS calls:
  - ``yaml.load`` of the course with PyYAML's pure-Python SafeLoader: the floor, data without positions;
  - ``load_yaml_text`` of the course (data, positions, limits, duplicate keys);
  - ``read_collection`` of a participant's v3 folder (every file loaded once, positions from it).

With ``--baseline SRC`` (another checkout's ``src``, for instance ``/work/main/src``) the same
timings are taken for that code too, in child processes interleaved with this code's, and the
ratios this/baseline are printed: a before/after measured in the same run. The machine may be
shared: expect noise, and read the ratios.

    python bench/load_bench.py [--baseline SRC] [--loops N] [--repeats N] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "collections" / "aep-enablement" / "course.yaml"


def measure(tree: str, loops: int, repeats: int) -> dict[str, float]:
    """CPU seconds per call, best of ``repeats`` rounds, for the code importable as ``pmforge`` here.
    CPU time, not wall time: on a shared machine the time another process holds the core is not counted."""
    import yaml

    from pmforge.lint.v3_reading import read_collection
    from pmforge.loading import load_yaml_text

    text = COURSE.read_text(encoding="utf-8")
    calls = {
        "yaml.load (floor)": lambda: yaml.load(text, Loader=yaml.SafeLoader),
        "load_yaml_text course": lambda: load_yaml_text(text, str(COURSE)),
        "read_collection v3": lambda: read_collection(Path(tree)),
    }
    best: dict[str, float] = {}
    for _ in range(repeats):
        for name, call in calls.items():
            started = time.process_time()
            for _ in range(loops):
                call()
            best[name] = min(best.get(name, float("inf")), (time.process_time() - started) / loops)
    return best


def child(src: str, tree: str, loops: int, repeats: int) -> dict[str, float]:
    environment = {**os.environ, "PYTHONPATH": src}
    command = [sys.executable, __file__, "--child", tree, "--loops", str(loops), "--repeats", str(repeats)]
    output = subprocess.run(command, env=environment, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(output)


def v3_tree(work: Path) -> Path:
    from pmforge import building

    roster = work / "roster.csv"
    roster.write_text("ldap,sandbox\nlearner1,sandbox-1\n", encoding="utf-8")
    result = building.build(COURSE, roster, work / "out", collection_format="v3")
    if result.problems:
        raise SystemExit(f"build failed: {result.problems[:3]}")
    definitions = [path.parent.parent for path in (work / "out").rglob(".resources/definition.yaml")]
    return min(definitions, key=lambda path: len(path.parts))  # the collection, not one of its folders


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", help="another checkout's src directory to compare with")
    parser.add_argument("--loops", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="child processes per code, interleaved")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(measure(arguments.child, arguments.loops, arguments.repeats)))
        return
    work = Path(tempfile.mkdtemp(prefix="pmforge-load-bench-"))
    try:
        tree = str(v3_tree(work))
        sources = {"this": str(ROOT / "src")}
        if arguments.baseline:
            sources["baseline"] = str(Path(arguments.baseline).resolve())
        results: dict[str, dict[str, float]] = {name: {} for name in sources}
        for _ in range(arguments.rounds):  # interleaved, so a busy moment of the machine falls on both alike
            for name, src in sources.items():
                for key, value in child(src, tree, arguments.loops, arguments.repeats).items():
                    results[name][key] = min(results[name].get(key, float("inf")), value)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"load average {os.getloadavg()[0]:.1f}; CPU time per call, best of {arguments.repeats} x {arguments.rounds} "
          f"rounds of {arguments.loops} calls")
    floor = results["this"]["yaml.load (floor)"]
    for key in results["this"]:
        line = f"{key:<24} {results['this'][key] * 1000:8.2f} ms  {results['this'][key] / floor:5.2f}x floor"
        if "baseline" in results:
            before = results["baseline"][key]
            line += f"   baseline {before * 1000:8.2f} ms   this/baseline {results['this'][key] / before:5.2f}"
        print(line)


if __name__ == "__main__":
    main()
