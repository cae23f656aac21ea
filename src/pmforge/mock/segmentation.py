"""The Segmentation API endpoints a class needs: definitions (create, list, read, delete) and jobs
(create, read, cancel)."""

from __future__ import annotations

import itertools
import json
import math
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from pmforge.mock.errors import FieldError, invalid_body, problem
from pmforge.mock.gateway import Caller
from pmforge.mock.messages import Reply, Request
from pmforge.mock.shapes import TERMINAL, build_definition, build_job, move_job, now_ms, status_after
from pmforge.mock.state import JobRecord, MockState
from pmforge.mock.validation import DEFINITION_SCHEMA, JOB_SCHEMA, check_definition, check_job, unknown_fields

BASE_PATH = "/data/core/ups"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
SORTABLE = ("name", "id", "description", "creationTime", "updateTime", "updateEpoch")


@dataclass(frozen=True)
class JobOptions:
    """How jobs end: after how many GETs, whether they fail, and whether the mock forgets them
    (``lose_jobs``: the POST answers 200, every later GET or DELETE of the job 404)."""

    polls_to_finish: int = 2
    fail_jobs: bool = False
    fail_marker: str | None = None
    lose_jobs: bool = False

    def __post_init__(self) -> None:
        if self.polls_to_finish < 1:
            raise ValueError("polls_to_finish must be at least 1")


class Segmentation:
    """Handlers for ``/segment/definitions`` and ``/segment/jobs``, called after the gateway checks.

    ``max_page_size`` is the most definitions one page of the list holds, whatever ``limit`` asks.
    """

    def __init__(self, state: MockState, jobs: JobOptions, *, max_page_size: int = MAX_LIMIT) -> None:
        if max_page_size < 1:
            raise ValueError("max_page_size must be at least 1")
        self._state = state
        self._jobs = jobs
        self._max_page_size = max_page_size
        # itertools.count is atomic under the GIL, so threads never share a compute job id.
        self._job_numbers = itertools.count(1)

    # -- definitions ----------------------------------------------------------------------------

    def create_definition(self, request: Request, caller: Caller) -> Reply:
        body, error = _json_body(request, what="segment definition")
        if error:
            return error
        field_errors = check_definition(body)
        if field_errors:
            return invalid_body("segment definition", field_errors)
        definition = build_definition(body, org=caller.org, sandbox=caller.sandbox)
        notes = _unknown_note(DEFINITION_SCHEMA, body)
        if not self._state.add_definition(caller.scope, definition):
            reply = problem(
                422,
                f"A segment definition named {definition['name']!r} already exists in sandbox "
                f"{caller.sandbox!r}. To change it, use PATCH.",
                errors=[FieldError("$.name", "already exists")],
            )
            return Reply(reply.status, reply.body, reply.headers, notes)
        location = f"{BASE_PATH}/segment/definitions/{definition['id']}"
        host = request.header("host")
        return Reply(200, definition, {"X-Location": f"http://{host}{location}" if host else location}, notes)

    def list_definitions(self, request: Request, caller: Caller) -> Reply:
        """One page of the sandbox's definitions, oldest first unless ``sort`` says otherwise."""
        params = request.query_params()
        numbers: dict[str, int] = {}
        for name, default, least in (("start", 0, 0), ("limit", DEFAULT_LIMIT, 1), ("page", 0, 0)):
            raw = params.get(name)
            value = _integer(raw, least) if raw is not None else default
            if value is None:
                return problem(400, f"Query parameter {name} must be an integer of at least {least}, "
                                    f"not {raw!r}.")
            numbers[name] = value
        definitions = self._state.sandbox_definitions(caller.scope)
        sort = params.get("sort")
        if sort:
            error = _sort(definitions, sort)
            if error:
                return problem(400, error)
        limit = min(numbers["limit"], self._max_page_size)
        offset = numbers["start"] + numbers["page"] * limit
        page = definitions[offset:offset + limit]
        after = offset + len(page)
        next_link = ""
        if after < len(definitions):
            query = {"start": after, "limit": limit, **({"sort": sort} if sort else {})}
            next_link = f"/segment/definitions?{urlencode(query)}"
        return Reply(200, {
            "segments": page,
            "page": {"totalCount": len(definitions), "totalPages": math.ceil(len(definitions) / limit),
                     "pageOffset": offset, "pageSize": len(page)},
            "link": {"next": next_link},
        })

    def get_definition(self, request: Request, caller: Caller, definition_id: str) -> Reply:
        definition = self._state.definition(caller.scope, definition_id)
        if definition is None:
            return _definition_not_found(definition_id, caller)
        return Reply(200, definition)

    def delete_definition(self, request: Request, caller: Caller, definition_id: str) -> Reply:
        if not self._state.delete_definition(caller.scope, definition_id):
            return _definition_not_found(definition_id, caller)
        # The spec's MessageResponse: {status: boolean, message: string}.
        return Reply(200, {"status": True, "message": f"Segment definition {definition_id} deleted."})

    # -- jobs -----------------------------------------------------------------------------------

    def create_job(self, request: Request, caller: Caller) -> Reply:
        body, error = _json_body(request, what="segment job")
        if error:
            return error
        field_errors = check_job(body)
        if field_errors:
            return invalid_body("segment job", field_errors)
        # The documented object form {"schema": ..., "segments": [...]}; "*" means every definition.
        items, where = (body["segments"], "$.segments") if isinstance(body, dict) else (body, "$")
        definitions: dict[str, dict[str, Any]] = {}
        for index, item in enumerate(items):
            if item["segmentId"] == "*" and isinstance(body, dict):
                definitions.update((d["id"], d) for d in self._state.sandbox_definitions(caller.scope))
                continue
            found = self._state.definition(caller.scope, item["segmentId"])
            if found is None:
                field_errors.append(FieldError(f"{where}[{index}].segmentId",
                                               f"segment definition {item['segmentId']!r} not found in sandbox "
                                               f"{caller.sandbox!r}"))
            else:
                definitions[found["id"]] = found
        if field_errors:
            return invalid_body("segment job", field_errors)
        chosen = list(definitions.values())
        job = build_job(
            chosen, org=caller.org, sandbox=caller.sandbox, job_number=next(self._job_numbers),
            request_id=request.header("x-request-id") or f"{uuid.uuid4()}-{now_ms()}",
            profile_instance=request.header("x-profile-instance-id") or "ups",
        )
        if not self._jobs.lose_jobs:
            self._state.add_job(caller.scope, job, fails=self._should_fail(chosen))
        return Reply(200, job, notes=_unknown_note(JOB_SCHEMA, body))

    def get_job(self, request: Request, caller: Caller, job_id: str) -> Reply:
        job = self._state.poll_job(caller.scope, job_id, self._advance)
        if job is None:
            return _job_not_found(job_id, caller)
        return Reply(200, job)

    def cancel_job(self, request: Request, caller: Caller, job_id: str) -> Reply:
        """204; the job's next GET shows CANCELLING and the one after CANCELLED. A finished job stays
        as it is (the docs do not say otherwise)."""
        if not self._state.cancel_job(caller.scope, job_id, _mark_cancelled):
            return _job_not_found(job_id, caller)
        return Reply(204, None)

    def _advance(self, job: JobRecord) -> None:
        if job.cancelled:
            move_job(job.body, "CANCELLING" if job.polls_since_cancel <= 1 else "CANCELLED")
            return
        move_job(job.body, status_after(job.polls, polls_to_finish=self._jobs.polls_to_finish, fails=job.fails))

    def _should_fail(self, definitions: list[dict[str, Any]]) -> bool:
        marker = self._jobs.fail_marker
        return self._jobs.fail_jobs or bool(marker and any(marker in d["name"] for d in definitions))


def _mark_cancelled(job: JobRecord) -> None:
    if job.body["status"] in TERMINAL or job.cancelled:
        return
    job.cancelled = True
    move_job(job.body, "CANCELLING")


def _definition_not_found(definition_id: str, caller: Caller) -> Reply:
    return problem(404, f"Segment definition {definition_id!r} not found in sandbox {caller.sandbox!r}.")


def _job_not_found(job_id: str, caller: Caller) -> Reply:
    return problem(404, f"Segment job {job_id!r} not found in sandbox {caller.sandbox!r}.")


def _unknown_note(schema: str, body: Any) -> tuple[str, ...]:
    unknown = unknown_fields(schema, body)
    if not unknown:
        return ()
    return (f"accepted fields AEP's docs do not name: {', '.join(unknown)}",)


def _integer(raw: str, least: int) -> int | None:
    text = raw.strip()
    if not text.lstrip("-").isdigit() or not text.isascii():
        return None
    value = int(text)
    return value if value >= least else None


def _sort(definitions: list[dict[str, Any]], sort: str) -> str | None:
    """Sort in place by ``field:asc|desc[,field:asc|desc...]``; an error message if it is malformed."""
    keys: list[tuple[str, bool]] = []
    for part in sort.split(","):
        field, _, direction = part.strip().partition(":")
        direction = direction or "asc"
        if field not in SORTABLE or direction not in ("asc", "desc"):
            return (f"Query parameter sort must be FIELD:asc or FIELD:desc, FIELD one of {', '.join(SORTABLE)}; "
                    f"not {part.strip()!r}.")
        keys.append((field, direction == "desc"))
    # Python's sort is stable: sorting by the last key first gives the combined order.
    for field, descending in reversed(keys):
        definitions.sort(key=lambda d: d.get(field, ""), reverse=descending)
    return None


def _json_body(request: Request, *, what: str) -> tuple[Any, Reply | None]:
    if not request.body:
        return None, invalid_body(what, [FieldError("$", "a JSON request body is required")])
    try:
        return json.loads(request.body), None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, invalid_body(what, [FieldError("$", f"the request body is not valid JSON: {error}")])
