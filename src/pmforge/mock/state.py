"""Everything the mock remembers, behind one lock: tokens, segment definitions and jobs.

Definitions and jobs are kept per (org, sandbox), the way AEP isolates sandboxes: a lookup from
another sandbox finds nothing. Readers always get deep copies, so a caller never sees a record
change under it or changes one by accident.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Scope = tuple[str, str]  # (IMS org, sandbox name)
Seed = Callable[[str, str, str], dict[str, Any]]  # (org, sandbox, name) -> a stored definition


@dataclass
class JobRecord:
    """A job as the mock keeps it: the API's body plus what drives its statuses."""

    scope: Scope
    body: dict[str, Any]
    fails: bool
    polls: int = 0
    cancelled: bool = False
    polls_since_cancel: int = 0


@dataclass
class _Sandbox:
    # Insertion order is creation order: the list endpoint pages through it.
    definitions: dict[str, dict[str, Any]] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)


@dataclass
class _Token:
    client_id: str
    uses: int = 0


class MockState:
    """Thread-safe store shared by all request threads of one mock server.

    ``existing`` lists (sandbox, name) pairs of definitions that are already there, in any org,
    the first time that sandbox is used; ``seed`` builds them.
    """

    def __init__(self, existing: Iterable[tuple[str, str]] = (), seed: Seed | None = None) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, _Token] = {}
        self._sandboxes: dict[Scope, _Sandbox] = {}
        self._jobs: dict[str, JobRecord] = {}
        self._gateway_requests: dict[Scope, int] = {}
        self._existing = tuple(existing)
        self._seed = seed
        if self._existing and seed is None:
            raise ValueError("existing definitions need a seed function")

    # -- tokens ---------------------------------------------------------------------------------

    def add_token(self, token: str, client_id: str) -> None:
        with self._lock:
            self._tokens[token] = _Token(client_id)

    def token_owner(self, token: str) -> str | None:
        """The client_id the token was issued to, or None if the mock never issued it."""
        with self._lock:
            found = self._tokens.get(token)
            return found.client_id if found else None

    def use_token(self, token: str, limit: int | None) -> str | None:
        """Count one gateway request made with ``token``: its owner, or None if the mock never issued
        it or it has already served ``limit`` requests (then it has expired)."""
        with self._lock:
            found = self._tokens.get(token)
            if found is None or (limit is not None and found.uses >= limit):
                return None
            found.uses += 1
            return found.client_id

    def token_count(self) -> int:
        with self._lock:
            return len(self._tokens)

    def count_gateway_request(self, scope: Scope) -> int:
        """Count one request the gateway let through into ``scope``; return its number (1, 2, ...)."""
        with self._lock:
            self._gateway_requests[scope] = self._gateway_requests.get(scope, 0) + 1
            return self._gateway_requests[scope]

    # -- definitions ----------------------------------------------------------------------------

    def _sandbox(self, scope: Scope) -> _Sandbox:
        """The sandbox's store, created (with its existing definitions) on first use. Lock held."""
        sandbox = self._sandboxes.get(scope)
        if sandbox is None:
            sandbox = self._sandboxes[scope] = _Sandbox()
            for sandbox_name, name in self._existing:
                if sandbox_name == scope[1] and name not in sandbox.names and self._seed is not None:
                    definition = self._seed(scope[0], scope[1], name)
                    sandbox.names.add(name)
                    sandbox.definitions[definition["id"]] = definition
        return sandbox

    def add_definition(self, scope: Scope, definition: dict[str, Any]) -> bool:
        """Store a definition; False (and nothing stored) if its name is taken in that sandbox."""
        with self._lock:
            sandbox = self._sandbox(scope)
            if definition["name"] in sandbox.names:
                return False
            sandbox.names.add(definition["name"])
            sandbox.definitions[definition["id"]] = copy.deepcopy(definition)
            return True

    def definition(self, scope: Scope, definition_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._sandbox(scope).definitions.get(definition_id)
            return copy.deepcopy(found) if found is not None else None

    def delete_definition(self, scope: Scope, definition_id: str) -> bool:
        """Remove a definition (its name is free again); False if the sandbox has no such id."""
        with self._lock:
            sandbox = self._sandbox(scope)
            found = sandbox.definitions.pop(definition_id, None)
            if found is None:
                return False
            sandbox.names.discard(found["name"])
            return True

    def sandbox_definitions(self, scope: Scope) -> list[dict[str, Any]]:
        """One sandbox's definitions in creation order (what the list endpoint pages through)."""
        with self._lock:
            return copy.deepcopy(list(self._sandbox(scope).definitions.values()))

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
            self._jobs[job["id"]] = JobRecord(scope, copy.deepcopy(job), fails)

    def poll_job(self, scope: Scope, job_id: str, advance: Callable[[JobRecord], None]) -> dict[str, Any] | None:
        """Count one GET of a job, let ``advance(record)`` move it on, return a copy of its body.

        The count and the move happen under the lock, so concurrent pollers each see one step.
        """
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.scope != scope:
                return None
            job.polls += 1
            if job.cancelled:
                job.polls_since_cancel += 1
            advance(job)
            return copy.deepcopy(job.body)

    def cancel_job(self, scope: Scope, job_id: str, cancel: Callable[[JobRecord], None]) -> bool:
        """Let ``cancel(record)`` mark a job for cancellation; False if the sandbox has no such job."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.scope != scope:
                return False
            cancel(job)
            return True

    def jobs(self, org: str | None = None, sandbox: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            found = [job.body for job in self._jobs.values()
                     if org in (None, job.scope[0]) and sandbox in (None, job.scope[1])]
            return copy.deepcopy(found)
