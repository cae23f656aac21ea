"""Bring an exported Postman collection under pmforge: collection JSON → course YAML.

Folders, requests, URLs, headers and bodies carry over as they are; headers
every request sends become the course's shared headers; JSON bodies become
data; scripts pmforge recognises become declarations (``expect``, ``keep``),
others stay JavaScript. Checks the imported material fails are switched off in
the course's settings, by name, so that it builds as it was and can be mended
one rule at a time.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pmforge.building import check_course
from pmforge.checks import POSTMAN_VARIABLE
from pmforge.leaks import looks_secret
from pmforge.lint import structure
from pmforge.lint.positions import Document, load
from pmforge.lint.v3_reading import DEFINITION, is_collection, read_collection
from pmforge.import_values import SANDBOX_VARIABLE, Placeholders
from pmforge.loading import load_yaml_text, read_text
from pmforge.model import DEFAULT_SANDBOX, build_course
from pmforge.pql.errors import PqlError
from pmforge.pql.tree import decode
from pmforge.problems import ERROR, WARNING, Problem
from pmforge.validation import schema_problems

_PATH = r"((?:\.[A-Za-z_$][\w$]*|\[\d+\])+)"
# Lines pmforge writes itself from declarations, in the forms exports use.
_PARSE = re.compile(r"^(?:var|let|const)\s+(\w+)\s*=\s*(?:JSON\.parse\(responseBody\)|pm\.response\.json\(\));?$")
_SET = re.compile(r"^(?:postman\.setEnvironmentVariable|pm\.environment\.set)\(\s*[\"'](\w+)[\"']\s*,\s*(\w+|pm\.response\.json\(\))" + _PATH + r"\s*\);?$")
_STATUS = re.compile(r"^pm\.test\(\s*[\"'][^\"']*[\"']\s*,\s*(?:function\s*\(\)|\(\)\s*=>)\s*\{\s*pm\.response\.to\.have\.status\((\d{3})\);?\s*\}\);?$")
_UNSUPPORTED = ("auth", "variable", "protocolProfileBehavior")


def _text(value: Any) -> str:
    """A description, written as a string or as {content, type}."""
    if isinstance(value, dict):
        return str(value.get("content", ""))
    return str(value or "")


def _escape(value: Any) -> Any:
    """Make ``${`` literal: in a course it would name a participant's value."""
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, dict):
        return {key: _escape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_escape(item) for item in value]
    return value


def _script(event: dict[str, Any]) -> str:
    exec_ = event.get("script", {}).get("exec", [])
    return "\n".join(exec_) if isinstance(exec_, list) else str(exec_)


def declarations(source: str) -> dict[str, Any] | None:
    """``expect``/``keep`` for a test script made only of lines pmforge recognises, else None."""
    names: set[str] = set()
    found: dict[str, Any] = {}
    for line in (line.strip() for line in source.splitlines()):
        if not line or line.startswith("//"):
            continue
        if match := _PARSE.match(line):
            names.add(match.group(1))
        elif (match := _SET.match(line)) and (match.group(2) in names or match.group(2) == "pm.response.json()"):
            found.setdefault("keep", {})[match.group(1)] = match.group(3).lstrip(".")
        elif match := _STATUS.match(line):
            found.setdefault("expect", {})["status"] = int(match.group(1))
        else:
            return None
    return found or None


def _url(url: Any) -> tuple[str, dict[str, str]]:
    if url is None or isinstance(url, str):
        return url or "", {}
    raw = url.get("raw")
    if raw is None:
        host = url.get("host", [])
        host = ".".join(host) if isinstance(host, list) else str(host)
        path = url.get("path", [])
        # v2.1 may write a path segment as {type, value}.
        path = "/".join(str(part.get("value", "")) if isinstance(part, dict) else part for part in path) if isinstance(path, list) else str(path)
        raw = (f"{url['protocol']}://" if url.get("protocol") else "") + host + ("/" + path if path else "")
    variables = {entry["key"]: str(entry.get("value", "")) for entry in url.get("variable", []) if "key" in entry}
    return raw, variables


def _header(header: dict[str, Any]) -> Any:
    extra = {key: header[key] for key in ("disabled", "description") if header.get(key)}
    if header.get("enabled") is False:  # v2.0 exports say enabled: false
        extra["disabled"] = True
    if "description" in extra:
        extra["description"] = _text(extra["description"])
    return {"value": str(header.get("value", "")), **extra} if extra else str(header.get("value", ""))


def _header_list(header: Any) -> list[dict[str, Any]]:
    """v2.0 may write the headers as one string, a ``Name: value`` line each."""
    if isinstance(header, list):
        return header
    return [{"key": name.strip(), "value": value.strip()} for name, _, value in (line.partition(":") for line in header.splitlines())]


def _body(body: dict[str, Any] | None) -> dict[str, Any]:
    if not body:
        return {}
    mode = body.get("mode")
    if mode == "raw":
        raw = body.get("raw", "")
        if not raw.strip():
            return {}  # Postman keeps an empty raw body on requests that send none
        try:
            data = decode(raw)
        except (json.JSONDecodeError, PqlError):  # not JSON, or JSON a course could not hold as data: kept as text
            return {"raw": _escape(raw)}
        return {"body": _escape(data)} if isinstance(data, (dict, list)) else {"raw": _escape(raw)}
    if mode == "urlencoded":
        return {"form": {entry["key"]: _escape(str(entry.get("value", ""))) for entry in body.get("urlencoded", []) if not entry.get("disabled")}}
    if mode == "formdata":
        keys = ("key", "value", "src", "type", "disabled", "description")
        return {"formdata": [{key: entry[key] for key in keys if key in entry} for entry in body.get("formdata", [])]}
    if mode == "file":
        return {"file": {"src": body.get("file", {}).get("src")}}
    return {}


def _sends_json_implicitly(body: Any, headers: list[dict[str, Any]]) -> bool:
    """A raw body of language json and no Content-Type: the Postman app sends application/json itself."""
    if not isinstance(body, dict) or body.get("mode") != "raw" or not str(body.get("raw") or "").strip():
        return False
    options = body.get("options")
    language = options.get("raw", {}).get("language") if isinstance(options, dict) and isinstance(options.get("raw"), dict) else None
    return language == "json" and not any(str(h.get("key", "")).lower() == "content-type" for h in headers)


def _common_headers(requests: list[dict[str, Any]]) -> dict[str, str]:
    """Headers every request sends, same name and value: declared once for the course."""
    if len(requests) < 2:
        return {}
    counts = Counter((h.get("key"), h.get("value")) for r in requests for h in _header_list(r.get("header") or []) if set(h) <= {"key", "value", "type", "name"})
    return {key: value for (key, value), count in counts.items() if count == len(requests) and isinstance(key, str)}


class _Importer:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.shared: dict[str, str] = {}

    def warn(self, message: str) -> None:
        self.problems.append(Problem(self.file, 1, 1, message, "import", WARNING))

    def request(self, item: dict[str, Any]) -> dict[str, Any]:
        request = item["request"]
        if isinstance(request, str):  # v2.0 allows a bare URL
            request = {"method": "GET", "url": request}
        raw, variables = _url(request.get("url", ""))
        out: dict[str, Any] = {"name": item.get("name", ""), "method": str(request.get("method", "GET")).upper(), "url": raw}
        if variables:
            out["path_variables"] = variables
        if request.get("description"):
            out["description"] = _text(request["description"])
        given = _header_list(request.get("header") or [])
        headers = [h for h in given if h.get("key")]
        if len(headers) < len(given):
            self.warn(f"request {out['name']!r}: header rows without a name are not sent, and not imported")
        own = {h["key"]: _header(h) for h in headers if (h["key"], h.get("value")) not in self.shared.items() or set(h) - {"key", "value", "type", "name"}}
        if _sends_json_implicitly(request.get("body"), headers):
            own["Content-Type"] = "application/json"  # what Postman adds for a raw JSON body; written out
        if own:
            out["headers"] = own
        out.update(_body(request.get("body")))
        out.update(self.events(item.get("event", []), request=True))
        for key in _UNSUPPORTED:
            if key in request:
                self.warn(f"request {out['name']!r}: {key} is not imported")
        return out

    def events(self, events: list[dict[str, Any]], *, request: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        scripts: dict[str, str] = {}
        for event in events:
            listen, source = event.get("listen"), _script(event)
            if not source.strip():
                continue
            recognised = declarations(source) if request and listen == "test" else None
            if recognised:
                out.update(recognised)
            elif listen in ("prerequest", "test"):
                scripts[listen] = source
            else:
                self.warn(f"an event listening to {listen!r} is not imported")
        if scripts:
            out["scripts"] = scripts
        return out

    def items(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            if "item" in item:
                folder: dict[str, Any] = {"name": item.get("name", "")}
                if item.get("description"):
                    folder["description"] = _text(item["description"])
                folder.update(self.events(item.get("event", []), request=False))
                folder["requests"] = self.items(item["item"])
                out.append(folder)
            elif "request" in item:
                out.append(self.request(item))
        return out


def _requests(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for item in items:
        if "item" in item:
            found += _requests(item["item"])
        elif isinstance(item.get("request"), dict):
            found.append(item["request"])
    return found


def _variables(course: dict[str, Any]) -> dict[str, Any]:
    """Every {{VAR}} the requests use, as an environment variable to fill in."""
    text = json.dumps({key: course[key] for key in ("headers", "folders") if key in course}, ensure_ascii=False)
    names = sorted({name for name in POSTMAN_VARIABLE.findall(text) if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name)})
    return {name: {"value": "", "secret": True} if looks_secret(name) else "" for name in names}


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not any(ord(c) < 32 and c not in "\n\t" for c in value) and value == value.rstrip(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _dump(course: dict[str, Any]) -> str:
    return yaml.dump(course, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False)


def _failing_rules(text: str, file: str) -> list[str]:
    located, _ = load_yaml_text(text, file)
    if located is None or schema_problems(located.data, "course.schema.json", lambda *a: Problem(file, 1, 1, a[1], a[2]), rule="course-schema"):
        return []
    failing: set[str] = set()
    while True:  # the rendered document is checked only once the course checks pass: switch off until none fails
        located.data["settings"] = {**(located.data.get("settings") or {}), "rules": dict.fromkeys(failing, "off")}
        problems, _ = check_course(build_course(located), roster_fields=set())
        found = {problem.rule for problem in problems if problem.severity == ERROR}
        if not found:
            return sorted(failing)
        failing |= found


def _printable(name: str) -> str:
    """A file name fit for a one-line comment: a line break or any unprintable character as an escape."""
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in name)



def _read(path: Path) -> tuple[Document | None, list[Problem]]:
    """A v2.0/v2.1 JSON file, or a v3 collection folder read into the same shape."""
    if path.is_dir():
        if not is_collection(path):
            return None, [Problem(str(path), 0, 0, f"a folder, but no v3 collection: it holds no {DEFINITION.as_posix()}", "import")]
        return read_collection(path)
    text, problems = read_text(path, str(path))
    if text is None:
        return None, problems
    return load(str(path), text)


@dataclass(frozen=True)
class Imported:
    """The course YAML (None when nothing could be imported), its example roster, and what to say."""

    course: str | None
    roster: str | None
    problems: list[Problem]


def example_roster_text(sandbox: str) -> str:
    """Two learners, so that a first build shows each gets their own name, createdBy and sandbox."""
    return f"ldap,sandbox\nlearner1,{sandbox}\nlearner2,{sandbox}\n"


def import_course(path: Path, *, example_roster: str | None = None) -> Imported:
    """The course YAML for an exported collection (a v2.0/v2.1 file or a v3 folder), warnings about
    what did not carry over, and the example roster the course names when ``example_roster`` is given."""
    file = str(path)
    document, problems = _read(path)
    if document is None or any(problem.severity == ERROR for problem in problems):
        return Imported(None, None, problems)
    data = document.data
    if structure.file_kind(data) != structure.COLLECTION or not isinstance(data.get("item"), list) or not isinstance(data.get("info"), dict):
        return Imported(None, None, [Problem(file, 1, 1, "not a Postman collection: expected info and item", "import")])
    # The same shape checks as lint: on a broken structure an import would only guess.
    broken = [problem for problem in structure.structure_problems(document, structure.COLLECTION) if problem.rule == "structure"]
    if broken:
        return Imported(None, None, broken)
    importer = _Importer(file)
    importer.shared = _common_headers(_requests(data["item"]))
    course: dict[str, Any] = {"collection": data["info"].get("name") or path.stem}
    if data["info"].get("description"):
        course["description"] = _text(data["info"]["description"])
    course.update(importer.events(data.get("event", []), request=False))
    if importer.shared:
        course["headers"] = dict(importer.shared)
    course["folders"] = importer.items(data["item"])
    placeholders = Placeholders()
    course = placeholders.course(course)
    for warning in placeholders.warnings:
        importer.warn(warning)
    environment = _variables(course)
    participant = {"ldap": "${ldap}", SANDBOX_VARIABLE: "${sandbox}"}
    environment = {name: participant.get(name, value) for name, value in environment.items()}
    front: dict[str, Any] = {key: course[key] for key in ("collection", "description") if key in course}
    if example_roster is not None:
        front["example_roster"] = example_roster
    if placeholders.default_sandbox is not None:
        front["defaults"] = {"sandbox": placeholders.default_sandbox}
    course = {**front, "environment": environment, **course}
    for key in _UNSUPPORTED:
        if key in data:
            importer.warn(f"the collection's {key} is not imported")
    header = f"# Imported by pmforge from {_printable(path.name)}.\n"
    rules = _failing_rules(_dump(course), file)
    if rules:
        header += "# It fails the checks under settings.rules as exported: they are off until it is mended.\n"
        course = {**front, "settings": {"rules": dict.fromkeys(rules, "off")}, **course}
    roster = example_roster_text(placeholders.default_sandbox or DEFAULT_SANDBOX) if example_roster is not None else None
    return Imported(header + _dump(course), roster, importer.problems)
