"""Run one collection and environment in the Postman CLI; its JSON report becomes a NewmanRun.

The Postman CLI (``postman collection run``) is Newman's maintained successor. Its own JSON
report (not Newman's) lists each execution with its tests and request errors; they are read
into the same value ``run_newman`` returns, with failures worded the same way, so that a
rehearsal table says the same thing whichever runner ran it.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

# Both reports keep the run under "run"; only what is inside differs.
from pmforge.rehearsal.newman import Check, NewmanRun, _read_report, masked_run, secret_names, secret_values
from pmforge.rehearsal.postman_cli import find_postman, run_postman


def _message(error: Mapping[str, Any]) -> str:
    return str(error.get("message") or error.get("name") or "unknown failure").strip()


def _failures(execution: Mapping[str, Any]) -> list[str]:
    """As Newman words and orders them: ``REQUEST: MESSAGE`` for a request or script error,
    ``REQUEST: TEST: MESSAGE`` for a failed test; an error of the test script after its failed tests."""
    request = execution.get("requestExecuted") or {}
    name = str(request.get("name") or "collection")
    errors = [error for error in execution.get("errors") or [] if isinstance(error, dict)]
    tests = [test for test in execution.get("tests") or [] if isinstance(test, dict) and test.get("status") == "failed"]
    found = [f"{name}: {_message(error)}" for error in errors if error.get("source") != "post-response"]
    for test in tests:
        error = test.get("error") if isinstance(test.get("error"), dict) else {}
        found.append(f"{name}: {test.get('name') or error.get('test')}: {_message(error)}")
    return found + [f"{name}: {_message(error)}" for error in errors if error.get("source") == "post-response"]


def _checks(executions: list[dict[str, Any]]) -> tuple[Check, ...]:
    """Each test as a Check, and each request or script error, as newman.from_report gives them."""
    checks = []
    attempts: Counter[str] = Counter()
    for execution in executions:
        step = str((execution.get("requestExecuted") or {}).get("name") or "collection")
        attempts[step] += 1
        for test in execution.get("tests") or []:
            if isinstance(test, dict):
                error = test.get("error") if isinstance(test.get("error"), dict) else {}
                checks.append(Check(step, str(test.get("name")), _message(error) if test.get("status") == "failed" else None,
                                    skipped=test.get("status") == "skipped", attempt=attempts[step]))
        for error in execution.get("errors") or []:
            if isinstance(error, dict):
                kind = "request" if error.get("source") == "request" else "script"
                checks.append(Check(step, str(error.get("source") or kind), _message(error), kind, attempt=attempts[step]))
    return tuple(checks)


def _from_report(run: Mapping[str, Any], exit_code: int, duration_s: float, output: str) -> NewmanRun:
    summary = run.get("summary") or {}
    tests = summary.get("tests") or {}
    executions = [e for e in run.get("executions") or [] if isinstance(e, dict)]
    failures = tuple(text for execution in executions for text in _failures(execution))
    if run.get("runError"):
        error = run["runError"]
        failures += (f"collection: {_message(error) if isinstance(error, dict) else error}",)
    return NewmanRun(
        exit_code=exit_code,
        requests=int((summary.get("executedRequests") or {}).get("executed", 0)),
        assertions=int(tests.get("executed", 0)),
        assertions_failed=int(tests.get("failed", 0)),
        failures=failures,
        duration_s=duration_s,
        executions=dict(Counter(str((e.get("requestExecuted") or {}).get("name")) for e in executions)),
        output=output,
        checks=_checks(executions),
    )


_VARIABLE = re.compile(r"\{\{([^{}]+)\}\}")


def _secret_headers(items: list[Any], names: set[str]) -> Iterator[tuple[str, str]]:
    """(header name in lower case, value) of every header a request gives a secret variable."""
    for item in items:
        if isinstance(item.get("item"), list):
            yield from _secret_headers(item["item"], names)
            continue
        for header in (item.get("request") or {}).get("header") or []:
            value = header.get("value")
            if isinstance(value, str) and any(name.strip() in names for name in _VARIABLE.findall(value)):
                yield str(header.get("key", "")).lower(), value


def _reader(template: str, names: set[str]) -> tuple[re.Pattern[str], list[int]]:
    """A pattern a sent value matches when it comes from ``template``, and its groups that hold secrets."""
    parts = _VARIABLE.split(template)  # literal text, variable name, literal text, ...
    pattern = "".join("(.*?)" if index % 2 else re.escape(part) for index, part in enumerate(parts))
    return re.compile(pattern, re.DOTALL), [index // 2 + 1 for index in range(1, len(parts), 2) if parts[index].strip() in names]


def sent_secrets(collection: Path, run: Mapping[str, Any], names: set[str]) -> set[str]:
    """The values secret variables had in the headers the run sent, read back from the report's requests
    against the collection's (``Bearer {{ACCESS_TOKEN}}``): the Postman CLI reports no final environment,
    so a token the run obtained itself is known only this way. Reads a v2.1 file; a v3 folder gives nothing."""
    try:
        items = json.loads(collection.read_text(encoding="utf-8"))["item"]
    except (OSError, ValueError, KeyError, TypeError):
        return set()
    readers = [(key, *_reader(template, names)) for key, template in set(_secret_headers(items, names))]
    found = set()
    for execution in run.get("executions") or []:
        for header in (execution.get("requestExecuted") or {}).get("headers") or []:
            for key, pattern, groups in readers:
                match = key == str(header.get("key")).lower() and pattern.fullmatch(str(header.get("value")))
                if match:
                    found.update(match.group(group) for group in groups)
    found.discard("")
    return found


def _nothing_reported(exit_code: int, what: str, duration_s: float, output: str = "") -> NewmanRun:
    return NewmanRun(exit_code=exit_code, requests=0, assertions=0, assertions_failed=0,
                     failures=(f"the Postman CLI {what}",), duration_s=duration_s, output=output)


def run_postman_collection(collection: Path, environment: Path | None = None, *,
                           env_vars: Mapping[str, str] | None = None, postman: Path | None = None,
                           timeout_s: float = 300.0) -> NewmanRun:
    """``postman collection run`` on one collection (a v2.1 file or a v3 folder) with one environment.

    Each run has a HOME of its own (the CLI writes ``~/.postman``). Failures of the run come back
    in the NewmanRun, as from ``run_newman``; only a missing CLI raises (PostmanMissing).
    """
    executable = postman or find_postman()
    with tempfile.TemporaryDirectory(prefix="pmforge-postman-") as scratch:
        report_path = Path(scratch) / "report.json"
        args = ["collection", "run", str(collection)]
        if environment is not None:
            args += ["--environment", str(environment)]
        for name, value in (env_vars or {}).items():
            args += ["--env-var", f"{name}={value}"]
        args += ["--reporters", "cli,json", "--reporter-json-export", str(report_path), "--color", "off"]
        started = time.perf_counter()
        try:
            completed = run_postman(args, home=Path(scratch), postman=executable, timeout_s=timeout_s)
        except subprocess.TimeoutExpired:
            return _nothing_reported(-1, f"did not finish within {timeout_s:g} s", time.perf_counter() - started)
        duration_s = time.perf_counter() - started
        output = completed.stdout + completed.stderr
        run = _read_report(report_path)
    secrets = secret_values(environment, env_vars)
    if run is not None:
        secrets |= sent_secrets(collection, run, set(secret_names(environment)))
        return masked_run(_from_report(run, completed.returncode, duration_s, output), secrets)
    # It stops before writing a report when the collection or environment cannot be loaded.
    last_line = next((line.strip() for line in reversed(output.splitlines()) if line.strip()), "no output")
    return masked_run(_nothing_reported(completed.returncode, f"wrote no report: {last_line}", duration_s, output), secrets)
