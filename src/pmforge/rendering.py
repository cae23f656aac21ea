"""Render a participant's collection and environment through the Jinja templates.

Jinja runs sandboxed with strict undefined names. Templates receive data only
and emit every value through ``tojson``: a participant's value is never read as
template code, and Postman's ``{{VAR}}`` inside data reaches the output as
written. The output is parsed back and dumped in one canonical form.
"""

from __future__ import annotations

import json
import traceback
import uuid
from dataclasses import dataclass
from functools import cached_property
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from pmforge import lessons, scripts
from pmforge.checks import encoded_body
from pmforge.expressions import compiled_body
from pmforge.leaks import Filled, looks_secret, shared_strings
from pmforge.loading import PathKey
from pmforge.model import PLACEHOLDER, Course, Folder, Header, Item, Request
from pmforge.problems import Problem
from pmforge.resources import data_dir
from pmforge.roster import Participant
from pmforge.skeleton import Skeleton, Slots
from pmforge.skeleton_text import SkeletonText
from pmforge.source_map import Origin, SourceMap, Tracer, marked_lines

# Namespace of every id pmforge derives: ids depend on names only, never on time.
NAMESPACE = uuid.UUID("6f1c1b2e-4b0e-5a51-9a7c-2d1f0c8e7a10")
COLLECTION_TEMPLATE = "collection.json.j2"
ENVIRONMENT_TEMPLATE = "environment.json.j2"


def derived_id(namespace: uuid.UUID, name: str) -> uuid.UUID:
    """A UUID from a name, always the same: UUID 5's hash, then marked version 4 (variant stays RFC 4122).

    Postman's tooling (``postman workspace prepare``) replaces ids that are not version-4-shaped.
    """
    return uuid.UUID(bytes=uuid.uuid5(namespace, name).bytes, version=4)


class RenderError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def canonical(document: Any) -> str:
    """The one JSON form pmforge writes: tab-indented like Postman's exports, UTF-8, final newline."""
    return json.dumps(document, indent="\t", ensure_ascii=False) + "\n"


def fill(value: Any, fields: dict[str, str]) -> Any:
    """Replace ``${name}`` in every string of ``value`` (names were checked beforehand; an empty roster cell is empty)."""
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda match: "${" if match.group(1) is None else fields.get(match.group(1), ""), value) if "${" in value else value
    if isinstance(value, dict):
        return {key: fill(item, fields) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, fields) for item in value]
    return value


def url_object(raw: str, variables: dict[str, str] | None = None) -> dict[str, Any]:
    """Postman's URL object, consistent with ``raw`` (Postman builds the request from the parts)."""
    base, _, query = raw.partition("?")
    try:
        parts = urlsplit(base) if "://" in base else None
    except ValueError:  # an unclosed '[': checks report it, unless the course switched that off
        parts = None
    url: dict[str, Any] = {"raw": raw}
    if parts:
        url["protocol"] = parts.scheme
        host, path = parts.netloc, parts.path
        host, colon, port = host.rpartition(":") if host.rpartition(":")[2].isdigit() else (host, "", "")
        url["host"] = host.split(".")
        if colon:
            url["port"] = port
    else:
        host, _, path = base.partition("/")
        path = "/" + path
        url["host"] = [host]
    url["path"] = [segment for segment in path.split("/") if segment]
    if query:
        url["query"] = [
            {"key": key, "value": value if sep else None}
            for key, sep, value in (pair.partition("=") for pair in query.split("&"))
        ]
    if variables:
        url["variable"] = [{"key": key, "value": value} for key, value in variables.items()]
    return url


def _header_view(header: Header) -> dict[str, Any]:
    view: dict[str, Any] = {"key": header.key, "value": header.value}
    if header.disabled:
        view["disabled"] = True
    if header.description:
        view["description"] = header.description
    return view


def _item_view(item: Item, requests: dict[int, int], writer: scripts.ScriptWriter) -> dict[str, Any]:
    if isinstance(item, Folder):
        return {
            "folder": True,
            "name": item.name,
            "description": lessons.folder_markdown(item),
            "events": scripts.plain_events(item.scripts),
            "items": [_item_view(child, requests, writer) for child in item.items],
        }
    return {
        "folder": False,
        "index": requests[id(item)],  # where its body is in the per-participant list
        "name": item.name,
        "description": lessons.request_markdown(item),
        "method": item.method,
        "headers": [_header_view(header) for header in item.headers],
        "url": url_object(item.url, item.path_variables),
        "events": writer.events(item),
        "body_kind": item.body_kind,
    }


def _traced_events(events: list[dict[str, Any]], scripts: dict[str, str], base: PathKey, trace: Tracer) -> list[dict[str, Any]]:
    return [{**event, "script": {**event["script"], "exec": marked_lines(event["script"]["exec"], scripts.get(event["listen"]),
                                                                         base + ("scripts", event["listen"]), trace)}}
            for event in events]


def _traced_url(url: dict[str, Any], request: Request, trace: Tracer) -> dict[str, Any]:
    """The URL object with each part marked at its offset in the course's url (parts are found in the order split)."""
    where = request.path + ("url",)
    raw = url["raw"]
    at = 0

    def part(text: Any) -> Any:
        nonlocal at
        found = raw.find(text, at) if isinstance(text, str) and text else -1
        if found < 0:
            return trace(text, Origin(where, exact=False))
        at = found + len(text)
        return trace(text, Origin(where, start=found))

    traced: dict[str, Any] = {"raw": trace(raw, Origin(where))}
    for key in ("protocol", "host", "port", "path", "query", "variable"):
        if key not in url:
            continue
        value = url[key]
        if key in ("protocol", "port"):
            traced[key] = part(value)
        elif key in ("host", "path"):
            traced[key] = [part(text) for text in value]
        elif key == "query":
            traced[key] = [{"key": part(entry["key"]), "value": part(entry["value"])} for entry in value]
        else:
            traced[key] = [{"key": trace(entry["key"], Origin(request.path + ("path_variables", entry["key"]), key=True)),
                            "value": trace(entry["value"], Origin(request.path + ("path_variables", entry["key"])))} for entry in value]
    return traced


def _traced_item(item: Item, view: dict[str, Any], trace: Tracer) -> dict[str, Any]:
    """The item's view with every course value marked with where it comes from (the source map's render)."""
    whole = Origin(item.path, exact=False)
    traced = {**view, "name": trace(view["name"], Origin(item.path + ("name",)), whole),
              "description": trace(view["description"], whole),
              "events": _traced_events(view["events"], item.scripts, item.path, trace)}
    if isinstance(item, Folder):
        traced["items"] = [_traced_item(child, child_view, trace) for child, child_view in zip(item.items, view["items"])]
        return traced
    by_key = {header.key: header for header in item.headers}
    headers = []
    for header_view in view["headers"]:
        header = by_key[header_view["key"]]
        parent = Origin(header.path, exact=False)
        headers.append({**header_view, "key": trace(header.key, Origin(header.path, key=True), parent),
                        "value": trace(header.value, Origin(header.path), parent)}
                       | ({"description": trace(header.description, Origin(header.path + ("description",)), parent)} if header.description else {}))
    traced["headers"] = headers
    traced["method"] = trace(view["method"], Origin(item.path + ("method",)))
    traced["url"] = _traced_url(view["url"], item, trace)
    return traced


def body_origins(request: Request, at: PathKey, entries: dict[PathKey, Origin]) -> None:
    """Where a request's rendered body (landed at ``at``) comes from: its JSON inside, or its entries."""
    kind = request.body_kind
    base = request.path + ((kind,) if kind in ("raw", "form", "formdata", "file") else ("body",))
    if kind in ("json", "raw"):
        entries[at] = Origin(base, body="data" if kind == "json" else "text")
        return
    entries[at] = Origin(base, exact=False)
    if kind == "form":
        for index, key in enumerate(request.form or {}):
            entries[at + (index, "key")] = Origin(base + (key,), key=True)
            entries[at + (index, "value")] = Origin(base + (key,))
    elif kind == "formdata":
        for index, entry in enumerate(request.formdata or []):
            for key in entry:
                entries[at + (index, key)] = Origin(base + (index, key))
    elif kind == "file":
        for key in request.file or {}:
            entries[at + (key,)] = Origin(base + (key,))


def _undefined(value: Any) -> Any:
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()
    raise TypeError(f"a {type(value).__name__} cannot be written as JSON")


def _tojson(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_undefined)


def _sent(request: Request, compiled: Any, fields: dict[str, str]) -> Any:
    """A JSON body as sent, with this participant's values; None for the other kinds."""
    return encoded_body(fill(compiled, fields)) if request.body_kind == "json" else None


def _body(request: Request, compiled: Any, fields: dict[str, str], *, sent: Any = None) -> Any:
    """The body's content as the template writes it, with this participant's values (``sent``: the JSON body, filled)."""
    kind = request.body_kind
    if kind == "json":
        return json.dumps(_sent(request, compiled, fields) if sent is None else sent, indent=4, ensure_ascii=False)
    if kind == "form":
        return [{"key": key, "value": fill(value, fields), "type": "text"} for key, value in (request.form or {}).items()]
    if kind == "raw":
        return fill(request.raw, fields)
    if kind == "formdata":
        return [{"type": "text", **fill(entry, fields)} for entry in request.formdata or []]
    if kind == "file":
        return request.file
    return None


def _template_line(error: BaseException, name: str) -> int:
    line = 0
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.endswith(name) and frame.lineno:
            line = frame.lineno
    return line


@dataclass
class Rendered:
    made: Callable[[], dict[str, Any]]  # the collection, made when something reads it (writing needs only its text)
    environment: dict[str, Any]
    bodies: list[Any]  # by request: its JSON body as sent (None for other kinds), for its schema check
    collection_text: str  # canonical(collection), as written
    environment_text: str
    search: Filled | None = None  # the collection as the secret search reads it, when filled from the skeleton

    @cached_property
    def collection(self) -> dict[str, Any]:
        return self.made()


class Renderer:
    """Everything that is the same for every participant is prepared once, here."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.template_dir = data_dir("templates")
        self.env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader(str(self.template_dir)),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
        )
        # Our own tojson: the course's key order (Jinja's sorts keys), and an
        # undefined value named as such rather than "not JSON serializable".
        # No HTML escaping: the output is parsed back as JSON, never served.
        self.env.filters["tojson"] = _tojson
        requests = course.requests()
        positions = {id(request): index for index, request in enumerate(requests)}
        writer = scripts.ScriptWriter(course)
        self.items = [_item_view(item, positions, writer) for item in course.items]
        self.events = writer.collection_events()
        self.requests = [(request, compiled_body(request.body)) for request in requests]
        # Variables nothing uses are left out, unless the course keeps them on purpose.
        self.environment = lessons.environment_in_use(course)
        self.secret_keys = {variable.key for variable in course.environment if variable.secret}
        self.declared = {variable.key for variable in course.environment}
        self.description = lessons.collection_markdown(course, [variable.key for variable in lessons.learner_fills(course)])
        self.templates = {name: self._load(name) for name in (COLLECTION_TEMPLATE, ENVIRONMENT_TEMPLATE)}
        self._skeleton_made: Skeleton | None | bool = False
        self._written_made: tuple[SkeletonText, str, list[int]] | None | bool = False
        self._environments: dict[tuple[str, ...], tuple[Skeleton, SkeletonText] | None] = {}
        self.source_map = SourceMap()  # recorded by the first render (``_skeleton``)
        self._item_id: Callable[[list[str]], str] = str

    def _problem(self, name: str, line: int, message: str) -> Problem:
        return Problem(str(self.template_dir / name), line, 1 if line else 0, message, "template")

    def _load(self, name: str) -> jinja2.Template:
        try:
            return self.env.get_template(name)
        except jinja2.TemplateSyntaxError as error:
            raise RenderError(self._problem(name, error.lineno, f"template syntax error: {error.message}")) from None
        except jinja2.TemplateNotFound:
            raise RenderError(self._problem(name, 0, "template not found")) from None

    def _render(self, name: str, context: dict[str, Any]) -> Any:
        try:
            text = self.templates[name].render(context)
        except (jinja2.UndefinedError, TypeError, jinja2.exceptions.SecurityError) as error:
            # tojson on an undefined name raises TypeError, not UndefinedError.
            raise RenderError(self._problem(name, _template_line(error, name), f"template error: {error}")) from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise RenderError(self._problem(name, 0, f"rendered output is not JSON: {error.msg} (output line {error.lineno})")) from None

    def ids(self, participant: Participant) -> tuple[uuid.UUID, uuid.UUID]:
        collection = derived_id(NAMESPACE, f"collection\0{self.course.name}\0{participant.ldap}")
        environment = derived_id(NAMESPACE, f"environment\0{self.course.name}\0{participant.ldap}")
        return collection, environment

    def _secret(self, key: str) -> bool:
        """A course variable is secret as the course says; a roster column the course does not declare, by its name
        (CLIENT_SECRET, ACCESS_TOKEN: as import and the handouts read it), so the collection is searched for it."""
        return key in self.secret_keys or (key not in self.declared and looks_secret(key))

    def environment_values(self, participant: Participant) -> list[dict[str, Any]]:
        fields = participant.fields()
        values = {variable.key: fill(variable.value, fields) for variable in self.environment}
        values.update(participant.values)
        return [
            {"key": key, "value": value, "type": "secret" if self._secret(key) else "default", "enabled": True}
            for key, value in values.items()
        ]

    def _collection(self, collection_id: Any, bodies: Sequence[Any], trace: Tracer | None = None) -> Any:
        name, description, items, events = self.course.name, self.description, self.items, self.events
        if trace is not None:
            whole = Origin(("collection",), exact=False)
            name, description = trace(name, Origin(("collection",)), whole), trace(description, whole)
            items = [_traced_item(item, view, trace) for item, view in zip(self.course.items, items)]
            events = _traced_events(events, self.course.scripts, (), trace)
        return self._render(
            COLLECTION_TEMPLATE,
            {
                "collection": {"id": collection_id, "name": name, "description": description},
                "items": items,
                "events": events,
                "bodies": bodies,
                "item_id": self._item_id,
            },
        )

    def _skeleton(self) -> Skeleton | None:
        """The collection rendered once, with slots for what differs per participant (ids and bodies).

        The same render records the source map: every course value goes in marked, and is put back where it landed.
        """
        if self._skeleton_made is False:
            slots, trace = Slots(), Tracer()
            self._item_id = lambda names: slots(lambda filled, key="\0".join(map(trace.real, names)): str(derived_id(filled[0], key)))
            bodies = [slots(lambda filled, index=index: filled[1][index]) for index in range(len(self.requests))]  # slots 0..n-1
            document = self._collection(slots(lambda filled: str(filled[0])), bodies, trace)
            found = SourceMap()
            self._skeleton_made = Skeleton.find(document, slots, lambda path, text: trace.record(path, text, found))
            landed = self._skeleton_made.paths if self._skeleton_made is not None else {}
            for number, path in landed.items():
                if number < len(self.requests):
                    body_origins(self.requests[number][0], path, found.entries)
            self.source_map = found
        return self._skeleton_made

    def _written(self, skeleton: Skeleton, values: list[Any]) -> tuple[SkeletonText, str, list[int]] | None:
        """The skeleton's text, its shared strings and its slots in use: made once, at the first filling, and
        kept only if that filling writes the very text of the filled collection."""
        if self._written_made is False:
            text = SkeletonText.of(skeleton, canonical(skeleton.document))
            fits = text is not None and text.fill(values) == canonical(skeleton.filled(values))
            self._written_made = (text, shared_strings(skeleton.document), sorted(number for number, _ in text.holes)) if fits else None
        return self._written_made

    def _environment_document(self, environment_id: Any, name: Any, values: list[dict[str, Any]]) -> Any:
        return self._render(ENVIRONMENT_TEMPLATE, {"environment": {"id": environment_id, "name": name}, "values": values, "exported_using": "pmforge"})

    def _environment(self, participant: Participant, environment_id: uuid.UUID) -> tuple[Any, str]:
        """The environment and its text. Its shape depends only on the variables' names: rendered once for
        each list of names (a roster's rows have the same columns), filled per participant."""
        entries = self.environment_values(participant)
        context = [str(environment_id), f"{self.course.name} - {participant.ldap}"] + [entry["value"] for entry in entries]
        names = tuple(entry["key"] for entry in entries)
        if names not in self._environments:
            slots = Slots()
            holes = [slots(lambda filled, index=index: filled[index]) for index in range(len(context))]
            skeleton = Skeleton.find(self._environment_document(holes[0], holes[1], [{**entry, "value": hole} for entry, hole in zip(entries, holes[2:])]), slots)
            text = SkeletonText.of(skeleton, canonical(skeleton.document)) if skeleton is not None else None
            full = self._environment_document(context[0], context[1], entries)
            fits = text is not None and skeleton.fill(context) == full and text.fill(context) == canonical(full)
            self._environments[names] = (skeleton, text) if fits else None
            return full, canonical(full)
        made = self._environments[names]
        if made is None:
            full = self._environment_document(context[0], context[1], entries)
            return full, canonical(full)
        skeleton, text = made
        return skeleton.filled(context), text.fill(context)

    def render(self, participant: Participant) -> Rendered:
        fields = participant.fields()
        collection_id, environment_id = self.ids(participant)
        sent = [_sent(request, body, fields) for request, body in self.requests]
        bodies = [_body(request, body, fields, sent=filled) for (request, body), filled in zip(self.requests, sent)]
        skeleton = self._skeleton()
        search = None
        if skeleton is None:
            self._item_id = lambda names: str(derived_id(collection_id, "\0".join(names)))
            collection = self._collection(str(collection_id), bodies)
            text = canonical(collection)
        else:
            values = skeleton.values((collection_id, bodies))
            written = self._written(skeleton, values)
            if written is None:
                collection = skeleton.filled(values)
                text = canonical(collection)
            else:
                collection, text = None, written[0].fill(values)
                search = Filled(written[1], [values[number] for number in written[2]])
        environment, environment_text = self._environment(participant, environment_id)
        made = (lambda: collection) if collection is not None else (lambda: skeleton.filled(values))
        return Rendered(made, environment, sent, text, environment_text, search)
