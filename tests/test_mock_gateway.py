"""The gateway's header checks, in their documented order and with their documented bodies."""

from __future__ import annotations


import pytest

from pmforge.mock import MockServer
from pmforge.mock.client import AepSession, send

ORG = "A1B2C3D4E5F6@AdobeOrg"
JOBS = "/data/core/ups/segment/jobs/some-job"


@pytest.fixture()
def session(mock: MockServer) -> AepSession:
    return AepSession(mock.url, client_id="alice-client", org=ORG)


def _without(headers: dict[str, str], *names: str) -> dict[str, str]:
    return {key: value for key, value in headers.items() if key.lower() not in names}


@pytest.mark.parametrize(
    ("change", "status", "body"),
    [
        (lambda h: _without(h, "authorization"), 403, {"error_code": "403010", "message": "Oauth token is missing."}),
        (lambda h: {**h, "Authorization": ""}, 403, {"error_code": "403010", "message": "Oauth token is missing."}),
        (lambda h: {**h, "Authorization": "Bearer not-a-token"}, 401,
         {"error_code": "401013", "message": "Oauth token is not valid"}),
        (lambda h: {**h, "Authorization": h["Authorization"].split()[1]}, 401,
         {"error_code": "401013", "message": "Oauth token is not valid"}),
        (lambda h: {**h, "Authorization": "Basic " + h["Authorization"].split()[1]}, 401,
         {"error_code": "401013", "message": "Oauth token is not valid"}),
        (lambda h: _without(h, "x-api-key"), 403, {"error_code": "403000", "message": "Api Key is required"}),
        (lambda h: {**h, "x-api-key": "bob-client"}, 403, {"error_code": "403003", "message": "Api Key is invalid"}),
        (lambda h: _without(h, "x-gw-ims-org-id"), 400, {"error_code": "400003", "message": "Missing header"}),
        (lambda h: _without(h, "x-sandbox-name"), 400,
         {"error_code": "400003", "message": "Missing header: x-sandbox-name"}),
        # Several faults at once: the first check in the gateway's order wins.
        (lambda h: _without(h, "authorization", "x-api-key", "x-sandbox-name"), 403,
         {"error_code": "403010", "message": "Oauth token is missing."}),
        (lambda h: _without(h, "x-api-key", "x-gw-ims-org-id"), 403,
         {"error_code": "403000", "message": "Api Key is required"}),
        (lambda h: _without(h, "x-gw-ims-org-id", "x-sandbox-name"), 400,
         {"error_code": "400003", "message": "Missing header"}),
    ],
    ids=["no-auth", "empty-auth", "unknown-token", "no-scheme", "basic-scheme", "no-api-key", "other-api-key",
         "no-org", "no-sandbox", "order-auth-first", "order-api-key-before-org", "order-org-before-sandbox"],
)
def test_gateway_errors(mock: MockServer, session: AepSession, change, status: int, body: dict[str, str]) -> None:
    reply = send("GET", mock.url + JOBS, headers=change(session.headers(json_body=False)))
    assert (reply.status, reply.body) == (status, body)
    assert reply.headers["content-type"] == "application/json"


def test_lower_case_bearer_is_accepted(mock: MockServer, session: AepSession) -> None:
    headers = {**session.headers(json_body=False), "Authorization": f"bearer {session.token}"}
    reply = send("GET", mock.url + JOBS, headers=headers)
    assert reply.status == 404  # through the gateway: the job does not exist


def test_token_of_another_client_is_invalid_with_this_api_key(mock: MockServer, session: AepSession) -> None:
    bob = AepSession(mock.url, client_id="bob-client", org=ORG)
    headers = {**session.headers(json_body=False), "Authorization": f"Bearer {bob.token}"}
    reply = send("GET", mock.url + JOBS, headers=headers)
    assert (reply.status, reply.body) == (403, {"error_code": "403003", "message": "Api Key is invalid"})


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_body_without_json_content_type_is_refused(mock: MockServer, session: AepSession,
                                                    content_type: str | None) -> None:
    headers = session.headers(json_body=False)
    if content_type:
        headers["Content-Type"] = content_type
    reply = send("POST", f"{mock.url}/data/core/ups/segment/jobs", '[{"segmentId": "x"}]', headers=headers)
    assert (reply.status, reply.body) == (400, {"type": "/placeholder/type/uri", "status": 400,
                                                "title": "BadRequestError",
                                                "detail": "A valid content-type must be specified"})


def test_json_content_type_with_charset_is_accepted(mock: MockServer, session: AepSession) -> None:
    headers = {**session.headers(), "Content-Type": "application/json; charset=UTF-8"}
    reply = send("POST", f"{mock.url}/data/core/ups/segment/jobs", '[{"segmentId": "x"}]', headers=headers)
    assert reply.status == 400
    assert reply.body["errors"] == [{"path": "$[0].segmentId",
                                     "message": "segment definition 'x' not found in sandbox 'prod'"}]


def test_content_type_on_a_get_without_body_is_harmless(mock: MockServer, session: AepSession) -> None:
    reply = send("GET", mock.url + JOBS, headers={**session.headers(), "Content-Type": "text/plain"})
    assert reply.status == 404


def test_unknown_path_under_the_base_path_is_checked_by_the_gateway_first(mock: MockServer,
                                                                          session: AepSession) -> None:
    assert send("GET", f"{mock.url}/data/core/ups/nothing").status == 403
    reply = send("GET", f"{mock.url}/data/core/ups/nothing", headers=session.headers(json_body=False))
    assert (reply.status, reply.body) == (404, {"type": "/placeholder/type/uri", "status": 404,
                                                "title": "NotFoundError",
                                                "detail": "No such resource: GET /data/core/ups/nothing"})


def test_unknown_path_elsewhere_is_404_json(mock: MockServer) -> None:
    reply = send("GET", f"{mock.url}/favicon.ico")
    assert reply.status == 404
    assert reply.headers["content-type"] == "application/json"
    assert reply.body["detail"] == "No such resource: GET /favicon.ico"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/data/core/ups/segment/definitions", "GET, POST"),
        ("PATCH", "/data/core/ups/segment/definitions/abc", "DELETE, GET"),
        ("PUT", "/data/core/ups/segment/jobs", "POST"),
        ("PATCH", "/data/core/ups/segment/jobs/abc", "DELETE, GET"),
    ],
)
def test_wrong_method_is_405(mock: MockServer, session: AepSession, method: str, path: str, allow: str) -> None:
    reply = send(method, mock.url + path, headers=session.headers(json_body=False))
    assert reply.status == 405
    assert reply.headers["allow"] == allow
    assert reply.body == {"type": "/placeholder/type/uri", "status": 405, "title": "MethodNotAllowedError",
                          "detail": f"Method {method} is not allowed on {path}; use {allow}."}


def test_unsupported_method_is_json_too(mock: MockServer) -> None:
    reply = send("TRACE", f"{mock.url}/data/core/ups/segment/jobs")
    assert reply.status == 501
    assert reply.headers["content-type"] == "application/json"
    assert reply.body["status"] == 501
