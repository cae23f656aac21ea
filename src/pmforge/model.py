"""The course as plain objects, built from YAML that passed the course schema."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmforge.loading import Located, PathKey

# ${ldap}: a participant's value, filled in per participant by pmforge.
# {{NAME}}: a Postman variable, left for Postman to fill in.
PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
DEFAULT_SANDBOX = "prod"
DEFAULT_POLL_INTERVAL_MS = 60_000
# A segment job may take about 13 minutes: 30 polls a minute apart cover it.
DEFAULT_MAX_POLLS = 30


@dataclass(frozen=True)
class Header:
    key: str
    value: str
    path: PathKey  # where the header is written in the course file


@dataclass(frozen=True)
class EnvVar:
    key: str
    value: str
    secret: bool
    path: PathKey


@dataclass(frozen=True)
class Poll:
    field: str
    until: list[str]
    fail: list[str]
    errors: str | None
    interval_ms: int
    max_polls: int


@dataclass
class Request:
    name: str
    method: str
    url: str
    headers: list[Header]
    body: Any
    path: PathKey
    form: dict[str, str] | None = None
    description: str = ""
    expect_status: int | None = None
    expect_fields: list[str] = field(default_factory=list)
    keep: dict[str, list[str]] = field(default_factory=dict)  # variable -> paths, first present wins
    poll: Poll | None = None
    scripts: dict[str, str] = field(default_factory=dict)

    @property
    def body_kind(self) -> str | None:
        if self.form is not None:
            return "form"
        return "json" if self.body is not None else None


@dataclass
class Folder:
    name: str
    requests: list[Request]
    path: PathKey
    description: str = ""


@dataclass
class Course:
    source: Located
    name: str
    folders: list[Folder]
    environment: list[EnvVar]
    default_sandbox: str
    example_roster: Path | None
    description: str = ""

    @property
    def file(self) -> str:
        return self.source.file

    def requests(self) -> list[Request]:
        return [request for folder in self.folders for request in folder.requests]


def _merge_headers(levels: list[tuple[PathKey, dict[str, Any]]]) -> list[Header]:
    """Course, folder, then request headers: same name (any case) replaces, null removes."""
    merged: dict[str, Header] = {}
    for path, headers in levels:
        for key, value in headers.items():
            if value is None:
                merged.pop(key.lower(), None)
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
    )


def build_course(located: Located) -> Course:
    """Construct the model; ``located.data`` must already satisfy ``course.schema.json``."""
    data = located.data
    settings = data.get("settings", {})
    folders = []
    for f_index, folder in enumerate(data["folders"]):
        requests = []
        for r_index, raw in enumerate(folder["requests"]):
            path = ("folders", f_index, "requests", r_index)
            levels = [((), data.get("headers", {})), (("folders", f_index), folder.get("headers", {})), (path, raw.get("headers", {}))]
            expect = raw.get("expect", {})
            requests.append(
                Request(
                    name=raw["name"],
                    method=raw["method"],
                    url=raw["url"],
                    headers=_merge_headers(levels),
                    body=raw.get("body"),
                    form=raw.get("form"),
                    path=path,
                    description=raw.get("description", ""),
                    expect_status=expect.get("status"),
                    expect_fields=list(expect.get("fields", [])),
                    keep={name: [paths] if isinstance(paths, str) else list(paths) for name, paths in raw.get("keep", {}).items()},
                    poll=_poll(raw.get("poll"), settings),
                    scripts=dict(raw.get("scripts", {})),
                )
            )
        folders.append(Folder(folder["name"], requests, ("folders", f_index), folder.get("description", "")))
    environment = []
    for key, value in data.get("environment", {}).items():
        if isinstance(value, dict):
            environment.append(EnvVar(key, value["value"], bool(value.get("secret", False)), ("environment", key)))
        else:
            environment.append(EnvVar(key, value, False, ("environment", key)))
    roster = data.get("example_roster")
    return Course(
        source=located,
        name=data["collection"],
        description=data.get("description", ""),
        folders=folders,
        environment=environment,
        default_sandbox=data.get("defaults", {}).get("sandbox", DEFAULT_SANDBOX),
        example_roster=(Path(located.file).parent / roster) if roster else None,
    )
