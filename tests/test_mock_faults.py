"""The fault modes a trainer turns on to rehearse a bad day, over real HTTP and on the command line."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from pmforge.mock import start_mock
from pmforge.mock.cli import mock as mock_command
from pmforge.mock.client import AepSession, send
from tests.mock_process import mock_process

ORG = "A1B2C3D4E5F6@AdobeOrg"
DEFINITION = {"name": "x", "expression": {"type": "PQL", "format": "pql/text", "value": 'a = "b"'},
              "schema": {"name": "_xdm.context.profile"}}
TOO_MANY = {"error_code": "429001", "message": "Too many requests"}
EXPIRED = {"error_code": "401013", "message": "Oauth token is not valid"}


def _statuses(session: AepSession, count: int, *, sandbox: str | None = None) -> list[tuple[int, str | None]]:
    replies = [session.get("/segment/definitions", sandbox=sandbox) for _ in range(count)]
    return [(reply.status, reply.headers.get("retry-after")) for reply in replies]


def test_a_429_burst_after_n_requests_then_service_again() -> None:
    with start_mock(throttle_after=2, throttle_burst=3, retry_after=7) as mock:
        session = AepSession(mock.url, org=ORG, sandbox="alice-sbx")
        seen = _statuses(session, 6)
        refused = [session.get("/segment/definitions", sandbox="bob-sbx") for _ in range(3)][-1]
        notes = [r.notes for r in mock.records() if r.status == 429]
    assert seen == [(200, None), (200, None), (429, "7"), (429, "7"), (429, "7"), (200, None)]
    # Every sandbox has its own count: bob's third request is the first of his burst.
    assert (refused.status, refused.headers["retry-after"], refused.headers["content-type"], refused.body) == (
        429, "7", "application/json", TOO_MANY)
    assert notes[0] == ("throttled: request 3 of sandbox 'alice-sbx' (burst after 2, 3 long)",)


def test_the_burst_refuses_any_gateway_request_and_creates_nothing() -> None:
    with start_mock(throttle_after=0, throttle_burst=1) as mock:
        session = AepSession(mock.url, org=ORG)
        first = session.post("/segment/definitions", DEFINITION)
        second = session.post("/segment/definitions", DEFINITION)
        token = send("POST", f"{mock.url}/ims/token/v3", "grant_type=client_credentials&client_id=c&client_secret=s"
                     "&scope=openid", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (first.status, first.headers["retry-after"], first.body) == (429, "1", TOO_MANY)
    assert second.status == 200
    assert token.status == 200  # IMS is not behind the gateway


def test_tokens_expire_after_n_gateway_requests_and_a_new_token_works() -> None:
    with start_mock(token_expires_after=3) as mock:
        session = AepSession(mock.url, org=ORG)
        seen = [(r.status, r.body) for r in (session.get("/segment/definitions") for _ in range(4))]
        session.token = AepSession(mock.url, org=ORG).token
        again = session.get("/segment/definitions")
    ok = {"segments": [], "page": {"totalCount": 0, "totalPages": 0, "pageOffset": 0, "pageSize": 0},
          "link": {"next": ""}}
    assert seen == [(200, ok), (200, ok), (200, ok), (401, EXPIRED)]
    assert again.status == 200


def test_lost_jobs_are_created_then_not_found() -> None:
    with start_mock(lose_jobs=True) as mock:
        session = AepSession(mock.url, org=ORG, sandbox="alice-sbx")
        segment = session.post("/segment/definitions", DEFINITION).body["id"]
        created = session.post("/segment/jobs", [{"segmentId": segment}])
        polled = session.get(f"/segment/jobs/{created.body['id']}")
        cancelled = session.delete(f"/segment/jobs/{created.body['id']}")
        jobs = mock.state.jobs()
    assert (created.status, created.body["status"]) == (200, "NEW")
    not_found = {"type": "/placeholder/type/uri", "status": 404, "title": "NotFoundError",
                 "detail": f"Segment job {created.body['id']!r} not found in sandbox 'alice-sbx'."}
    assert (polled.status, polled.body) == (404, not_found)
    assert (cancelled.status, cancelled.body) == (404, not_found)
    assert jobs == []


def test_an_existing_definition_makes_the_first_create_422_in_that_sandbox_only() -> None:
    name = "alice - API - All Female Customer"
    with start_mock(existing_definitions=[("alice-sbx", name)]) as mock:
        session = AepSession(mock.url, org=ORG, sandbox="alice-sbx")
        listed = session.get("/segment/definitions").body["segments"]
        created = session.post("/segment/definitions", {**DEFINITION, "name": name})
        elsewhere = session.post("/segment/definitions", {**DEFINITION, "name": name}, sandbox="bob-sbx")
        deleted = session.delete(f"/segment/definitions/{listed[0]['id']}")
        after = session.post("/segment/definitions", {**DEFINITION, "name": name})
    assert [(d["name"], d["imsOrgId"], d["sandbox"]["sandboxName"], d["expression"]) for d in listed] == [
        (name, ORG, "alice-sbx", {"type": "PQL", "format": "pql/text", "value": 'person.gender in ["female"]'})]
    assert (created.status, created.body["detail"]) == (
        422, f"A segment definition named {name!r} already exists in sandbox 'alice-sbx'. To change it, use PATCH.")
    assert (elsewhere.status, deleted.status, after.status) == (200, 200, 200)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"token_expires_after": 0}, "token_expires_after must be at least 1"),
        ({"throttle_after": -1}, "throttle_after must be at least 0"),
        ({"throttle_burst": 0}, "throttle_burst must be at least 1"),
        ({"retry_after": -1}, "retry_after must be at least 0"),
        ({"max_page_size": 0}, "max_page_size must be at least 1"),
        ({"existing_definitions": [("alice-sbx", "")]},
         "existing_definitions holds (sandbox, name) pairs, not ('alice-sbx', '')"),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message.replace('(', '[(]').replace(')', '[)]')}$"):
        start_mock(**options)


def test_help_documents_every_fault_flag() -> None:
    result = CliRunner().invoke(mock_command, ["--help"])
    assert result.exit_code == 0
    for flag in ("--throttle-after N", "--throttle-burst M", "--retry-after SECONDS", "--token-expires-after N",
                 "--lose-jobs", "--fail-jobs", "--fail-marker TEXT", "--existing-definition SANDBOX:NAME",
                 "--max-page-size N"):
        assert flag in result.stdout
    assert "requests 5 and 6 get 429, Retry-After: 1" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--existing-definition", "no-colon"], "'no-colon' is not SANDBOX:NAME"),
        (["--existing-definition", ":name"], "':name' is not SANDBOX:NAME"),
        (["--throttle-burst", "0"], "--throttle-burst"),
        (["--token-expires-after", "0"], "--token-expires-after"),
    ],
)
def test_bad_fault_flags_are_usage_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(mock_command, args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_fault_flags_reach_the_running_mock() -> None:
    with mock_process("--port", "0", "--throttle-after", "1", "--throttle-burst", "1", "--retry-after", "2",
                      "--token-expires-after", "4", "--existing-definition",
                      "alice-sbx:alice - API - All Female Customer", "--max-page-size", "1",
                      "--lose-jobs") as process:
        session = AepSession(process.url, org=ORG, sandbox="alice-sbx")
        first = session.get("/segment/definitions?limit=5")
        second = session.get("/segment/definitions")
        created = session.post("/segment/definitions", DEFINITION)
        job = session.post("/segment/jobs", [{"segmentId": created.body["id"]}])
        expired = session.get(f"/segment/jobs/{job.body['id']}")
        session.token = AepSession(process.url, org=ORG).token
        lost = session.get(f"/segment/jobs/{job.body['id']}")
    stderr = process.stderr
    assert first.status == 200
    assert (second.status, second.headers["retry-after"]) == (429, "2")
    assert [d["name"] for d in first.body["segments"]] == ["alice - API - All Female Customer"]
    assert first.body["page"] == {"totalCount": 1, "totalPages": 1, "pageOffset": 0, "pageSize": 1}
    assert (created.status, job.status, expired.status, lost.status) == (200, 200, 401, 404)
    assert "note: throttled: request 2 of sandbox 'alice-sbx'" in stderr
