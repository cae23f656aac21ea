"""Everything the mock remembers, behind one lock: tokens, segment definitions and jobs.

Definitions and jobs are kept per (org, sandbox), the way AEP isolates sandboxes: a lookup from
another sandbox finds nothing. Readers always get deep copies, so a caller never sees a record
change under it or changes one by accident.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Scope = tuple[str, str]  # (IMS org, sandbox name)


@dataclass
class _Job:
    scope: Scope
    body: dict[str, Any]
    fails: bool
    polls: int = 0


@dataclass
class _Sandbox:
    definitions: dict[str, dict[str, Any]] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)


class MockState:
    """Thread-safe store shared by all request threads of one mock server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, str] = {}
        self._sandboxes: dict[Scope, _Sandbox] = {}
        self._jobs: dict[str, _Job] = {}

    # -- tokens ---------------------------------------------------------------------------------

    def add_token(self, token: str, client_id: str) -> None:
        with self._lock:
            self._tokens[token] = client_id

    def token_owner(self, token: str) -> str | None:
        """The client_id the token was issued to, or None if the mock never issued it."""
        with self._lock:
            return self._tokens.get(token)

    def token_count(self) -> int:
        with self._lock:
            return len(self._tokens)

    # -- definitions ----------------------------------------------------------------------------

    def add_definition(self, scope: Scope, definition: dict[str, Any]) -> bool:
        """Store a definition; False (and nothing stored) if its name is taken in that sandbox."""
        with self._lock:
            sandbox = self._sandboxes.setdefault(scope, _Sandbox())
            if definition["name"] in sandbox.names:
                return False
            sandbox.names.add(definition["name"])
            sandbox.definitions[definition["id"]] = copy.deepcopy(definition)
            return True

    def definition(self, scope: Scope, definition_id: str) -> dict[str, Any] | None:
        with self._lock:
            sandbox = self._sandboxes.get(scope)
            found = sandbox.definitions.get(definition_id) if sandbox else None
            return copy.deepcopy(found) if found is not None else None

    def definitions(self, org: str | None = None, sandbox: str | None = None) -> list[dict[str, Any]]:
        """All stored definitions (the API's shape: name, createdBy, imsOrgId, sandbox...), oldest first.

        ``org`` and ``sandbox`` narrow the list when given.
        """
        with self._lock:
            found = [
                definition
                for (scope_org, scope_sandbox), store in self._sandboxes.items()
                if org in (None, scope_org) and sandbox in (None, scope_sandbox)
                for definition in store.definitions.values()
            ]
            return sorted(copy.deepcopy(found), key=lambda d: d["creationTime"])

    # -- jobs -----------------------------------------------------------------------------------

    def add_job(self, scope: Scope, job: dict[str, Any], *, fails: bool) -> None:
        with self._lock:
            self._jobs[job["id"]] = _Job(scope, copy.deepcopy(job), fails)

    def poll_job(self, scope: Scope, job_id: str,
                 advance: Callable[[dict[str, Any], int, bool], None]) -> dict[str, Any] | None:
        """Count one GET of a job, let ``advance(job, polls, fails)`` move it on, return a copy.

        The count and the move happen under the lock, so concurrent pollers each see one step.
        """
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.scope != scope:
                return None
            job.polls += 1
            advance(job.body, job.polls, job.fails)
            return copy.deepcopy(job.body)

    def jobs(self, org: str | None = None, sandbox: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            found = [job.body for job in self._jobs.values()
                     if org in (None, job.scope[0]) and sandbox in (None, job.scope[1])]
            return copy.deepcopy(found)
