"""The shape of a collection or environment: kinds of file, known keys, JSON types, event names.

Postman's official schema closes no object, and the app and Newman drop what
they do not know, so a misspelt key (``reqest``, ``heder``) just vanishes.
Here every object of a v2.0/v2.1 collection and of an environment has a list
of the keys Postman reads or writes, and anything else is reported with the
nearest known key.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, Iterator

from pmforge.lint.positions import Document, PathKey
from pmforge.lint.rules import RULES
from pmforge.problems import Problem

if TYPE_CHECKING:
    from pmforge.lint.context import Context

COLLECTION, ENVIRONMENT = "collection", "environment"
SCHEMA_URLS = {
    f"https://schema.{host}.com/json/collection/{version}/collection.json"
    for host in ("getpostman", "postman") for version in ("v2.0.0", "v2.1.0")
}
LISTEN = ("prerequest", "test")
KINDS = (COLLECTION, ENVIRONMENT)  # the files this module's check runs on

_VARIABLE = ("id", "key", "value", "type", "name", "description", "system", "disabled")
_KEYS: dict[str, tuple[str, ...]] = {
    "collection": ("info", "item", "event", "variable", "auth", "protocolProfileBehavior"),
    "info": ("name", "_postman_id", "description", "version", "schema", "_exporter_id", "_collection_link"),
    "folder": ("name", "description", "variable", "item", "event", "auth", "protocolProfileBehavior",
               "id", "_postman_id", "_postman_isSubFolder"),
    "item": ("id", "name", "description", "variable", "event", "request", "response", "protocolProfileBehavior", "_postman_id"),
    "request": ("url", "auth", "proxy", "certificate", "method", "description", "header", "body"),
    # type and name are not in the schema, but the Postman app writes them on headers.
    "header": ("key", "value", "disabled", "description", "type", "name"),
    "body": ("mode", "raw", "urlencoded", "formdata", "file", "graphql", "options", "disabled"),
    "urlencoded": ("key", "value", "disabled", "description", "type"),
    "formdata": ("key", "value", "src", "disabled", "type", "contentType", "description"),
    "url": ("raw", "protocol", "host", "path", "port", "query", "hash", "variable"),
    "query": ("key", "value", "disabled", "description"),
    "variable": _VARIABLE,
    "auth": ("type", "noauth", "apikey", "awsv4", "basic", "bearer", "digest", "edgegrid", "hawk", "ntlm",
             "oauth1", "oauth2", "jwt", "asap", "akamai"),
    "event": ("id", "listen", "script", "disabled"),
    "script": ("id", "type", "exec", "src", "name", "packages"),
    "response": ("id", "name", "originalRequest", "responseTime", "timings", "header", "cookie", "body", "status",
                 "code", "_postman_previewlanguage", "_postman_previewtype"),
    "environment": ("id", "name", "values", "_postman_variable_scope", "_postman_exported_at", "_postman_exported_using",
                    "isPublic", "owner", "createdAt", "updatedAt", "uid"),
    "env-value": ("key", "value", "type", "enabled", "description"),
}
# key -> (kind of the value, whether the value is a list of that kind)
_CHILDREN: dict[str, dict[str, tuple[str, bool]]] = {
    "collection": {"info": ("info", False), "item": ("entry", True), "event": ("event", True),
                   "variable": ("variable", True), "auth": ("auth", False)},
    "folder": {"item": ("entry", True), "event": ("event", True), "variable": ("variable", True), "auth": ("auth", False)},
    "item": {"request": ("request", False), "event": ("event", True), "variable": ("variable", True),
             "response": ("response", True)},
    "request": {"header": ("header", True), "body": ("body", False), "url": ("url", False), "auth": ("auth", False)},
    "body": {"urlencoded": ("urlencoded", True), "formdata": ("formdata", True)},
    "url": {"query": ("query", True), "variable": ("variable", True)},
    "event": {"script": ("script", False)},
    "environment": {"values": ("env-value", True)},
}
# The scalar types the rules read: key -> allowed Python types (None: JSON null).
_STR, _STR_OR_NULL = (str,), (str, type(None))
_SCALARS: dict[str, dict[str, tuple[type, ...]]] = {
    "info": {"name": _STR},
    "folder": {"name": _STR},
    "item": {"name": _STR},
    "request": {"method": _STR},
    "header": {"key": _STR, "value": _STR_OR_NULL, "disabled": (bool,)},
    "body": {"mode": _STR, "raw": _STR_OR_NULL},
    "urlencoded": {"key": _STR, "value": _STR_OR_NULL, "disabled": (bool,)},
    "formdata": {"key": _STR, "value": _STR_OR_NULL, "disabled": (bool,)},
    "url": {"raw": _STR, "protocol": _STR, "host": (str, list), "path": (str, list), "port": _STR},
    "query": {"key": _STR_OR_NULL, "value": _STR_OR_NULL, "disabled": (bool,)},
    "variable": {"key": _STR},
    "env-value": {"key": _STR},
}
# The types of the entries of those scalar lists: a host is names, a path names or {type, value} objects.
_ITEMS: dict[str, dict[str, tuple[type, ...]]] = {"url": {"host": _STR, "path": (str, dict)}}
# A string stands for the whole object here (a URL, a header block); null means "inherit" or "none".
_STRING_OK = {"request", "url", "header"}
_NULL_OK = {"auth", "body", "url"}
_NAMES = {"entry": "item", "env-value": "environment value", "formdata": "form field", "urlencoded": "form field"}


def file_kind(data: Any) -> str | None:
    if isinstance(data, dict) and ("info" in data or "item" in data):
        return COLLECTION
    if isinstance(data, dict) and ("values" in data or isinstance(data.get("environment"), dict)):
        return ENVIRONMENT
    return None


def environment_root(data: Any) -> tuple[Any, PathKey]:
    """Newman also reads the Postman API's ``{"environment": {...}}`` wrapper."""
    if isinstance(data, dict) and isinstance(data.get("environment"), dict) and "values" not in data:
        return data["environment"], ("environment",)
    return data, ()


def check(context: Context) -> list[Problem]:
    """The rules of this module (structure, unknown-key, event-listen, collection-version): the linter runs them first,
    on collections and environments alike, and the other document rules only on a file they pass."""
    return structure_problems(context.document, context.kind)


def structure_problems(document: Document, kind: str) -> list[Problem]:
    if kind == ENVIRONMENT:
        root, path = environment_root(document.data)
        return list(_check(document, root, path, "environment"))
    problems = list(_check(document, document.data, (), "collection"))
    info = document.data.get("info") if isinstance(document.data, dict) else None
    schema = info.get("schema") if isinstance(info, dict) else None
    if not isinstance(schema, str) or schema not in SCHEMA_URLS:
        where = ("info", "schema") if isinstance(schema, str) else ("info",)
        expected = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
        problems.append(_problem(document, where, f"info.schema is {schema!r}, not a v2.0/v2.1 schema URL such as {expected!r}", "collection-version"))
    return problems


def _problem(document: Document, path: PathKey, message: str, rule: str, *, key: bool = False) -> Problem:
    return document.problem(path, message, rule, severity=RULES[rule].severity, key=key)


def _check(document: Document, node: Any, path: PathKey, kind: str) -> Iterator[Problem]:
    if kind == "entry":
        kind = "folder" if isinstance(node, dict) and "item" in node else "item"
        if isinstance(node, dict) and "item" not in node and "request" not in node:
            yield _problem(document, path, "this item has neither request nor item, so it holds nothing to run", "structure")
    if not isinstance(node, dict):
        if not (kind in _STRING_OK and isinstance(node, str)) and not (kind in _NULL_OK and node is None):
            yield _problem(document, path, f"a {_NAMES.get(kind, kind)} must be an object, not {_type(node)}", "structure")
        return
    known = _KEYS.get(kind)
    if known is not None:
        for key in node:
            if key not in known:
                guess = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f"; did you mean {guess[0]!r}?" if guess else f"; known keys: {', '.join(known)}"
                yield _problem(document, path + (key,), f"unknown key {key!r} in a {_NAMES.get(kind, kind)}{hint}", "unknown-key", key=True)
    for key, types in _SCALARS.get(kind, {}).items():
        if key in node and not isinstance(node[key], types):
            expected = " or ".join("null" if t is type(None) else {"str": "a string", "bool": "a boolean", "list": "a list"}[t.__name__] for t in types)
            yield _problem(document, path + (key,), f"{key} must be {expected}, not {_type(node[key])}", "structure")
    for key, types in _ITEMS.get(kind, {}).items():
        for index, entry in enumerate(node[key] if isinstance(node.get(key), list) else []):
            if not isinstance(entry, types):
                expected = "a string" if types == _STR else "a string or an object"
                yield _problem(document, path + (key, index), f"{key}[{index}] must be {expected}, not {_type(entry)}", "structure")
    if kind == "event":
        yield from _listen(document, node, path)
    if kind == "script" and "exec" in node and not _is_code(node["exec"]):
        yield _problem(document, path + ("exec",), "script.exec must be a list of lines (strings) or a string", "structure")
    for key, (child, is_list) in _CHILDREN.get(kind, {}).items():
        if key not in node:
            continue
        value = node[key]
        if not is_list:
            yield from _check(document, value, path + (key,), child)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if child in _STRING_OK | _NULL_OK and not isinstance(item, dict):
                    # A string or null may stand for the whole field, never for one entry of its list.
                    yield _problem(document, path + (key, index), f"a {_NAMES.get(child, child)} must be an object, not {_type(item)}", "structure")
                    continue
                yield from _check(document, item, path + (key, index), child)
        elif not (child in _STRING_OK and isinstance(value, str)):
            yield _problem(document, path + (key,), f"{key} must be a list, not {_type(value)}", "structure")


def _listen(document: Document, event: dict[str, Any], path: PathKey) -> Iterator[Problem]:
    listen = event.get("listen")
    if listen not in LISTEN:
        guess = difflib.get_close_matches(str(listen).lower(), LISTEN, n=1, cutoff=0.5)
        hint = f"; did you mean {guess[0]!r}?" if guess else ""
        where = path + ("listen",) if "listen" in event else path
        yield _problem(document, where, f"event.listen is {listen!r}; Postman runs only 'prerequest' and 'test' scripts{hint}", "event-listen")


def _is_code(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(line, str) for line in value))


def _type(value: Any) -> str:
    for name, kinds in (("a boolean", bool), ("a number", (int, float)), ("a string", str), ("a list", list), ("an object", dict)):
        if isinstance(value, kinds):
            return name
    return "null"
