"""The request and reply values the mock's handlers exchange, free of any socket."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Request:
    """One HTTP request as the handlers see it. Header names are lower case."""

    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def media_type(self) -> str:
        """The Content-Type without parameters, lower case ("" when absent)."""
        raw = self.header("content-type") or ""
        return raw.split(";", 1)[0].strip().lower()

    def query_params(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.query).items()}


@dataclass(frozen=True)
class Reply:
    """A JSON reply: every response the mock sends is one of these. ``body`` None sends no body
    (204); ``notes`` go to the mock's log line for this request, not to the client."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
