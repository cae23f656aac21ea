"""Read a Postman v3 collection folder into the data of a v2.1 collection, with positions in its YAML.

A v3 collection is ``<collection>/.resources/definition.yaml`` plus, per folder, a directory with
its own ``.resources/definition.yaml`` and one ``<name>.request.yaml`` per request; ``order``
numbers place items among their siblings. No schema is published; the shapes read here are those
``postman collection migrate`` (postman-cli 1.34.0) writes and ``postman collection lint``
accepts. What cannot be read as v3 says so where it is written (rules ``yaml-syntax``,
``duplicate-key``, ``file-kind``, ``structure``, ``unknown-key``); the rest becomes v2.1 data for
the lint rules and for import.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml

from pmforge.lint.positions import PathKey, Source
from pmforge.lint.rules import RULES
from pmforge.lint.tree_document import Spot, TreeDocument, YamlFile
from pmforge.loading import load_yaml_text, read_text
from pmforge.problems import Problem

DEFINITION = Path(".resources") / "definition.yaml"
REQUEST_SUFFIX = ".request.yaml"
V21_SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
_LISTEN = {"beforeRequest": "prerequest", "afterResponse": "test"}
_KEYS = {
    "collection": ("$kind", "id", "name", "description", "variables", "auth", "scripts", "order"),
    "http-request": ("$kind", "id", "name", "description", "url", "method", "headers", "queryParams", "pathVariables",
                     "body", "auth", "scripts", "settings", "order"),
    "graphql-request": ("$kind", "id", "name", "description", "url", "query", "variables", "headers", "auth",
                        "scripts", "settings", "order"),
}
# key -> the YAML types it may have (as names for messages)
_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,), "url": (str,), "method": (str,), "query": (str,), "headers": (dict, list), "queryParams": (dict, list),
    "pathVariables": (dict, list), "variables": (dict, list), "body": (dict,), "auth": (dict, list), "scripts": (list,),
}
_TYPE_NAMES = {str: "a string", dict: "a mapping", list: "a list"}
_REQUESTS = ("http-request", "graphql-request")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_collection(path: Path) -> bool:
    """A v3 collection's folder: it holds .resources/definition.yaml and is no folder of another."""
    return (path / DEFINITION).is_file() and not (path.parent / DEFINITION).is_file()


def collection_of(file: Path) -> Path | None:
    """The v3 collection folder a request or definition file belongs to, or None."""
    if not (file.name.endswith(REQUEST_SUFFIX) or (file.name == DEFINITION.name and file.parent.name == DEFINITION.parent.name)):
        return None
    return next((folder for folder in file.parents if is_collection(folder)), None)


class _Reader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.spots: dict[PathKey, Spot] = {}
        self.key_spots: dict[PathKey, Spot] = {}
        self.loaded: dict[Path, tuple[YamlFile | None, dict[str, Any]]] = {}

    def problem(self, file: YamlFile, path: PathKey, message: str, rule: str, *, key: bool = False) -> None:
        line, column = file.source.line_column(file.offset(path, key=key))
        self.problems.append(Problem(file.source.file, line, column, message, rule, RULES[rule].severity))

    def load(self, path: Path, kinds: tuple[str, ...]) -> tuple[YamlFile | None, dict[str, Any]]:
        """A YAML file of one of ``kinds``, checked (once): its known keys, and the types of what is read."""
        if path not in self.loaded:
            self.loaded[path] = self._load(path, kinds)
        return self.loaded[path]

    def _load(self, path: Path, kinds: tuple[str, ...]) -> tuple[YamlFile | None, dict[str, Any]]:
        text, problems = read_text(path, str(path))
        try:
            located, more = load_yaml_text(text, str(path)) if text is not None else (None, [])
        except yaml.YAMLError as error:  # characters YAML refuses anywhere in the text
            located, more = None, [Problem(str(path), 1, 1, f"YAML error: {str(error).splitlines()[0]}", "yaml-syntax")]
        except RecursionError:
            located, more = None, [Problem(str(path), 1, 1, "YAML error: an alias refers to the node that holds it", "yaml-syntax")]
        self.problems += problems + more
        if located is None or text is None:
            return None, {}
        file = YamlFile(Source(str(path), text), located)
        data = located.data
        kind = data.get("$kind") if isinstance(data, dict) else None
        if kind not in kinds:
            where = ("$kind",) if isinstance(data, dict) and "$kind" in data else ()
            guess = difflib.get_close_matches(str(kind), kinds, n=1, cutoff=0.6)
            hint = f"; did you mean {guess[0]!r}?" if guess else ""
            expected = " or ".join(repr(k) for k in kinds)
            said = f"$kind is {kind!r}, not {expected}" if where else f"no $kind: a v3 file says what it holds ({expected})"
            self.problem(file, where, said + hint, "file-kind")
            return None, {}
        known = _KEYS[kind]
        checked = {}
        for key, value in data.items():
            if key not in known:
                guess = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f"; did you mean {guess[0]!r}?" if guess else f"; known keys: {', '.join(known)}"
                self.problem(file, (key,), f"unknown key {key!r} in a {kind}{hint}", "unknown-key", key=True)
            elif key in _TYPES and not isinstance(value, _TYPES[key]):
                expected = " or ".join(_TYPE_NAMES[t] for t in _TYPES[key])
                self.problem(file, (key,), f"{key} must be {expected}", "structure")
            else:
                checked[key] = value
        return file, checked

    def spot(self, path: PathKey, file: YamlFile, where: PathKey = (), **options: Any) -> None:
        self.spots[path] = Spot(file, where, **options)

    # -- the parts of a definition or request ------------------------------------------------------

    def pairs(self, value: Any, file: YamlFile, where: PathKey, path: PathKey, *, keep: tuple[str, ...] = ("disabled", "description")) -> list[Any]:
        """``{name: value}`` or ``[{key, value, disabled}]`` as v2.1's list of ``{key, value}``."""
        self.spot(path, file, where)
        entries: list[Any] = []
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for index, (name, entry) in enumerate(items):
            here = path + (index,)
            if isinstance(value, dict):
                entries.append({"key": name, "value": entry})
                self.spot(here, file, where + (name,), key=True)
                self.spot(here + ("key",), file, where + (name,), key=True)
                self.spot(here + ("value",), file, where + (name,))
                self.key_spots[here + ("key",)] = Spot(file, where + (name,), key=True)
                continue
            entries.append(entry if not isinstance(entry, dict) else {k: v for k, v in entry.items() if k in ("key", "value", "type", "src", *keep)})
            self.spot(here, file, where + (name,))
            for field in ("key", "value", "src"):
                self.spot(here + (field,), file, where + (name, field))
                self.key_spots[here + (field,)] = Spot(file, where + (name, field), key=True)
        return entries

    def scripts(self, scripts: list[Any], file: YamlFile, path: PathKey) -> list[dict[str, Any]]:
        events = []
        for index, script in enumerate(scripts):
            where = ("scripts", index)
            if not isinstance(script, dict) or not isinstance(script.get("code"), str):
                self.problem(file, where, "a script must be a mapping with a type and its code as a string", "structure")
                continue
            kind, code = script.get("type"), script["code"]
            listen = _LISTEN.get(kind.removeprefix("http:")) if isinstance(kind, str) else None
            if listen is None:
                self.problem(file, where + (("type",) if "type" in script else ()),
                             f"a script's type is {kind!r}; Postman runs only beforeRequest and afterResponse scripts", "event-listen")
                continue
            here = path + (len(events),)
            lines, start = code.split("\n"), 0
            self.spot(here, file, where)
            self.spot(here + ("listen",), file, where + ("type",))
            for number, line in enumerate(lines):
                self.spot(here + ("script", "exec", number), file, where + ("code",), start=start)
                start += len(line) + 1
            events.append({"listen": listen, "script": {"type": script.get("language", "text/javascript"), "exec": lines}})
        return events

    def auth(self, auth: Any, file: YamlFile, path: PathKey) -> Any:
        """``{type, credentials: {name: value}}`` (a collection writes a list of them; the first is used)."""
        where: PathKey = ("auth",)
        if isinstance(auth, list):
            auth, where = (auth[0], ("auth", 0)) if auth else (None, where)
        if not isinstance(auth, dict) or not isinstance(auth.get("type"), str):
            return None
        self.spot(path, file, where)
        credentials = auth.get("credentials")
        result: dict[str, Any] = {"type": auth["type"]}
        if isinstance(credentials, dict):
            result[auth["type"]] = self.pairs(credentials, file, where + ("credentials",), path + (auth["type"],))
        return result

    def common(self, data: dict[str, Any], file: YamlFile, path: PathKey, *, events: PathKey) -> dict[str, Any]:
        """What a collection, a folder and a request all may have: description, variables, auth, scripts
        (``events``: where the scripts go, which for a request is its item, not its request)."""
        out: dict[str, Any] = {}
        if "description" in data:
            out["description"] = data["description"]
            self.spot(path + ("description",), file, ("description",))
        if "variables" in data:
            out["variable"] = self.pairs(data["variables"], file, ("variables",), path + ("variable",))
        if data.get("scripts"):
            out["event"] = self.scripts(data["scripts"], file, events)
        if "auth" in data and (auth := self.auth(data["auth"], file, path + ("auth",))) is not None:
            out["auth"] = auth
        return out

    # -- folders and requests ----------------------------------------------------------------------

    def folder(self, directory: Path, path: PathKey, *, root: bool = False) -> dict[str, Any] | None:
        if root or (directory / DEFINITION).exists():
            file, data = self.load(directory / DEFINITION, ("collection",))
        else:  # the Postman CLI runs a directory without a definition as a folder of that name
            file, data = YamlFile(Source(str(directory), "")), {}
        if file is None:
            return None
        self.spot(path, file)
        self.spot(path + ("name",), file, ("name",) if "name" in data else ())
        node: dict[str, Any] = {"name": data.get("name", directory.name)}
        if root:
            node = {"info": {"name": node["name"], "schema": V21_SCHEMA}}
            self.spot(("info",), file)
            self.spot(("info", "name"), file, ("name",) if "name" in data else ())
            if "id" in data:
                node["info"]["_postman_id"] = data["id"]
            if "description" in data:
                node["info"]["description"] = data.pop("description")
                self.spot(("info", "description"), file, ("description",))
        elif "id" in data:
            node["id"] = data["id"]
        node.update(self.common(data, file, path, events=path + ("event",)))
        node["item"] = self.items(directory, path + ("item",))
        return node

    def items(self, directory: Path, path: PathKey) -> list[dict[str, Any]]:
        found: list[tuple[Any, str, Path]] = []
        for entry in sorted(directory.iterdir()):
            if entry.is_dir() and not entry.name.startswith("."):
                definition = entry / DEFINITION
                order = self.load(definition, ("collection",))[1].get("order") if definition.exists() else None
                found.append((order, entry.name, entry))
            elif entry.is_file() and entry.name.endswith(REQUEST_SUFFIX):
                found.append((self.load(entry, _REQUESTS)[1].get("order"), entry.name, entry))
        # As the Postman CLI runs them: by order, a missing one counting as 0; then by name.
        found.sort(key=lambda item: (item[0] if _is_number(item[0]) else 0, item[1]))
        items: list[dict[str, Any]] = []
        for _, _, entry in found:
            here = path + (len(items),)
            item = self.folder(entry, here) if entry.is_dir() else self.request(entry, here)
            if item is not None:
                items.append(item)
        return items

    def request(self, path: Path, item_path: PathKey) -> dict[str, Any] | None:
        file, data = self.load(path, _REQUESTS)
        if file is None:
            return None
        self.spot(item_path, file)
        self.spot(item_path + ("name",), file, ("name",) if "name" in data else ())
        item: dict[str, Any] = {"name": data.get("name", path.name[: -len(REQUEST_SUFFIX)])}
        if "id" in data:
            item["id"] = data["id"]
        base = item_path + ("request",)
        self.spot(base, file)
        request: dict[str, Any] = {"method": data.get("method", "POST" if data["$kind"] == "graphql-request" else "GET")}
        self.spot(base + ("method",), file, ("method",))
        common = self.common({k: v for k, v in data.items() if k != "variables"}, file, base, events=item_path + ("event",))
        if "event" in common:
            item["event"] = common.pop("event")
        request.update(common)
        url = data.get("url", "")
        self.spot(base + ("url",), file, ("url",))
        if "queryParams" in data or "pathVariables" in data:
            url = {"raw": url}
            self.spot(base + ("url", "raw"), file, ("url",))
            if "queryParams" in data:
                url["query"] = self.pairs(data["queryParams"], file, ("queryParams",), base + ("url", "query"))
            if "pathVariables" in data:
                url["variable"] = self.pairs(data["pathVariables"], file, ("pathVariables",), base + ("url", "variable"))
        request["url"] = url
        if "headers" in data:
            request["header"] = self.pairs(data["headers"], file, ("headers",), base + ("header",))
            self.key_spots[base + ("header",)] = Spot(file, ("headers",), key=True)
        else:
            self.key_spots[base + ("header",)] = Spot(file, ("method",) if "method" in data else (), key="method" in data)
        body = self.body(data, file, base + ("body",))
        if body is not None:
            request["body"] = body
        item["request"] = request
        return item

    def body(self, data: dict[str, Any], file: YamlFile, path: PathKey) -> dict[str, Any] | None:
        if data["$kind"] == "graphql-request":
            self.spot(path, file, ("query",))
            return {"mode": "graphql", "graphql": {"query": data.get("query", ""), "variables": data.get("variables", "")}}
        body = data.get("body")
        if body is None:
            return None
        kind, content = body.get("type"), body.get("content")
        self.spot(path, file, ("body",))
        self.spot(path + ("mode",), file, ("body", "type"))
        if kind in ("urlencoded", "formdata") and isinstance(content, (dict, list)):
            return {"mode": kind, kind: self.pairs(content, file, ("body", "content"), path + (kind,), keep=("disabled", "description", "contentType"))}
        if kind == "file" and isinstance(content, dict):
            self.spot(path + ("file",), file, ("body", "content"))
            return {"mode": "file", "file": content}
        if isinstance(kind, str) and isinstance(content, str):
            self.spot(path + ("raw",), file, ("body", "content"))
            # migrate writes "text" where v2.1 named no language; lint then guesses JSON from the text, as for v2.1.
            return {"mode": "raw", "raw": content, **({} if kind == "text" else {"options": {"raw": {"language": kind}}})}
        self.problem(file, ("body",), f"a body must have a type and a content that type can hold (got {kind!r})", "structure")
        return None


def read_collection(folder: Path) -> tuple[TreeDocument | None, list[Problem]]:
    """The collection in ``folder`` as v2.1 data with positions in its YAML files, and the problems of reading it."""
    reader = _Reader(folder)
    data = reader.folder(folder, (), root=True)
    if data is None:
        return None, reader.problems
    return TreeDocument(str(folder), data, reader.spots, reader.key_spots), reader.problems
