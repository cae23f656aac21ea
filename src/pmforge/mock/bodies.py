"""Reading request bodies off the wire, strictly, and refusing JSON no handler should have to hold.

Everything here turns a hostile request into a ``BodyError`` (status and
detail), which the server answers as a JSON problem: a body is never read past
``MAX_BODY_BYTES``, a chunk size is hex digits and nothing else, and a JSON
body with a lone surrogate, nesting past ``MAX_DEPTH`` or a number too long to
convert is a 400 before any handler sees it.
"""

from __future__ import annotations

import json
import re
from email.message import Message
from typing import Any, BinaryIO

MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 64  # a segment definition nests 3 deep; PQL trees travel as strings
_MAX_LINE = 1024
_MAX_TRAILERS = 32
_DIGITS = re.compile(rb"[0-9]+")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,8})[ \t]*(?:;[^\r\n]*)?\r?\n")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class BodyError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _too_large() -> BodyError:
    return BodyError(413, f"The request body is larger than {MAX_BODY_BYTES} bytes")


def read_body(stream: BinaryIO, headers: Message) -> bytes | None:
    """The body of a request whose headers were just read from ``stream``."""
    encodings = [part.strip().lower() for value in headers.get_all("transfer-encoding") or [] for part in value.split(",")]
    if encodings:
        # RFC 9112 §6.3: chunked must come last in a request, else the length is unknowable.
        if encodings[-1] != "chunked" or encodings.count("chunked") != 1 or any(part not in ("chunked", "identity") for part in encodings):
            raise BodyError(400, f"Unsupported Transfer-Encoding: {', '.join(encodings)}; send chunked or a Content-Length")
        return _read_chunked(stream)
    lengths = {value.strip() for value in headers.get_all("content-length") or []}
    if not lengths:
        return None
    if len(lengths) > 1:
        raise BodyError(400, "Conflicting Content-Length headers")
    raw = lengths.pop()
    if not _DIGITS.fullmatch(raw.encode("latin-1", "replace")):
        raise BodyError(400, f"Content-Length is not a number: {raw!r}")
    length = int(raw)
    if length > MAX_BODY_BYTES:
        raise _too_large()
    body = stream.read(length) if length else b""
    if len(body) < length:
        raise BodyError(400, "The request body ended before its Content-Length")
    return body or None


def _read_chunked(stream: BinaryIO) -> bytes | None:
    chunks: list[bytes] = []
    total = 0
    while True:
        line = stream.readline(_MAX_LINE + 1)
        match = _CHUNK_SIZE.fullmatch(line)
        if match is None:
            raise BodyError(400, "Malformed chunked request body: a chunk size is hex digits, then CRLF")
        size = int(match.group(1), 16)
        if size == 0:
            break
        total += size
        if total > MAX_BODY_BYTES:
            raise _too_large()
        chunk = stream.read(size)
        if len(chunk) < size or stream.readline(3) not in (b"\r\n", b"\n"):
            raise BodyError(400, "Malformed chunked request body: a chunk is not the size it announced")
        chunks.append(chunk)
    for _ in range(_MAX_TRAILERS):
        line = stream.readline(_MAX_LINE + 1)
        if line in (b"\r\n", b"\n"):
            return b"".join(chunks) or None
        if not line or len(line) > _MAX_LINE:
            break
    raise BodyError(400, "Malformed chunked request body: the trailer section does not end")


def check_json(body: bytes | None, media_type: str) -> None:
    """Refuse a JSON body whose value would break a handler: the message says what to change."""
    if not body or not (media_type == "application/json" or media_type.endswith("+json")):
        return
    try:
        value = json.loads(body)
    except RecursionError:
        raise BodyError(400, f"The request body nests deeper than {MAX_DEPTH} levels") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return  # not JSON at all: the handler says so, in its own words
    except ValueError as error:  # an integer of more than 4,300 digits
        raise BodyError(400, f"The request body cannot be read as JSON: {error}") from None
    _check_value(value)


def _check_value(value: Any) -> None:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BodyError(400, f"The request body nests deeper than {MAX_DEPTH} levels")
        if isinstance(node, str):
            if _SURROGATE.search(node):
                raise BodyError(400, "The request body holds a lone surrogate (such as \\ud800), which is not Unicode text")
        elif isinstance(node, dict):
            stack.extend((key, depth) for key in node)
            stack.extend((item, depth + 1) for item in node.values())
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)
