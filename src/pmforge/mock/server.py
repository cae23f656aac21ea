"""The mock as a real HTTP server: stdlib ``ThreadingHTTPServer``, one thread per connection."""

from __future__ import annotations

import socket
import socketserver
import sys
import threading
import time
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TextIO
from urllib.parse import urlsplit

from pmforge.mock.app import MockApp, MockOptions, mock_options
from pmforge.mock.bodies import BodyError, check_json, read_body
from pmforge.mock.errors import problem
from pmforge.mock.messages import JSON, Reply, Request
from pmforge.mock.state import MockState
from pmforge.mock.stats import LatencySummary, RequestLog, RequestRecord

DEFAULT_PORT = 8080


class MockStartError(Exception):
    """The server could not listen (port in use, bad host): a message for people, no traceback."""


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(self, host: str, port: int, app: MockApp, requests: RequestLog) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.app = app
        self.requests = requests
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__((host, port), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn, a reverse DNS lookup that can stall startup.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients hang up mid keep-alive all the time (and stop() hangs up on them): not worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def opened(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def closed(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        """Wake threads parked on idle keep-alive connections, so stop() leaves nothing serving."""
        with self._connections_lock:
            for connection in list(self._connections):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer
    protocol_version = "HTTP/1.1"  # keep-alive: Newman and benchmarks reuse connections
    timeout = 30
    # Headers and body go out as two writes; with Nagle on, the body waits ~40 ms for a delayed ACK.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        self.server.opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.closed(self.connection)

    def _serve(self) -> None:
        started = time.perf_counter()
        split = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            body = read_body(self.rfile, self.headers)
            request = Request(self.command, split.path, split.query, headers, body)
            check_json(body, request.media_type())
            reply = self.server.app.handle(request)
        except BodyError as error:
            self.close_connection = True
            reply = problem(error.status, error.detail)
        except RecursionError:  # a JSON string holding JSON (a pql/json value) can nest too
            reply = problem(400, "The request nests too deeply to be read")
        except Exception:  # a bug in the mock must still answer in JSON, and say so on stderr
            traceback.print_exc(file=sys.stderr)
            reply = problem(500, "The mock failed to handle this request; see its stderr.")
        try:
            payload = reply.encode()
        except UnicodeEncodeError:  # text from the request that is no Unicode, echoed back
            reply = problem(400, "The request holds text that is not valid Unicode (a lone surrogate)")
            payload = reply.encode()
        # Recorded before the reply is written, so whoever holds a reply also finds its record.
        elapsed_ms = (time.perf_counter() - started) * 1000
        self.server.requests.add(RequestRecord(self.command, split.path, reply.status, elapsed_ms,
                                               headers.get("x-sandbox-name"), reply.notes))
        self._send(reply, payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self.request_version == "HTTP/0.9":  # "GET /" alone: it would be answered without a status line
            self.send_error(400, "Bad request line: expected METHOD PATH HTTP/1.1")
            return False
        return True

    def _send(self, reply: Reply, payload: bytes | None = None) -> None:
        payload = reply.encode() if payload is None else payload
        self.send_response(reply.status)
        if reply.status != 204:  # RFC 9110 §8.6: no Content-Length (and no body) on a 204
            self.send_header("Content-Type", JSON)
            self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if getattr(self, "command", None) != "HEAD":
            self.wfile.write(payload)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server's own errors (bad request line, unknown method...) are HTML; ours are JSON.
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # set so while the request line is unread: it would drop the status line
            self.request_version = "HTTP/1.0"
        self._send(problem(code, message or self.responses.get(code, ("Error",))[0]))

    def version_string(self) -> str:
        return "pmforge-mock"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # RequestLog writes our own line, with duration and sandbox

    def log_message(self, format: str, *args: object) -> None:
        pass


class MockServer:
    """A running mock: its URL, its state, its request log; ``stop()`` or use it as a context manager."""

    def __init__(self, httpd: _HttpServer, thread: threading.Thread | None) -> None:
        self._httpd = httpd
        self._thread = thread
        self.host, self.port = str(httpd.server_address[0]), int(httpd.server_address[1])
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"http://{shown}:{self.port}"

    @property
    def state(self) -> MockState:
        return self._httpd.app.state

    @property
    def options(self) -> MockOptions:
        return self._httpd.app.options

    def records(self) -> list[RequestRecord]:
        return self._httpd.requests.records()

    def stats(self) -> LatencySummary:
        return self._httpd.requests.summary()

    def reset_stats(self) -> None:
        self._httpd.requests.clear()

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.close_connections()
        self._httpd.server_close()

    def __enter__(self) -> MockServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _bind(host: str, port: int, *, options: MockOptions, stream: TextIO | None) -> _HttpServer:
    try:
        return _HttpServer(host, port, MockApp(options), RequestLog(stream))
    except OSError as error:
        reason = error.strerror or str(error)
        raise MockStartError(f"cannot listen on {host}:{port}: {reason.lower()}") from None


def start_mock(host: str = "127.0.0.1", port: int = 0, *, quiet: bool = True, log: TextIO | None = None,
               **options: Any) -> MockServer:
    """Start the mock in a background thread; ``port=0`` picks a free port (see ``.url``).

    ``options`` are ``mock_options``'s keywords: polls_to_finish, fail_jobs, fail_marker, lose_jobs,
    credentials, token_expires_after, throttle_after, throttle_burst, retry_after, existing_definitions,
    max_page_size (see ``pmforge.mock``).
    """
    httpd = _bind(host, port, options=mock_options(**options), stream=None if quiet else (log or sys.stderr))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01},
                              name=f"pmforge-mock-{httpd.server_address[1]}", daemon=True)
    thread.start()
    return MockServer(httpd, thread)


def serve_forever(host: str = "127.0.0.1", port: int = DEFAULT_PORT, *, quiet: bool = False,
                  log: TextIO | None = None, on_ready: Callable[[str], None] | None = None,
                  **options: Any) -> None:
    """Serve in this thread until Ctrl-C; ``on_ready(url)`` runs once the port is bound."""
    httpd = _bind(host, port, options=mock_options(**options), stream=None if quiet else (log or sys.stderr))
    server = MockServer(httpd, None)
    if on_ready is not None:
        on_ready(server.url)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
