"""The server around the handlers: logging, latency records, keep-alive, start and stop."""

from __future__ import annotations

import http.client
import io
import re
import socket

import pytest

from pmforge.mock import MockStartError, start_mock
from pmforge.mock.client import AepSession, send


def test_url_and_port() -> None:
    with start_mock() as mock:
        assert mock.port > 0
        assert mock.url == f"http://127.0.0.1:{mock.port}"


def test_each_request_is_logged_in_one_line() -> None:
    log = io.StringIO()
    with start_mock(quiet=False, log=log) as mock:
        session = AepSession(mock.url, sandbox="alice-sbx")
        session.get("/segment/jobs/nope")
    lines = log.getvalue().splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"POST /ims/token/v3 200 \d+\.\dms sandbox=-", lines[0])
    assert re.fullmatch(r"GET /data/core/ups/segment/jobs/nope 404 \d+\.\dms sandbox=alice-sbx", lines[1])


def test_quiet_logs_nothing_but_still_records() -> None:
    log = io.StringIO()
    with start_mock(quiet=True, log=log) as mock:
        send("GET", f"{mock.url}/nothing")
        records = mock.records()
    assert log.getvalue() == ""
    assert [(r.method, r.path, r.status, r.sandbox) for r in records] == [("GET", "/nothing", 404, None)]
    assert records[0].duration_ms >= 0


def test_stats_summarise_latency() -> None:
    with start_mock() as mock:
        assert mock.stats().count == 0
        for _ in range(20):
            send("GET", f"{mock.url}/nothing")
        stats = mock.stats()
        durations = sorted(r.duration_ms for r in mock.records())
        mock.reset_stats()
        assert mock.stats().count == 0
    assert stats.count == 20
    assert stats.max_ms == durations[-1]
    assert stats.p99_ms == durations[-1]  # nearest rank: ceil(0.99 * 20) = the 20th sample
    assert stats.median_ms == (durations[9] + durations[10]) / 2


def test_keep_alive_connection_serves_several_requests() -> None:
    with start_mock() as mock:
        connection = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=5)
        for _ in range(3):
            connection.request("GET", "/nothing")
            reply = connection.getresponse()
            assert reply.status == 404
            assert reply.getheader("Content-Type") == "application/json"
            reply.read()
        connection.close()


def test_head_gets_headers_without_body() -> None:
    with start_mock() as mock:
        connection = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=5)
        connection.request("HEAD", "/nothing")
        reply = connection.getresponse()
        assert reply.status == 404
        assert int(reply.getheader("Content-Length")) > 0
        assert reply.read() == b""
        connection.close()


def test_stop_closes_idle_keep_alive_connections() -> None:
    mock = start_mock()
    connection = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=5)
    connection.request("GET", "/nothing")
    connection.getresponse().read()
    mock.stop()
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        connection.request("GET", "/nothing")
        connection.getresponse()
    connection.close()


def test_port_in_use_raises_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(MockStartError, match=rf"^cannot listen on 127\.0\.0\.1:{port}: address already in use$"):
            start_mock(port=port)
