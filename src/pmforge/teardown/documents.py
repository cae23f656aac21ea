"""The trainer's three files as data: the teardown collection, its environment, the iteration data.

The collection's logic is JavaScript kept in ``templates/teardown/``; the course's declaration
reaches it as one JSON object (``const teardown = {...};``), so no name or value can break out of
the script.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from pmforge.checks import encoded_body
from pmforge.model import Request
from pmforge.rendering import NAMESPACE, fill, url_object
from pmforge.resources import data_dir
from pmforge.roster import Participant
from pmforge.teardown.declaration import PARTICIPANT_COLUMNS, Teardown

COLLECTION_SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
_INDEX = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Documents:
    name: str
    collection: dict[str, Any]
    environment: dict[str, Any]
    data: list[dict[str, str]]


def _js(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _script(listen: str, lines: list[str]) -> dict[str, Any]:
    return {"listen": listen, "script": {"type": "text/javascript", "exec": lines}}


def _script_lines(name: str, config: str) -> list[str]:
    """The script in ``templates/teardown/NAME`` after the declaration, in a function of its own:
    Postman's sandbox has legacy globals (``iteration``, ``data``...) that a top-level const would clash with."""
    text = (data_dir("templates") / "teardown" / name).read_text(encoding="utf-8")
    return ["(function () {", config, *text.rstrip("\n").split("\n"), "})();"]


def _config(teardown: Teardown) -> dict[str, Any]:
    find = teardown.find
    return {
        "token": teardown.token.name, "tokenVariables": teardown.token_variables,
        "find": find.name, "items": find.items, "match": find.match, "id": find.id, "next": find.next,
        "nextBase": find.next_base, "maxPages": find.max_pages,
        "delete": teardown.delete.name, "deleteStatus": teardown.delete.status, "retries": teardown.retries,
    }


def _accessor(path: str) -> str:
    parts = _INDEX.sub(r".\1", path).split(".")
    return "body" + "".join(f"?.[{part}]" if part.isdigit() else f"?.[{_js(part)}]" for part in parts)


def _token_lines(request: Request) -> list[str]:
    """Keep the token where the course keeps it; the flow (retry, resume) is the collection's script."""
    lines = ["if (pm.response.code === 200) {", "    const body = pm.response.json();"]
    for variable, paths in request.keep.items():
        lines.append(f"    pm.environment.set({_js(variable)}, {' ?? '.join(_accessor(path) for path in paths)});")
    return lines + ["}"]


def _header_list(headers: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in headers.items()]


def _token_item(request: Request, ids: uuid.UUID) -> dict[str, Any]:
    sent: dict[str, Any] = {"method": request.method,
                            "header": _header_list({header.key: header.value for header in request.sent_headers})}
    kind = request.body_kind
    if kind == "form":
        sent["body"] = {"mode": "urlencoded",
                        "urlencoded": [{"key": key, "value": value, "type": "text"} for key, value in (request.form or {}).items()]}
    elif kind == "json":
        sent["body"] = {"mode": "raw", "raw": json.dumps(encoded_body(request.body), indent=4, ensure_ascii=False),
                        "options": {"raw": {"language": "json"}}}
    elif kind == "raw":
        sent["body"] = {"mode": "raw", "raw": request.raw}
    sent["url"] = url_object(request.url, request.path_variables)
    return {"id": str(uuid.uuid5(ids, request.name)), "name": request.name,
            "event": [_script("test", _token_lines(request))], "request": sent, "response": []}


def _item(name: str, method: str, url: str, headers: dict[str, str], ids: uuid.UUID) -> dict[str, Any]:
    return {"id": str(uuid.uuid5(ids, name)), "name": name,
            "request": {"method": method, "header": _header_list(headers), "url": url_object(url)}, "response": []}


def teardown_documents(course_name: str, teardown: Teardown, participants: list[Participant]) -> Documents:
    name = f"{course_name} - Teardown"
    collection_id = uuid.uuid5(NAMESPACE, f"teardown-collection\0{course_name}")
    config = f"const teardown = {_js(_config(teardown))};"
    columns = [*PARTICIPANT_COLUMNS, *teardown.data]
    collection = {
        "info": {"_postman_id": str(collection_id), "name": name, "description": teardown.description,
                 "schema": COLLECTION_SCHEMA},
        "event": [_script("prerequest", _script_lines("prerequest.js", config)),
                  _script("test", _script_lines("test.js", config))],
        "item": [
            _token_item(teardown.token, collection_id),
            _item(teardown.find.name, "GET", teardown.find.url, teardown.headers, collection_id),
            _item(teardown.delete.name, teardown.delete.method, teardown.delete.url, teardown.headers, collection_id),
        ],
        # Filled in for each participant from the iteration data, which Postman puts above collection variables.
        "variable": [{"key": column, "value": ""} for column in columns],
    }
    if not teardown.description:
        del collection["info"]["description"]
    environment = {
        "id": str(uuid.uuid5(NAMESPACE, f"teardown-environment\0{course_name}")),
        "name": name,
        "values": [{"key": variable.key, "value": "" if variable.secret else variable.value,
                    "type": "secret" if variable.secret else "default", "enabled": True}
                   for variable in teardown.environment],
        "_postman_variable_scope": "environment",
        "_postman_exported_using": "pmforge",
    }
    data = [{"ldap": participant.ldap, "sandbox": participant.sandbox,
             **{key: fill(value, participant.fields()) for key, value in teardown.data.items()}}
            for participant in participants]
    return Documents(name, collection, environment, data)
