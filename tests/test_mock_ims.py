"""The mock's IMS token endpoint, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from pmforge.mock import MockServer, start_mock
from pmforge.mock.client import FORM_HEADERS, send


@pytest.fixture()
def mock() -> Iterator[MockServer]:
    with start_mock() as server:
        yield server


def _form(**fields: str) -> str:
    return urlencode(fields)


def test_token_is_granted_and_remembered_for_its_client(mock: MockServer) -> None:
    reply = send("POST", f"{mock.url}/ims/token/v3",
                 _form(grant_type="client_credentials", client_id="alice-client", client_secret="s",
                       scope="openid,AdobeID"), headers=FORM_HEADERS)
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/json"
    body = reply.body
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 86399
    assert len(body["access_token"]) >= 32
    assert mock.state.token_owner(body["access_token"]) == "alice-client"


def test_each_token_is_new(mock: MockServer) -> None:
    form = _form(grant_type="client_credentials", client_id="c", client_secret="s", scope="openid")
    first = send("POST", f"{mock.url}/ims/token/v3", form, headers=FORM_HEADERS).body["access_token"]
    second = send("POST", f"{mock.url}/ims/token/v3", form, headers=FORM_HEADERS).body["access_token"]
    assert first != second
    assert mock.state.token_count() == 2


def test_course_v2_request_with_query_parameters_and_no_body(mock: MockServer) -> None:
    query = _form(grant_type="client_credentials", client_id="c", client_secret="s", scope="openid")
    reply = send("POST", f"{mock.url}/ims/token/v2?{query}")
    assert reply.status == 200
    assert mock.state.token_owner(reply.body["access_token"]) == "c"


@pytest.mark.parametrize(
    ("fields", "description"),
    [
        ({"grant_type": "password", "client_id": "c", "client_secret": "s"},
         "unsupported grant_type 'password': use client_credentials"),
        ({"client_id": "c", "client_secret": "s"}, "unsupported grant_type '': use client_credentials"),
        ({"grant_type": "client_credentials", "client_secret": "s"}, "missing client_id parameter"),
        ({"grant_type": "client_credentials", "client_id": "c"}, "missing client_secret parameter"),
        ({"grant_type": "client_credentials", "client_id": "c", "client_secret": ""}, "missing client_secret parameter"),
    ],
)
def test_bad_token_requests_get_oauth_errors(mock: MockServer, fields: dict[str, str], description: str) -> None:
    reply = send("POST", f"{mock.url}/ims/token/v3", urlencode(fields), headers=FORM_HEADERS)
    assert (reply.status, reply.body) == (400, {"error": "invalid_request", "error_description": description})
    assert mock.state.token_count() == 0


@pytest.mark.parametrize("scope", [None, "", "  "], ids=["absent", "empty", "blank"])
@pytest.mark.parametrize("version", ["v2", "v3"])
def test_token_request_without_scope_is_refused(mock: MockServer, version: str, scope: str | None) -> None:
    """Adobe's IMS reference lists scope as required; an empty SCOPES must not get a token."""
    fields = {"grant_type": "client_credentials", "client_id": "c", "client_secret": "s"}
    if scope is not None:
        fields["scope"] = scope
    if version == "v3":
        reply = send("POST", f"{mock.url}/ims/token/v3", urlencode(fields), headers=FORM_HEADERS)
    else:
        reply = send("POST", f"{mock.url}/ims/token/v2?{urlencode(fields)}")
    assert (reply.status, reply.headers["content-type"], reply.body) == (400, "application/json", {
        "error": "invalid_scope",
        "error_description": "missing scope parameter: send the scopes of your credential, e.g. openid,AdobeID"})
    assert mock.state.token_count() == 0


def test_json_body_is_refused(mock: MockServer) -> None:
    reply = send("POST", f"{mock.url}/ims/token/v3", '{"grant_type": "client_credentials"}',
                 headers={"Content-Type": "application/json"})
    assert (reply.status, reply.body) == (
        400, {"error": "invalid_request", "error_description": "Content-Type must be application/x-www-form-urlencoded"})


def test_get_on_token_endpoint_is_405(mock: MockServer) -> None:
    reply = send("GET", f"{mock.url}/ims/token/v3")
    assert reply.status == 405
    assert reply.headers["allow"] == "POST"
    assert reply.body["title"] == "MethodNotAllowedError"


def test_configured_credentials_are_enforced() -> None:
    with start_mock(credentials={"alice-client": "alice-secret"}) as mock:
        url = f"{mock.url}/ims/token/v3"
        good = send("POST", url, _form(grant_type="client_credentials", client_id="alice-client",
                                       client_secret="alice-secret", scope="openid"), headers=FORM_HEADERS)
        wrong_secret = send("POST", url, _form(grant_type="client_credentials", client_id="alice-client",
                                               client_secret="nope", scope="openid"), headers=FORM_HEADERS)
        unknown = send("POST", url, _form(grant_type="client_credentials", client_id="bob", client_secret="x",
                                         scope="openid"),
                       headers=FORM_HEADERS)
    assert good.status == 200
    expected = (401, {"error": "invalid_client", "error_description": "invalid client_id or client_secret"})
    assert (wrong_secret.status, wrong_secret.body) == expected
    assert (unknown.status, unknown.body) == expected
