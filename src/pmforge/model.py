"""The course as plain objects, built from YAML that passed the course schema."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Union

from pmforge.loading import Located, PathKey

# ${ldap}: a participant's value, filled in per participant by pmforge.
# {{NAME}}: a Postman variable, left for Postman to fill in.
# $${ stands for a literal ${ (group 1 is then None).
PLACEHOLDER = re.compile(r"\$\$\{|\$\{([^}]*)\}")
DEFAULT_SANDBOX = "prod"
DEFAULT_POLL_INTERVAL_MS = 60_000
# A segment job may take about 13 minutes: 30 polls a minute apart cover it.
DEFAULT_MAX_POLLS = 30
# Busy replies are sent again a few times, after Retry-After or a doubling wait, never longer than a minute.
DEFAULT_RETRY_ON = (429, 503)
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF_MS = 1000
DEFAULT_MAX_WAIT_MS = 60_000
# The ways a request can carry a body; a request has one of them at the most.
BODY_KEYS = ("body", "form", "raw", "formdata", "file")


@dataclass(frozen=True)
class Header:
    key: str
    value: str
    path: PathKey  # where the header is written in the course file
    disabled: bool = False
    description: str = ""


@dataclass(frozen=True)
class EnvVar:
    key: str
    value: str
    secret: bool
    path: PathKey
    description: str = ""  # where a learner finds the value
    kept: str = ""  # why it stays in the environment although nothing uses it


@dataclass(frozen=True)
class Poll:
    field: str
    until: list[str]
    fail: list[str]
    errors: str | None
    interval_ms: int
    max_polls: int
    pending: list[str] | None = None  # values worth waiting on; None: any value not in until or fail


@dataclass(frozen=True)
class Exists:
    """How to find what a create refused as already there: a list to page through, matched by one field."""

    status: int
    list_url: str
    items: str
    match: str
    next: str | None
    next_base: str | None
    where: dict[str, str]  # more fields the item must hold: path -> value (Postman variables allowed)
    what: str


@dataclass(frozen=True)
class Retry:
    statuses: list[int]
    times: int
    backoff_ms: int
    max_wait_ms: int


@dataclass(frozen=True)
class Token:
    """The request that gets a token, sent by the collection itself when the token is missing or expired."""

    request: str
    expired_status: int | None
    expired_field: str | None
    expired_value: str | None
    fix: str


@dataclass(frozen=True)
class Resilience:
    errors: list[tuple[str, str]]  # where each service puts its error code and its message
    retry: Retry
    token: Token | None


@dataclass
class Request:
    name: str
    method: str
    url: str
    headers: list[Header]
    path: PathKey
    body: Any = None
    form: dict[str, str] | None = None
    raw: str | None = None
    formdata: list[dict[str, Any]] | None = None
    file: dict[str, Any] | None = None
    path_variables: dict[str, str] = field(default_factory=dict)
    description: str = ""
    expect_status: int | None = None
    expect_fields: list[str] = field(default_factory=list)
    keep: dict[str, list[str]] = field(default_factory=dict)  # variable -> paths, first present wins
    poll: Poll | None = None
    exists: Exists | None = None
    scripts: dict[str, str] = field(default_factory=dict)

    @property
    def body_kind(self) -> str | None:
        """json (body), form, raw, formdata, file or None."""
        for key in BODY_KEYS:
            if getattr(self, key) is not None:
                return "json" if key == "body" else key
        return None

    @property
    def sent_headers(self) -> list[Header]:
        return [header for header in self.headers if not header.disabled]


@dataclass
class Folder:
    name: str
    items: list[Item]
    path: PathKey
    description: str = ""
    scripts: dict[str, str] = field(default_factory=dict)


Item = Union[Folder, Request]


@dataclass
class Course:
    source: Located
    name: str
    items: list[Item]
    environment: list[EnvVar]
    default_sandbox: str
    example_roster: Path | None
    description: str = ""
    scripts: dict[str, str] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)
    resilience: Resilience = field(default_factory=lambda: _resilience({}))

    @property
    def file(self) -> str:
        return self.source.file

    def requests(self) -> list[Request]:
        """Every request, depth first, in collection order."""
        return list(_walk(self.items))


def _walk(items: list[Item]) -> Iterator[Request]:
    for item in items:
        if isinstance(item, Folder):
            yield from _walk(item.items)
        else:
            yield item


def _merge_headers(levels: list[tuple[PathKey, dict[str, Any]]]) -> list[Header]:
    """Course, folders, then request headers: same name (any case) replaces, null removes."""
    merged: dict[str, Header] = {}
    for path, headers in levels:
        for key, value in headers.items():
            if value is None:
                merged.pop(key.lower(), None)
            elif isinstance(value, dict):
                merged[key.lower()] = Header(key, value["value"], path + ("headers", key), bool(value.get("disabled")), value.get("description", ""))
            else:
                merged[key.lower()] = Header(key, value, path + ("headers", key))
    return list(merged.values())


def _poll(raw: dict[str, Any] | None, settings: dict[str, Any]) -> Poll | None:
    if raw is None:
        return None
    return Poll(
        field=raw["field"],
        until=list(raw["until"]),
        fail=list(raw.get("fail", [])),
        errors=raw.get("errors"),
        interval_ms=settings.get("poll_interval_ms", DEFAULT_POLL_INTERVAL_MS),
        max_polls=settings.get("max_polls", DEFAULT_MAX_POLLS),
        pending=list(raw["pending"]) if "pending" in raw else None,
    )


def _exists(raw: dict[str, Any] | None) -> Exists | None:
    if raw is None:
        return None
    return Exists(status=raw.get("status", 422), list_url=raw["list"], items=raw["items"], match=raw["match"],
                  next=raw.get("next"), next_base=raw.get("next_base"), where=dict(raw.get("where", {})), what=raw.get("what", "it"))


def _resilience(raw: dict[str, Any]) -> Resilience:
    retry = raw.get("retry", {})
    token = raw.get("token")
    expired = (token or {}).get("expired", {})
    return Resilience(
        errors=[(pair["code"], pair["message"]) for pair in raw.get("errors", [])],
        retry=Retry(statuses=list(retry.get("statuses", DEFAULT_RETRY_ON)), times=retry.get("times", DEFAULT_RETRIES),
                    backoff_ms=retry.get("backoff_ms", DEFAULT_BACKOFF_MS),
                    max_wait_ms=retry.get("max_wait_ms", DEFAULT_MAX_WAIT_MS)),
        token=Token(request=token["request"], expired_status=expired.get("status"), expired_field=expired.get("field"),
                    expired_value=None if "equals" not in expired else str(expired["equals"]),
                    fix=token.get("fix", "")) if token else None,
    )


def _request(raw: dict[str, Any], path: PathKey, levels: list[tuple[PathKey, dict[str, Any]]], settings: dict[str, Any]) -> Request:
    expect = raw.get("expect", {})
    return Request(
        name=raw["name"],
        method=raw["method"],
        url=raw["url"],
        headers=_merge_headers([*levels, (path, raw.get("headers", {}))]),
        path=path,
        body=raw.get("body"),
        form=raw.get("form"),
        raw=raw.get("raw"),
        formdata=raw.get("formdata"),
        file=raw.get("file"),
        path_variables=dict(raw.get("path_variables", {})),
        description=raw.get("description", ""),
        expect_status=expect.get("status"),
        expect_fields=list(expect.get("fields", [])),
        keep={name: [paths] if isinstance(paths, str) else list(paths) for name, paths in raw.get("keep", {}).items()},
        poll=_poll(raw.get("poll"), settings),
        exists=_exists(raw.get("exists")),
        scripts=dict(raw.get("scripts", {})),
    )


def _items(raw_items: list[dict[str, Any]], path: PathKey, levels: list[tuple[PathKey, dict[str, Any]]], settings: dict[str, Any]) -> list[Item]:
    items: list[Item] = []
    for index, raw in enumerate(raw_items):
        item_path = path + (index,)
        if "method" in raw or "url" in raw:
            items.append(_request(raw, item_path, levels, settings))
        else:
            inner = [*levels, (item_path, raw.get("headers", {}))]
            children = _items(raw.get("requests", []), item_path + ("requests",), inner, settings)
            items.append(Folder(raw["name"], children, item_path, raw.get("description", ""), dict(raw.get("scripts", {}))))
    return items


def build_course(located: Located) -> Course:
    """Construct the model; ``located.data`` must already satisfy ``course.schema.json``."""
    data = located.data
    settings = data.get("settings", {})
    environment = []
    for key, value in data.get("environment", {}).items():
        if isinstance(value, dict):
            environment.append(EnvVar(key, value["value"], bool(value.get("secret", False)), ("environment", key), value.get("description", ""), value.get("kept", "")))
        else:
            environment.append(EnvVar(key, value, False, ("environment", key)))
    roster = data.get("example_roster")
    return Course(
        source=located,
        name=data["collection"],
        description=data.get("description", ""),
        items=_items(data["folders"], ("folders",), [((), data.get("headers", {}))], settings),
        environment=environment,
        default_sandbox=data.get("defaults", {}).get("sandbox", DEFAULT_SANDBOX),
        example_roster=(Path(located.file).parent / roster) if roster else None,
        scripts=dict(data.get("scripts", {})),
        resilience=_resilience(data.get("resilience", {})),
        rules={rule: "off" if setting is False else setting for rule, setting in settings.get("rules", {}).items()},
    )
