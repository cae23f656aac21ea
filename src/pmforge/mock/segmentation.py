"""The Segmentation API endpoints the course uses: create/read definitions, create/read jobs."""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass
from typing import Any

from pmforge.mock.errors import FieldError, invalid_body, problem
from pmforge.mock.gateway import Caller
from pmforge.mock.messages import Reply, Request
from pmforge.mock.shapes import build_definition, build_job, move_job, now_ms, status_after
from pmforge.mock.state import MockState
from pmforge.mock.validation import check_definition, check_job

BASE_PATH = "/data/core/ups"


@dataclass(frozen=True)
class JobOptions:
    """How jobs end: after how many GETs, and whether they fail."""

    polls_to_finish: int = 2
    fail_jobs: bool = False
    fail_marker: str | None = None

    def __post_init__(self) -> None:
        if self.polls_to_finish < 1:
            raise ValueError("polls_to_finish must be at least 1")


class Segmentation:
    """Handlers for ``/segment/definitions`` and ``/segment/jobs``, called after the gateway checks."""

    def __init__(self, state: MockState, jobs: JobOptions) -> None:
        self._state = state
        self._jobs = jobs
        # itertools.count is atomic under the GIL, so threads never share a compute job id.
        self._job_numbers = itertools.count(1)

    def create_definition(self, request: Request, caller: Caller) -> Reply:
        body, error = _json_body(request, what="segment definition")
        if error:
            return error
        field_errors = check_definition(body)
        if field_errors:
            return invalid_body("segment definition", field_errors)
        definition = build_definition(body, org=caller.org, sandbox=caller.sandbox)
        if not self._state.add_definition(caller.scope, definition):
            return problem(
                422,
                f"A segment definition named {definition['name']!r} already exists in sandbox "
                f"{caller.sandbox!r}. To change it, use PATCH.",
                errors=[FieldError("$.name", "already exists")],
            )
        location = f"{BASE_PATH}/segment/definitions/{definition['id']}"
        host = request.header("host")
        return Reply(200, definition, {"X-Location": f"http://{host}{location}" if host else location})

    def get_definition(self, request: Request, caller: Caller, definition_id: str) -> Reply:
        definition = self._state.definition(caller.scope, definition_id)
        if definition is None:
            return problem(404, f"Segment definition {definition_id!r} not found in sandbox {caller.sandbox!r}.")
        return Reply(200, definition)

    def create_job(self, request: Request, caller: Caller) -> Reply:
        body, error = _json_body(request, what="segment job")
        if error:
            return error
        field_errors = check_job(body)
        if field_errors:
            return invalid_body("segment job", field_errors)
        definitions: list[dict[str, Any]] = []
        for index, item in enumerate(body):
            found = self._state.definition(caller.scope, item["segmentId"])
            if found is None:
                field_errors.append(FieldError(f"$[{index}].segmentId",
                                               f"segment definition {item['segmentId']!r} not found in sandbox "
                                               f"{caller.sandbox!r}"))
            else:
                definitions.append(found)
        if field_errors:
            return invalid_body("segment job", field_errors)
        job = build_job(
            definitions, org=caller.org, sandbox=caller.sandbox, job_number=next(self._job_numbers),
            request_id=request.header("x-request-id") or f"{uuid.uuid4()}-{now_ms()}",
            profile_instance=request.header("x-profile-instance-id") or "ups",
        )
        self._state.add_job(caller.scope, job, fails=self._should_fail(definitions))
        return Reply(200, job)

    def get_job(self, request: Request, caller: Caller, job_id: str) -> Reply:
        job = self._state.poll_job(caller.scope, job_id, self._advance)
        if job is None:
            return problem(404, f"Segment job {job_id!r} not found in sandbox {caller.sandbox!r}.")
        return Reply(200, job)

    def _advance(self, job: dict[str, Any], polls: int, fails: bool) -> None:
        move_job(job, status_after(polls, polls_to_finish=self._jobs.polls_to_finish, fails=fails))

    def _should_fail(self, definitions: list[dict[str, Any]]) -> bool:
        marker = self._jobs.fail_marker
        return self._jobs.fail_jobs or bool(marker and any(marker in d["name"] for d in definitions))


def _json_body(request: Request, *, what: str) -> tuple[Any, Reply | None]:
    if not request.body:
        return None, invalid_body(what, [FieldError("$", "a JSON request body is required")])
    try:
        return json.loads(request.body), None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, invalid_body(what, [FieldError("$", f"the request body is not valid JSON: {error}")])
