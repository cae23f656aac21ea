"""A misbehaving HTTP client gets a proper status line and a JSON problem, never a 500 or a dropped connection."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest

from pmforge.mock import MockServer
from pmforge.mock.bodies import MAX_BODY_BYTES, MAX_DEPTH
from pmforge.mock.client import AepSession, send

DEFINITIONS = "/data/core/ups/segment/definitions"
FORM = "grant_type=client_credentials&client_id=c&client_secret=s&scope=openid"


def exchange(mock: MockServer, raw: bytes) -> tuple[str, dict[str, str], bytes]:
    """Send raw bytes, read until the server closes or a whole reply is in; return status line, headers, body."""
    address = urlsplit(mock.url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(raw)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = connection.recv(65536)
            assert chunk, f"the connection closed without a reply: {received!r}"
            received += chunk
        head, body = received.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines[1:])}
        while len(body) < int(headers["content-length"]):
            chunk = connection.recv(65536)
            assert chunk, "the connection closed mid-reply"
            body += chunk
    return lines[0], headers, body


def problem(status: int, title: str, detail: str) -> dict[str, object]:
    return {"type": "/placeholder/type/uri", "status": status, "title": title, "detail": detail}


def chunked(mock: MockServer, body: bytes) -> tuple[str, dict[str, str], bytes]:
    return exchange(mock, b"POST /ims/token/v3 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n" + body)


def test_a_well_formed_chunked_body_is_read(mock: MockServer) -> None:
    form = FORM.encode()
    status, _, body = chunked(mock, b"%x;ext=1\r\n%s\r\n%x\r\n%s\r\n0\r\nX-Trailer: 1\r\n\r\n" % (10, form[:10], len(form) - 10, form[10:]))
    assert status == "HTTP/1.1 200 OK"
    assert json.loads(body)["token_type"] == "bearer"


@pytest.mark.parametrize("size_line", [b"-5", b"-0", b"+5", b"0x5", b"5 5", b"zz", b"", b"1_0", b"\xef\xbc\x95", b"123456789"])
def test_a_chunk_size_that_is_not_plain_hex_is_a_400(mock: MockServer, size_line: str) -> None:
    status, headers, body = chunked(mock, size_line + b"\r\nhello\r\n0\r\n\r\n")
    assert (status, headers["connection"]) == ("HTTP/1.1 400 Bad Request", "close")
    assert json.loads(body) == problem(400, "BadRequestError", "Malformed chunked request body: a chunk size is hex digits, then CRLF")


def test_a_chunk_shorter_than_announced_is_a_400(mock: MockServer) -> None:
    status, _, body = chunked(mock, b"5\r\nabc\r\n0\r\n\r\n")
    assert status == "HTTP/1.1 400 Bad Request"
    assert json.loads(body)["detail"] == "Malformed chunked request body: a chunk is not the size it announced"


def test_chunks_past_the_cap_are_a_413_before_reading_them(mock: MockServer) -> None:
    status, headers, body = chunked(mock, b"%x\r\n" % (MAX_BODY_BYTES + 1))
    assert (status, headers["connection"]) == ("HTTP/1.1 413 Request Entity Too Large", "close")
    assert json.loads(body) == problem(413, "PayloadTooLargeError", f"The request body is larger than {MAX_BODY_BYTES} bytes")
    status, _, _ = chunked(mock, b"%x\r\n%s\r\n%x\r\n" % (1024, b"a" * 1024, MAX_BODY_BYTES))
    assert status == "HTTP/1.1 413 Request Entity Too Large"


@pytest.mark.parametrize(("headers", "status", "detail"), [
    (b"Content-Length: 99999999999\r\n", 413, f"The request body is larger than {MAX_BODY_BYTES} bytes"),
    (b"Content-Length: -1\r\n", 400, "Content-Length is not a number: '-1'"),
    (b"Content-Length: +5\r\n", 400, "Content-Length is not a number: '+5'"),
    (b"Content-Length: 1_0\r\n", 400, "Content-Length is not a number: '1_0'"),
    (b"Content-Length: 5\r\nContent-Length: 6\r\n", 400, "Conflicting Content-Length headers"),
    (b"Transfer-Encoding: gzip\r\n", 400, "Unsupported Transfer-Encoding: gzip; send chunked or a Content-Length"),
    (b"Transfer-Encoding: chunked, gzip\r\n", 400, "Unsupported Transfer-Encoding: chunked, gzip; send chunked or a Content-Length"),
])
def test_bad_body_framing_is_answered_in_json(mock: MockServer, headers: bytes, status: int, detail: str) -> None:
    line, _, body = exchange(mock, b"POST /ims/token/v3 HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\nhello")
    assert line.startswith(f"HTTP/1.1 {status} ")
    assert json.loads(body)["detail"] == detail


@pytest.mark.parametrize("request_line", [b"hello", b"GET /", b"\x00\xff garbage \x01", b"GET / HTTP/1.1 extra", b"GET / FTP/1.0"])
def test_a_garbage_request_line_gets_a_status_line(mock: MockServer, request_line: bytes) -> None:
    status, headers, body = exchange(mock, request_line + b"\r\n\r\n")
    assert status == "HTTP/1.1 400 Bad Request"
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["status"] == 400


@pytest.fixture()
def session(mock: MockServer) -> AepSession:
    return AepSession(mock.url, org="A1B2C3D4E5F6@AdobeOrg", sandbox="alice-sbx")


def post_raw(session: AepSession, body: str) -> tuple[int, object]:
    reply = send("POST", f"{session.base_url}{DEFINITIONS}", body.encode("utf-8"), headers=session.headers())
    return reply.status, reply.body


def definition(name: str = "alice - ok", value: str = '{"nodeType":"literal","literalType":"Boolean","value":true}') -> dict[str, object]:
    return {"name": name, "expression": {"type": "PQL", "format": "pql/json", "value": value},
            "createdBy": "alice", "schema": {"name": "_xdm.context.profile"}, "ttlInDays": 90}


@pytest.mark.parametrize("where", ["name", "key", "createdBy"])
def test_a_lone_surrogate_is_a_400(session: AepSession, where: str) -> None:
    body = json.dumps(definition())
    body = {"name": body.replace('"alice - ok"', '"alice \\ud800"'), "key": body.replace('{"name"', '{"\\udfff": 1, "name"'),
            "createdBy": body.replace('"createdBy": "alice"', '"createdBy": "\\udc80x"')}[where]
    assert "\\ud" in body
    assert post_raw(session, body) == (400, problem(400, "BadRequestError", "The request body holds a lone surrogate (such as \\ud800), which is not Unicode text"))
    assert session.get("/segment/definitions").status in (200, 404, 405)  # the mock still serves


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000, 200_000])
def test_deep_json_is_a_400(session: AepSession, depth: int) -> None:
    body = json.dumps(definition())[:-1] + ', "extra": ' + "[" * depth + "]" * depth + "}"
    assert post_raw(session, body) == (400, problem(400, "BadRequestError", f"The request body nests deeper than {MAX_DEPTH} levels"))


def test_a_deep_pql_json_string_is_a_400(session: AepSession) -> None:
    tree = '{"nodeType":"literal","literalType":"Boolean","value":' + "[" * 100_000 + "]" * 100_000 + "}"
    status, body = post_raw(session, json.dumps(definition(value=tree)))
    assert status == 400
    assert isinstance(body, dict) and body["status"] == 400


def test_a_huge_number_is_a_400(session: AepSession) -> None:
    body = json.dumps(definition())[:-1] + ', "ttlInDays": ' + "9" * 5000 + "}"
    body = body.replace('"ttlInDays": 90, ', "")
    status, reply = post_raw(session, body)
    assert status == 400
    assert isinstance(reply, dict) and reply["detail"].startswith("The request body cannot be read as JSON: Exceeds the limit (4300 digits)")


def test_a_valid_definition_still_passes(session: AepSession) -> None:
    status, body = post_raw(session, json.dumps(definition()))
    assert status == 200, body


def test_an_overlong_request_line_and_too_many_headers_get_status_lines(mock: MockServer) -> None:
    status, _, body = exchange(mock, b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n")
    assert (status, json.loads(body)["status"]) == ("HTTP/1.1 414 Request-URI Too Long", 414)
    status, _, body = exchange(mock, b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % index for index in range(200)) + b"\r\n")
    assert (status, json.loads(body)["status"]) == ("HTTP/1.1 431 Request Header Fields Too Large", 431)
