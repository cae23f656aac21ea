"""A few lines of urllib for talking to the mock from tests and benchmarks.

Deliberately the stdlib client: what it sees is what any HTTP client would see.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # names lower case
    raw: bytes

    @property
    def body(self) -> Any:
        return json.loads(self.raw) if self.raw else None


def send(method: str, url: str, body: bytes | str | None = None, *, headers: Mapping[str, str] | None = None,
         timeout: float = 5.0) -> Response:
    """One request; 4xx and 5xx come back as a Response too, never as an exception."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return Response(reply.status, _lower(reply.headers.items()), reply.read())
    except urllib.error.HTTPError as error:
        with error:
            return Response(error.code, _lower(error.headers.items()), error.read())


def fetch_token(base_url: str, client_id: str, client_secret: str, *, scope: str = "openid,AdobeID") -> str:
    """An access token from the mock's ``/ims/token/v3``; raises if it is refused."""
    form = urlencode({"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret,
                      "scope": scope})
    reply = send("POST", f"{base_url}/ims/token/v3", form, headers=FORM_HEADERS)
    if reply.status != 200:
        raise RuntimeError(f"token refused: {reply.status} {reply.raw!r}")
    return str(reply.body["access_token"])


def aep_headers(token: str, client_id: str, *, org: str, sandbox: str, json_body: bool = True) -> dict[str, str]:
    """The headers every Segmentation call sends (REFERENCE.md §2.1)."""
    headers = {"Authorization": f"Bearer {token}", "x-api-key": client_id, "x-gw-ims-org-id": org,
               "x-sandbox-name": sandbox}
    if json_body:
        headers["Content-Type"] = "application/json"
    return headers


def _lower(items: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in items}


class AepSession:
    """A client with a token, calling ``/data/core/ups`` paths in one org and (by default) one sandbox."""

    def __init__(self, base_url: str, *, client_id: str = "pmforge-client", client_secret: str = "pmforge-secret",
                 org: str = "A1B2C3D4E5F6@AdobeOrg", sandbox: str = "prod") -> None:
        self.base_url = base_url
        self.client_id = client_id
        self.org = org
        self.sandbox = sandbox
        self.token = fetch_token(base_url, client_id, client_secret)

    def headers(self, *, sandbox: str | None = None, json_body: bool = True) -> dict[str, str]:
        return aep_headers(self.token, self.client_id, org=self.org, sandbox=sandbox or self.sandbox,
                           json_body=json_body)

    def post(self, path: str, payload: Any, *, sandbox: str | None = None) -> Response:
        return send("POST", f"{self.base_url}/data/core/ups{path}", json.dumps(payload),
                    headers=self.headers(sandbox=sandbox))

    def get(self, path: str, *, sandbox: str | None = None) -> Response:
        return send("GET", f"{self.base_url}/data/core/ups{path}", headers=self.headers(sandbox=sandbox, json_body=False))

    def delete(self, path: str, *, sandbox: str | None = None) -> Response:
        return send("DELETE", f"{self.base_url}/data/core/ups{path}",
                    headers=self.headers(sandbox=sandbox, json_body=False))
