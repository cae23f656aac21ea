"""Find Newman and run it on one collection and environment; its JSON report becomes a value."""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmforge.rehearsal.executables import find_executable

NEWMAN_VERSION = "6.2.2"
ENV_OVERRIDE = "PMFORGE_NEWMAN"
INSTALL_HINT = (f"install it with `npm ci` in the pmforge repository (package.json pins newman {NEWMAN_VERSION}), "
                f"or `npm install -g newman@{NEWMAN_VERSION}`; or point {ENV_OVERRIDE} at a newman executable")


class NewmanMissing(Exception):
    """Newman could not be found: the message says where we looked and how to install it."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{reason}; {INSTALL_HINT}")
        self.reason = reason


@dataclass(frozen=True)
class NewmanRun:
    """What one ``newman run`` did, read from its JSON report."""

    exit_code: int
    requests: int
    assertions: int
    assertions_failed: int
    failures: tuple[str, ...]
    duration_s: float
    executions: Mapping[str, int] = field(default_factory=dict)  # request name → times it ran
    output: str = ""  # the cli reporter's text and stderr, for when the report says too little

    @property
    def assertions_passed(self) -> int:
        return self.assertions - self.assertions_failed

    @property
    def failed(self) -> int:
        """Failed tests, request errors and script errors; at least 1 when Newman exited non-zero."""
        return max(len(self.failures), self.assertions_failed, 0 if self.exit_code == 0 else 1)

    @property
    def ok(self) -> bool:
        return self.failed == 0


def find_newman(*, environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """The Newman to run: $PMFORGE_NEWMAN, else the nearest node_modules/.bin/newman above the
    current directory or this package's source, else ``newman`` on PATH. Raises NewmanMissing."""
    return find_executable("newman", override=ENV_OVERRIDE, missing=NewmanMissing, environ=environ, cwd=cwd)


def _failure_text(failure: Mapping[str, Any]) -> str:
    error = failure.get("error") or {}
    source = (failure.get("source") or {}).get("name") or "collection"
    message = str(error.get("message") or error.get("name") or "unknown failure").strip()
    test = error.get("test")
    return f"{source}: {test}: {message}" if test else f"{source}: {message}"


def _read_report(path: Path) -> dict[str, Any] | None:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    run = report.get("run") if isinstance(report, dict) else None
    return run if isinstance(run, dict) else None


def _from_report(run: Mapping[str, Any], exit_code: int, duration_s: float, output: str) -> NewmanRun:
    stats = run.get("stats", {})
    executions = Counter(str(execution.get("item", {}).get("name")) for execution in run.get("executions", []))
    failures = tuple(_failure_text(failure) for failure in run.get("failures", []))
    if run.get("error"):
        failures += (f"collection: {run['error'].get('message', run['error'])}",)
    return NewmanRun(
        exit_code=exit_code,
        requests=int(stats.get("requests", {}).get("total", 0)),
        assertions=int(stats.get("assertions", {}).get("total", 0)),
        assertions_failed=int(stats.get("assertions", {}).get("failed", 0)),
        failures=failures,
        duration_s=duration_s,
        executions=dict(executions),
        output=output,
    )


def run_newman(collection: Path, environment: Path | None = None, *, env_vars: Mapping[str, str] | None = None,
               newman: Path | None = None, extra_args: Sequence[str] = (), timeout_s: float = 300.0) -> NewmanRun:
    """Run one collection with one environment; ``env_vars`` become ``--env-var NAME=VALUE``.

    Failures of the run (a failed test, a refused connection, an unloadable collection, a timeout)
    come back in the NewmanRun; only a missing Newman raises (NewmanMissing).
    """
    executable = newman or find_newman()
    with tempfile.TemporaryDirectory(prefix="pmforge-newman-") as scratch:
        report_path = Path(scratch) / "report.json"
        command = [str(executable), "run", str(collection)]
        if environment is not None:
            command += ["--environment", str(environment)]
        for name, value in (env_vars or {}).items():
            command += ["--env-var", f"{name}={value}"]
        command += ["--reporters", "cli,json", "--reporter-json-export", str(report_path), "--color", "off",
                    *extra_args]
        started = time.perf_counter()
        try:
            completed = subprocess.run(command, capture_output=True, text=True, encoding="utf-8",
                                       errors="replace", timeout=timeout_s, check=False)
        except FileNotFoundError as error:
            # Also what a missing `node` looks like: newman's launcher starts with `#!/usr/bin/env node`.
            raise NewmanMissing(f"cannot run {executable}: {error.strerror} (is Node.js on PATH?)") from None
        except subprocess.TimeoutExpired:
            return NewmanRun(exit_code=-1, requests=0, assertions=0, assertions_failed=0,
                             failures=(f"newman did not finish within {timeout_s:g} s",),
                             duration_s=time.perf_counter() - started)
        except PermissionError as error:
            raise NewmanMissing(f"cannot run {executable}: {error.strerror}") from None
        duration_s = time.perf_counter() - started
        output = completed.stdout + completed.stderr
        run = _read_report(report_path)
    if run is None:
        # Newman stops before writing a report when the collection or environment cannot be loaded.
        last_line = next((line for line in reversed(output.splitlines()) if line.strip()), "no output")
        return NewmanRun(exit_code=completed.returncode, requests=0, assertions=0, assertions_failed=0,
                         failures=(f"newman wrote no report: {last_line.strip()}",), duration_s=duration_s,
                         output=output)
    return _from_report(run, completed.returncode, duration_s, output)
