"""How long pmforge takes to start: ``pmforge --version`` and ``pmforge --help`` against ``python -c pass``.

Each is run as a fresh process RUNS times, interleaved so that a busy moment of the machine falls on
all three alike; the median wall time is printed with its ratio to the baseline measured in the same
run, and the target (``--version`` under 100 ms). A shared machine makes single runs noisy: read the
medians, and run it again when in doubt.

    python bench/startup_bench.py [RUNS]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

TARGET_MS = 100.0
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    # What the `pmforge` console script does, without depending on where pip put it.
    "pmforge --version": [sys.executable, "-c", "from pmforge.cli import main; main()", "--version"],
    "pmforge --help": [sys.executable, "-c", "from pmforge.cli import main; main()", "--help"],
}


def once(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - started) * 1000


def main(runs: int) -> None:
    load_before = os.getloadavg()[0]
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for command in COMMANDS.values():  # warm the file cache and the bytecode
        once(command)
    for _ in range(runs):
        for name, command in COMMANDS.items():
            times[name].append(once(command))
    baseline = statistics.median(times["python -c pass"])
    print(f"{runs} runs each, median wall time of a fresh process; load average {load_before:.1f} -> "
          f"{os.getloadavg()[0]:.1f}")
    for name, measured in times.items():
        median = statistics.median(measured)
        print(f"{name:<20} {median:7.1f} ms  (min {min(measured):6.1f}, max {max(measured):6.1f})  "
              f"{median / baseline:5.2f}x python -c pass")
    version = statistics.median(times["pmforge --version"])
    verdict = "within" if version < TARGET_MS else "over"
    print(f"pmforge --version: {version:.1f} ms, {verdict} the {TARGET_MS:.0f} ms target; "
          f"{version - baseline:.1f} ms above the interpreter's own start")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
