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


@dataclass
class Request:
    name: str
    method: str
    url: str
    headers: list[Header]
    body: Any
    path: PathKey
    description: str = ""
    expect_status: int | None = None
    keep: dict[str, str] = field(default_factory=dict)
    scripts: dict[str, str] = field(default_factory=dict)

    @property
    def has_body(self) -> bool:
        return self.body is not None


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


def _merge_headers(defaults: dict[str, Any], own: dict[str, Any], request_path: PathKey) -> list[Header]:
    """Course headers first, then the request's: same name (any case) replaces, null removes."""
    merged: dict[str, Header] = {}
    for key, value in defaults.items():
        merged[key.lower()] = Header(key, value, ("headers", key))
    for key, value in own.items():
        if value is None:
            merged.pop(key.lower(), None)
        else:
            merged[key.lower()] = Header(key, value, request_path + ("headers", key))
    return list(merged.values())


def build_course(located: Located) -> Course:
    """Construct the model; ``located.data`` must already satisfy ``course.schema.json``."""
    data = located.data
    default_headers = {key: value for key, value in data.get("headers", {}).items() if value is not None}
    folders = []
    for f_index, folder in enumerate(data["folders"]):
        requests = []
        for r_index, raw in enumerate(folder["requests"]):
            path = ("folders", f_index, "requests", r_index)
            requests.append(
                Request(
                    name=raw["name"],
                    method=raw["method"],
                    url=raw["url"],
                    headers=_merge_headers(default_headers, raw.get("headers", {}), path),
                    body=raw.get("body"),
                    path=path,
                    description=raw.get("description", ""),
                    expect_status=raw.get("expect", {}).get("status"),
                    keep=dict(raw.get("keep", {})),
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
