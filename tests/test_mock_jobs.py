"""Segment jobs on the mock: creation, the status sequence over GETs, failures, isolation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pmforge.mock import MockServer, start_mock
from pmforge.mock.client import AepSession, send

ORG = "A1B2C3D4E5F6@AdobeOrg"
TEXT_EXPRESSION = {"type": "PQL", "format": "pql/text", "value": 'person.gender in ["female"]'}


def definition(name: str) -> dict[str, Any]:
    return {"name": name, "expression": TEXT_EXPRESSION, "schema": {"name": "_xdm.context.profile"}}


def create_job(session: AepSession, *names: str) -> dict[str, Any]:
    ids = [session.post("/segment/definitions", definition(name)).body["id"] for name in names]
    reply = session.post("/segment/jobs", [{"segmentId": segment_id} for segment_id in ids])
    assert reply.status == 200, reply.body
    return reply.body


def statuses(session: AepSession, job_id: str, polls: int) -> list[str]:
    return [session.get(f"/segment/jobs/{job_id}").body["status"] for _ in range(polls)]


@pytest.fixture()
def session(mock: MockServer) -> AepSession:
    return AepSession(mock.url, org=ORG, sandbox="alice-sbx")


def test_new_job_shape(session: AepSession) -> None:
    created = session.post("/segment/definitions", definition("women")).body
    reply = session.post("/segment/jobs", [{"segmentId": created["id"]}])
    assert reply.status == 200
    job = reply.body
    assert job["status"] == "NEW"
    assert job["imsOrgId"] == ORG
    assert job["sandbox"] == created["sandbox"]
    assert job["source"] == "api"
    assert job["errors"] == []
    assert job["segments"] == [{
        "segmentId": created["id"],
        "segment": {"id": created["id"], "expression": TEXT_EXPRESSION, "mergePolicyId": created["mergePolicyId"],
                    "mergePolicy": {"id": created["mergePolicyId"], "version": 1}},
    }]
    assert job["metrics"] == {"totalTime": {"startTimeInMs": job["creationTime"]}, "profileSegmentationTime": {}}
    link = f"/segment/jobs/{job['id']}"
    assert job["_links"] == {"cancel": {"href": link, "method": "DELETE"},
                             "checkStatus": {"href": link, "method": "GET"}}


def test_default_lifecycle_needs_two_polls(mock: MockServer, session: AepSession) -> None:
    job = create_job(session, "women")
    assert statuses(session, job["id"], 4) == ["PROCESSING", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]


@pytest.mark.parametrize(
    ("polls_to_finish", "expected"),
    [
        (1, ["SUCCEEDED", "SUCCEEDED"]),
        (2, ["PROCESSING", "SUCCEEDED", "SUCCEEDED"]),
        (3, ["QUEUED", "PROCESSING", "SUCCEEDED", "SUCCEEDED"]),
        (5, ["QUEUED", "PROCESSING", "PROCESSING", "PROCESSING", "SUCCEEDED", "SUCCEEDED"]),
    ],
)
def test_status_sequence(polls_to_finish: int, expected: list[str]) -> None:
    with start_mock(polls_to_finish=polls_to_finish) as mock:
        session = AepSession(mock.url, org=ORG)
        job = create_job(session, "women")
        assert statuses(session, job["id"], len(expected)) == expected


def test_succeeded_job_has_full_metrics(session: AepSession) -> None:
    job = create_job(session, "women", "men")
    done = [session.get(f"/segment/jobs/{job['id']}").body for _ in range(2)][-1]
    metrics = done["metrics"]
    ids = [info["segmentId"] for info in job["segments"]]
    assert done["status"] == "SUCCEEDED"
    assert done["errors"] == []
    assert metrics["totalProfiles"] == 10_000
    assert set(metrics["segmentedProfileCounter"]) == set(ids)
    assert all(0 < count <= 10_000 for count in metrics["segmentedProfileCounter"].values())
    assert metrics["segmentedProfileByStatusCounter"][ids[0]] == {
        "realized": metrics["segmentedProfileCounter"][ids[0]], "existing": 0, "exited": 0}
    total = metrics["totalTime"]
    assert total["totalTimeInMs"] == total["endTimeInMs"] - total["startTimeInMs"] >= 0
    assert done["updateTime"] >= done["creationTime"]


def test_fail_jobs_ends_failed_with_errors() -> None:
    with start_mock(fail_jobs=True) as mock:
        session = AepSession(mock.url, org=ORG)
        job = create_job(session, "women")
        first, last = (session.get(f"/segment/jobs/{job['id']}").body for _ in range(2))
    assert (first["status"], first["errors"]) == ("PROCESSING", [])
    assert last["status"] == "FAILED"
    assert last["errors"] == [{
        "code": "0100000003",
        "msg": "Segment job failed on purpose: the pmforge mock was told to fail jobs.",
        "callStack": "pmforge.mock: no call stack, this failure is simulated",
    }]
    assert "segmentedProfileCounter" not in last["metrics"]


def test_fail_marker_fails_only_jobs_over_marked_definitions() -> None:
    with start_mock(fail_marker="[fail]", polls_to_finish=1) as mock:
        session = AepSession(mock.url, org=ORG)
        marked = create_job(session, "alice [fail] women")
        plain = create_job(session, "bob women")
        assert statuses(session, marked["id"], 1) == ["FAILED"]
        assert statuses(session, plain["id"], 1) == ["SUCCEEDED"]


def test_job_over_unknown_segments_is_400_naming_them(session: AepSession) -> None:
    known = session.post("/segment/definitions", definition("women")).body["id"]
    reply = session.post("/segment/jobs", [{"segmentId": "nope-1"}, {"segmentId": known}, {"segmentId": "nope-2"}])
    assert (reply.status, reply.body) == (400, {
        "type": "/placeholder/type/uri", "status": 400, "title": "BadRequestError",
        "detail": "Invalid segment job: $[0].segmentId: segment definition 'nope-1' not found in sandbox "
                  "'alice-sbx' (and 1 more)",
        "errors": [
            {"path": "$[0].segmentId", "message": "segment definition 'nope-1' not found in sandbox 'alice-sbx'"},
            {"path": "$[2].segmentId", "message": "segment definition 'nope-2' not found in sandbox 'alice-sbx'"},
        ]})


def test_job_over_a_definition_of_another_sandbox_is_400(session: AepSession) -> None:
    theirs = session.post("/segment/definitions", definition("women"), sandbox="bob-sbx").body["id"]
    reply = session.post("/segment/jobs", [{"segmentId": theirs}])
    assert reply.status == 400
    assert reply.body["errors"] == [{"path": "$[0].segmentId",
                                     "message": f"segment definition '{theirs}' not found in sandbox 'alice-sbx'"}]


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        ([], "$", "[] should be non-empty"),
        ({"segments": [{"segmentId": "*"}]}, "$", "'schema' is a required property"),
        ({"schema": {"name": "_xdm.context.profile"}, "segments": []}, "$.segments", "[] should be non-empty"),
        ({"schema": {"name": "_xdm.context.experienceevent"}, "segments": [{"segmentId": "*"}]}, "$.schema.name",
         "'_xdm.context.profile' was expected"),
        ("*", "$", "'*' is not of type 'array'"),
        ([{"segmentId": "*"}], "$[0].segmentId", "segment definition '*' not found in sandbox 'alice-sbx'"),
        ([{"segmentID": "x"}], "$[0]", "'segmentId' is a required property"),
        ([{"segmentId": 7}], "$[0].segmentId", "7 is not of type 'string'"),
    ],
)
def test_bad_job_bodies(session: AepSession, body: Any, path: str, message: str) -> None:
    reply = session.post("/segment/jobs", body)
    assert reply.status == 400
    assert reply.body["errors"][0] == {"path": path, "message": message}
    assert reply.body["detail"].startswith(f"Invalid segment job: {path}: {message}")


def test_unknown_job_is_404(session: AepSession) -> None:
    reply = session.get("/segment/jobs/00000000-0000-0000-0000-000000000000")
    assert (reply.status, reply.body) == (404, {
        "type": "/placeholder/type/uri", "status": 404, "title": "NotFoundError",
        "detail": "Segment job '00000000-0000-0000-0000-000000000000' not found in sandbox 'alice-sbx'."})


def test_job_of_another_sandbox_is_404_and_not_advanced(mock: MockServer, session: AepSession) -> None:
    job = create_job(session, "women")
    assert session.get(f"/segment/jobs/{job['id']}", sandbox="bob-sbx").status == 404
    assert statuses(session, job["id"], 1) == ["PROCESSING"]
    assert [stored["status"] for stored in mock.state.jobs(ORG, "alice-sbx")] == ["PROCESSING"]
    assert mock.state.jobs(ORG, "bob-sbx") == []


def test_request_ids_are_echoed(mock: MockServer, session: AepSession) -> None:
    created = session.post("/segment/definitions", definition("women")).body
    headers = {**session.headers(), "x-request-id": "trace-me", "x-profile-instance-id": "ups"}
    reply = send("POST", f"{mock.url}/data/core/ups/segment/jobs", json.dumps([{"segmentId": created["id"]}]),
                 headers=headers)
    assert reply.body["requestId"] == "trace-me"
    assert reply.body["profileInstanceId"] == "ups"


def test_polls_to_finish_must_be_positive() -> None:
    with pytest.raises(ValueError, match="polls_to_finish must be at least 1"):
        start_mock(polls_to_finish=0)
