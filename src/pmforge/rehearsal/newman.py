"""Find Newman and run it on one collection and environment; its JSON report becomes a value."""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
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
class Check:
    """One outcome inside a run, in run order: an assertion (``pm.test``), or an error outside
    assertions (``kind`` "request": the request could not be sent; "script": a script threw)."""

    step: str  # the request's name
    name: str
    error: str | None = None
    kind: str = "assertion"
    skipped: bool = False
    attempt: int = 1  # which run of the step: a polling request runs once per poll


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
    checks: tuple[Check, ...] = ()

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


def _message(error: Mapping[str, Any] | None) -> str:
    error = error or {}
    return str(error.get("message") or error.get("name") or "unknown failure").strip()


def _failure_text(failure: Mapping[str, Any]) -> str:
    error = failure.get("error") or {}
    source = (failure.get("source") or {}).get("name") or "collection"
    test = error.get("test")
    return f"{source}: {test}: {_message(error)}" if test else f"{source}: {_message(error)}"


def _checks(run: Mapping[str, Any]) -> tuple[Check, ...]:
    checks = []
    attempts: Counter[str] = Counter()
    for execution in run.get("executions") or []:
        step = str((execution.get("item") or {}).get("name"))
        attempts[step] += 1
        for assertion in execution.get("assertions") or []:
            error = assertion.get("error")
            checks.append(Check(step, str(assertion.get("assertion")), _message(error) if error else None,
                                skipped=bool(assertion.get("skipped")), attempt=attempts[step]))
    for failure in run.get("failures") or []:
        error = failure.get("error") or {}
        if error.get("test"):
            continue  # an assertion: already there
        at = str(failure.get("at") or "")
        step = str((failure.get("source") or {}).get("name") or "collection")
        kind = "request" if at == "request" else "script"
        checks.append(Check(step, at or kind, _message(error), kind))
    if run.get("error"):
        checks.append(Check("collection", "run", _message(run["error"]), "script"))
    return tuple(checks)


def _environment_values(environment: Path | None) -> list[dict[str, Any]]:
    if environment is None:
        return []
    try:
        values = json.loads(environment.read_text(encoding="utf-8")).get("values", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [item for item in values if isinstance(item, dict)] if isinstance(values, list) else []


def secret_names(environment: Path | None) -> list[str]:
    """The variables an environment file types ``secret``."""
    return [str(item.get("key")) for item in _environment_values(environment) if item.get("type") == "secret"]


def secret_values(environment: Path | None, env_vars: Mapping[str, str] | None,
                  report: Mapping[str, Any] | None = None) -> set[str]:
    """Every value a secret variable held: in the environment file, in ``env_vars``, and at the end
    of the run (``report["environment"]``, as Newman's JSON report has it)."""
    names = set(secret_names(environment))
    final = ((report or {}).get("environment") or {}).get("values") or []
    values = {str(item.get("value") or "") for item in [*_environment_values(environment), *final]
              if isinstance(item, dict) and item.get("key") in names}
    values.update(str(value) for name, value in (env_vars or {}).items() if name in names)
    values.discard("")
    return values


MASK = "***"
MASKED_PREFIX = 8  # a secret's first characters, at least this many, are masked too: messages cut values short


def masked(text: str, secrets: Collection[str]) -> str:
    """``text`` with every secret value replaced by ``***``, and any cut-off start of one too
    (chai shortens long values in its messages: ``expected 'eyJhbGciOiJSUzI1NiIsIng1dSI6…'``)."""
    for secret in sorted(secrets, key=len, reverse=True):
        start = secret[:MASKED_PREFIX]
        found = text.find(start)
        while found != -1:
            end = found + len(start)
            while end < len(text) and end - found < len(secret) and text[end] == secret[end - found]:
                end += 1
            text = text[:found] + MASK + text[end:]
            found = text.find(start, found + len(MASK))
    return text


def _read_json_report(path: Path) -> dict[str, Any] | None:
    """A JSON report as written: ``{"run": {...}, "environment": {...}, ...}``, or None."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return report if isinstance(report, dict) and isinstance(report.get("run"), dict) else None


def _read_report(path: Path) -> dict[str, Any] | None:
    """The ``run`` of a JSON report (Newman's or the Postman CLI's), or None."""
    report = _read_json_report(path)
    return None if report is None else report["run"]


def from_report(report: Mapping[str, Any], exit_code: int, duration_s: float, output: str = "", *,
                secrets: Collection[str] = ()) -> NewmanRun:
    """A NewmanRun from Newman's JSON report (``{"run": {...}, ...}``), secret values masked."""
    run = report["run"]
    stats = run.get("stats") or {}
    executions = Counter(str((execution.get("item") or {}).get("name")) for execution in run.get("executions") or [])
    failures = tuple(_failure_text(failure) for failure in run.get("failures") or [])
    if run.get("error"):
        failures += (f"collection: {_message(run['error'])}",)
    return masked_run(NewmanRun(
        exit_code=exit_code,
        requests=int((stats.get("requests") or {}).get("total", 0)),
        assertions=int((stats.get("assertions") or {}).get("total", 0)),
        assertions_failed=int((stats.get("assertions") or {}).get("failed", 0)),
        failures=failures,
        duration_s=duration_s,
        executions=dict(executions),
        output=output,
        checks=_checks(run),
    ), secrets)


def masked_run(run: NewmanRun, secrets: Collection[str]) -> NewmanRun:
    """``run`` with every secret value masked in what it says: failures, checks and output (any runner)."""
    checks = tuple(replace(check, name=masked(check.name, secrets),
                           error=None if check.error is None else masked(check.error, secrets))
                   for check in run.checks)
    return replace(run, failures=tuple(masked(failure, secrets) for failure in run.failures),
                   output=masked(run.output, secrets), checks=checks)


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
        report = _read_json_report(report_path)
    secrets = secret_values(environment, env_vars, report)
    output = masked(output, secrets)
    if report is None:
        # Newman stops before writing a report when the collection or environment cannot be loaded.
        last_line = next((line for line in reversed(output.splitlines()) if line.strip()), "no output")
        return NewmanRun(exit_code=completed.returncode, requests=0, assertions=0, assertions_failed=0,
                         failures=(f"newman wrote no report: {last_line.strip()}",), duration_s=duration_s,
                         output=output)
    return from_report(report, completed.returncode, duration_s, output, secrets=secrets)
