"""What a collection holds, read defensively: folders, requests, scripts, headers.

Exports come from many Postman versions and from hand edits, so nothing here
assumes a shape: a value of the wrong type is skipped (the structure rules
report it), never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from pmforge.lint.positions import Document, PathKey


@dataclass(frozen=True)
class Line:
    """One line of a script, with the path of its string in the file."""

    path: PathKey
    text: str


@dataclass(frozen=True)
class Script:
    path: PathKey  # of the event
    listen: str
    lines: tuple[Line, ...]

    @property
    def code(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass(frozen=True)
class Header:
    path: PathKey
    key: str
    value: str


@dataclass(frozen=True)
class RequestItem:
    """A request item, with the folders (and the collection root) it sits in, outermost first."""

    path: PathKey
    data: dict[str, Any]
    ancestors: tuple[PathKey, ...]

    @property
    def name(self) -> str:
        name = self.data.get("name")
        return name if isinstance(name, str) else ""

    @property
    def request(self) -> dict[str, Any]:
        request = self.data.get("request")
        return request if isinstance(request, dict) else {}

    @property
    def request_path(self) -> PathKey:
        return self.path + ("request",)

    @property
    def method(self) -> str:
        method = self.request.get("method", "GET")
        return method.upper() if isinstance(method, str) else "GET"

    def headers(self) -> list[Header]:
        """Headers that are sent: ``disabled`` ones are left out."""
        found = []
        for index, header in enumerate(_list(self.request.get("header"))):
            if isinstance(header, dict) and isinstance(header.get("key"), str) and not header.get("disabled"):
                value = header.get("value")
                found.append(Header(self.request_path + ("header", index), header["key"], value if isinstance(value, str) else ""))
        return found

    def header(self, name: str) -> Header | None:
        return next((h for h in self.headers() if h.key.lower() == name), None)

    @property
    def has_body(self) -> bool:
        body = self.request.get("body")
        if not isinstance(body, dict) or body.get("disabled"):
            return False
        mode = body.get("mode")
        content = body.get(mode) if isinstance(mode, str) else None
        return bool(content.strip()) if isinstance(content, str) else bool(content)

    def url_text(self) -> str:
        """The URL as Newman builds it: from the parts when ``url`` is an object (``raw`` is then ignored)."""
        # A request may also be written as just its URL string.
        url = self.data.get("request") if isinstance(self.data.get("request"), str) else self.request.get("url", "")
        if isinstance(url, str):
            return url
        if not isinstance(url, dict):
            return ""
        host, path = url.get("host", ""), url.get("path", "")
        if not host and not path:
            return url.get("raw", "") if isinstance(url.get("raw"), str) else ""
        host = ".".join(str(h) for h in host) if isinstance(host, list) else str(host)
        if isinstance(path, list):
            path = "/".join(str(p.get("value", "")) if isinstance(p, dict) else str(p) for p in path)
        protocol = f"{url['protocol']}://" if isinstance(url.get("protocol"), str) else ""
        return f"{protocol}{host}/{str(path).lstrip('/')}"


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def scripts(node: Any, path: PathKey) -> Iterator[Script]:
    """The scripts of a collection, folder or request item at ``path``."""
    if not isinstance(node, dict):
        return
    for index, event in enumerate(_list(node.get("event"))):
        if not isinstance(event, dict) or event.get("disabled") is True:
            continue
        script = event.get("script")
        if not isinstance(script, dict):
            continue
        exec_path = path + ("event", index, "script", "exec")
        code = script.get("exec")
        if isinstance(code, str):
            lines: tuple[Line, ...] = (Line(exec_path, code),)
        else:
            lines = tuple(Line(exec_path + (n,), text) for n, text in enumerate(_list(code)) if isinstance(text, str))
        listen = event.get("listen")
        yield Script(path + ("event", index), listen if isinstance(listen, str) else "", lines)


def requests(document: Document) -> list[RequestItem]:
    """Every request item in run order (depth first, as Newman runs them)."""
    found: list[RequestItem] = []

    def walk(items: Any, path: PathKey, ancestors: tuple[PathKey, ...]) -> None:
        for index, item in enumerate(_list(items)):
            here = path + (index,)
            if not isinstance(item, dict):
                continue
            if "item" in item:
                walk(item["item"], here + ("item",), ancestors + (here,))
            elif "request" in item:
                found.append(RequestItem(here, item, ancestors))

    if isinstance(document.data, dict):
        walk(document.data.get("item"), ("item",), ((),))
    return found


def node_at(document: Document, path: PathKey) -> Any:
    node = document.data
    for part in path:
        node = node[part]
    return node
