"""Postman's v3 collection format (git workspaces), written from a rendered v2.1 collection.

A collection is a folder: ``.resources/definition.yaml`` for the collection and for each of its
folders, one ``<name>.request.yaml`` per request. There is no published schema; the shapes here
follow what ``postman collection migrate`` (postman-cli 1.34.0) writes for the same v2.1 file and
what ``postman collection lint`` accepts, and ``schemas/postman-v3-*.schema.json`` hold us to them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import yaml

from pmforge.names import file_name
from pmforge.problems import Problem
from pmforge.validation import schema_problems

ROOT = "postman"
COLLECTIONS = f"{ROOT}/collections"
ENVIRONMENTS = f"{ROOT}/environments"
DEFINITION = ".resources/definition.yaml"
REQUEST_SUFFIX = ".request.yaml"
ORDER_STEP = 1000
SCHEMAS = {"collection": "postman-v3-definition.schema.json", "http-request": "postman-v3-request.schema.json"}

_SCRIPT_TYPES = {"prerequest": "beforeRequest", "test": "afterResponse"}

Document = dict[str, Any]


class _Names:
    """File names in one folder: unique ignoring case, the second "a" becoming "a 1" as Postman does."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.seen: dict[str, int] = {}

    def claim(self, stem: str, suffix: str) -> str:
        base = stem.lower() + suffix
        count = self.seen.get(base, 0)
        candidate = stem if count == 0 else f"{stem} {count}"
        while (candidate.lower() + suffix) in self.used:
            count += 1
            candidate = f"{stem} {count}"
        self.seen[base] = count + 1
        self.used.add(candidate.lower() + suffix)
        return candidate


def _scripts(events: list[Mapping[str, Any]] | None, *, prefix: str = "") -> list[Document]:
    scripts = []
    for event in events or []:
        script = event.get("script") or {}
        lines = script.get("exec", [])
        scripts.append({
            "type": prefix + _SCRIPT_TYPES[event["listen"]],
            "code": lines if isinstance(lines, str) else "\n".join(lines),
            "language": script.get("type", "text/javascript"),
        })
    return scripts


def _pairs(entries: list[Mapping[str, Any]]) -> dict[str, Any] | list[Document]:
    """A mapping when it can say everything (plain key/value, no repeated key); else the list."""
    keys = [entry["key"] for entry in entries]
    if len(set(keys)) == len(keys) and all(set(entry) <= {"key", "value", "type"} for entry in entries):
        return {entry["key"]: entry.get("value") for entry in entries}
    return [{key: value for key, value in entry.items() if key != "type"} for entry in entries]


def _body(body: Mapping[str, Any]) -> Document | None:
    mode = body.get("mode")
    if mode == "raw":
        language = (body.get("options") or {}).get("raw", {}).get("language")
        return {"type": "json" if language == "json" else "text", "content": body.get("raw", "")}
    if mode == "urlencoded":
        return {"type": "urlencoded", "content": _pairs(body.get("urlencoded", []))}
    if mode == "formdata":
        return {"type": "formdata", "content": [dict(entry) for entry in body.get("formdata", [])]}
    if mode == "file":
        return {"type": "file", "content": dict(body.get("file") or {})}
    return None


def _request(item: Mapping[str, Any], stem: str, order: int) -> Document:
    request = item["request"]
    url = request["url"] if isinstance(request["url"], dict) else {"raw": request["url"]}
    document: Document = {"$kind": "http-request", "id": item["id"]}
    if item["name"] != stem:
        document["name"] = item["name"]
    if request.get("description"):
        document["description"] = request["description"]
    document["url"] = url["raw"]
    document["method"] = request["method"]
    if request.get("header"):
        document["headers"] = _pairs(request["header"])
    if url.get("query"):
        document["queryParams"] = _pairs(url["query"])
    if url.get("variable"):
        document["pathVariables"] = {variable["key"]: variable.get("value") for variable in url["variable"]}
    body = _body(request.get("body") or {})
    if body is not None:
        document["body"] = body
    if item.get("event"):
        document["scripts"] = _scripts(item["event"])
    document["order"] = order
    return document


def _definition(item: Mapping[str, Any], *, name: str | None, order: int | None, description: Any) -> Document:
    document: Document = {"$kind": "collection", "id": item["id"]}
    if name is not None:
        document["name"] = name
    if description:
        document["description"] = description
    if item.get("event"):
        document["scripts"] = _scripts(item["event"], prefix="http:")
    if order is not None:
        document["order"] = order
    return document


def _folder(items: list[Mapping[str, Any]], path: str) -> Iterator[tuple[str, Document]]:
    names = _Names()
    for position, item in enumerate(items, start=1):
        order = position * ORDER_STEP
        stem = file_name(item["name"])
        if "item" in item:
            directory = names.claim(stem, "/")
            yield f"{path}/{directory}/{DEFINITION}", _definition(
                item, name=None if item["name"] == directory else item["name"], order=order,
                description=item.get("description"))
            yield from _folder(item["item"], f"{path}/{directory}")
        else:
            request = names.claim(stem, REQUEST_SUFFIX)
            yield f"{path}/{request}{REQUEST_SUFFIX}", _request(item, request, order)


def documents(collection: Mapping[str, Any]) -> dict[str, Document]:
    """The v3 tree of a rendered v2.1 collection: path under the workspace → document, in order."""
    info = collection["info"]
    root = f"{COLLECTIONS}/{file_name(info['name'])}"
    # The collection keeps its name always (as migrate writes it): a folder name is not an identity.
    tree = {f"{root}/{DEFINITION}": _definition({"id": info["_postman_id"], "event": collection.get("event")},
                                                name=info["name"], order=None, description=info.get("description"))}
    tree.update(_folder(collection["item"], root))
    return tree


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Block style; multi-line text as literal blocks, so scripts and bodies read as written."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def dump(document: Document) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1 << 30)


class Written:
    """YAML already written and read back for a class, by path: a participant's document that differs from the
    first one written there only in its id (a folder, a request whose body no participant value fills) takes
    that text with its own id in place. A UUID is always a plain YAML string, so the text still reads back
    as the document; every other document is written and read back in full."""

    def __init__(self) -> None:
        # By path: the document without its id, as repr writes it (keys in order: YAML writes them in order),
        # and its text before and after the id.
        self.texts: dict[str, tuple[str, str, str] | None] = {}

    def text(self, path: str, document: Document) -> str | None:
        kept = self.texts.get(path)
        if kept is None or not _UUID.fullmatch(str(document.get("id"))):
            return None
        rest, before, after = kept
        return before + document["id"] + after if rest == repr({**document, "id": None}) else None

    def keep(self, path: str, document: Document, text: str) -> None:
        if path in self.texts:
            return
        found = _UUID.fullmatch(str(document.get("id"))) and text.count(document["id"]) == 1
        before, _, after = text.partition(document["id"]) if found else ("", "", "")
        self.texts[path] = (repr({**document, "id": None}), before, after) if found else None


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def files(collection: Mapping[str, Any], environment_text: str, *, environment_file: str,
          problem: Callable[[str, str], Problem], written_before: Written | None = None) -> tuple[dict[str, str], list[Problem]]:
    """The files of one participant's v3 workspace and the problems found checking them.

    Each document is checked against its schema and read back from the YAML written for it (or, with
    ``written_before``, takes the text of one that was, when only its id differs);
    ``problem(message, rule)`` turns a finding into a Problem placed where the caller wants it.
    """
    written: dict[str, str] = {}
    problems: list[Problem] = []
    for path, document in documents(collection).items():
        def locate(at: tuple[Any, ...], message: str, rule: str, at_key: bool, path: str = path) -> Problem:
            return problem(f"in {path}: {message}", rule)  # the message names the field itself

        problems += schema_problems(document, SCHEMAS[document["$kind"]], locate, rule="postman-v3-schema")
        text = written_before.text(path, document) if written_before is not None else None
        if text is None:
            text = dump(document)
            if yaml.load(text, Loader=_Loader) != document:
                problems.append(locate((), "the YAML written does not read back as the same document", "postman-v3-schema", False))
            elif written_before is not None:
                written_before.keep(path, document, text)
        written[path] = text
    written[f"{ENVIRONMENTS}/{environment_file}"] = environment_text
    return written, problems
