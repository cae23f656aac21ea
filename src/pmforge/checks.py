"""The checks only a course has: participant values, unused variables, the token request, the course schema's
cross-field rules, URL splitting, the fields catalog, and the compile stage of ``pql:`` text.

They run once per course, on the YAML as written, so each problem points at the line an author can fix.
Every rule a course shares with an export (headers, body schemas, PQL trees, variables, names, scripts)
has one implementation, the lint rule, run on the rendered course (``building.check_course``).
Participant values (``${ldap}``) only ever replace whole strings inside strings, so what holds here
holds for every participant.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Iterator
from urllib.parse import urlsplit

from pmforge.expressions import expression_problems
from pmforge.loading import Located, PathKey
from pmforge.model import BODY_KEYS, PLACEHOLDER, Course, Folder, Item, Request
from pmforge.pql.catalog import Catalog, load_catalog
from pmforge.problems import Problem
from pmforge.rules import apply_levels, course_levels
from pmforge.scripts import token_problems
from pmforge.validation import schema_problems

POSTMAN_VARIABLE = re.compile(r"\{\{([^{}]+)\}\}")
PARTICIPANT_FIELDS = ("ldap", "sandbox")

# Which schema checks the body of which call: (method, end of the URL path).
BODY_SCHEMAS = (
    ("POST", "/segment/definitions", "segment-definition.schema.json", "segment-definition"),
    ("POST", "/segment/jobs", "segment-job.schema.json", "segment-job"),
)


def _locator(source: Located, base: PathKey) -> Any:
    def locate(path: tuple[Any, ...], message: str, rule: str, at_key: bool) -> Problem:
        return source.problem(base + path, message, rule, key=at_key)

    return locate


def strings(value: Any, path: PathKey) -> Iterator[tuple[PathKey, str]]:
    """Every string below ``value``, with its path, in document order."""
    stack = [(path, value)]
    while stack:  # a loop, not recursion: an export may nest deeper than Python's stack
        where, node = stack.pop()
        if isinstance(node, str):
            yield where, node
        elif isinstance(node, dict):
            stack.extend((where + (key,), item) for key, item in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend((where + (index,), item) for index, item in reversed(list(enumerate(node))))


def url_path(url: str) -> str:
    """The path part of a course URL such as ``{{PLATFORM_GATEWAY}}/data/core/ups/segment/jobs/{{JOB_ID}}``."""
    rest = url.split("://", 1)[-1]
    rest = POSTMAN_VARIABLE.sub("host", rest, count=1) if rest.startswith("{{") else rest
    path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    return path.split("?", 1)[0]


def encoded_body(body: Any) -> Any:
    """The body as sent: a pql/json expression written as YAML data becomes its compact JSON string."""
    if isinstance(body, dict) and isinstance(body.get("expression"), dict):
        expression = body["expression"]
        if expression.get("format") == "pql/json" and isinstance(expression.get("value"), (dict, list)):
            value = json.dumps(expression["value"], separators=(",", ":"), ensure_ascii=False)
            return {**body, "expression": {**expression, "value": value}}
    return body


def _not_json(value: Any, path: PathKey) -> Iterator[tuple[PathKey, str]]:
    """Values YAML can write but JSON cannot carry: binary, dates' cousins, NaN and infinities."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _not_json(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _not_json(item, path + (index,))
    elif isinstance(value, float) and not math.isfinite(value):
        yield path, f"{value} is not a JSON number"
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        yield path, f"a {type(value).__name__} value cannot be sent as JSON"


def unsendable_problems(course: Course, request: Request) -> list[Problem]:
    """A YAML value in a body that JSON cannot carry: the renderer could not write the body at all."""
    if request.body is None:
        return []
    return [course.source.problem(path, message, "body-json") for path, message in _not_json(request.body, request.path + ("body",))]


def pql_text_problems(course: Course, request: Request, catalog: Catalog) -> list[Problem]:
    """The compile stage of ``pql:`` text: what the compiler finds in the text the author wrote.

    What the request sends (the compiled tree, a pql/text or pql/json value) is checked by the lint rules on the
    rendered course (course_document.py), like any export's.
    """
    if request.body is None:
        return []
    return expression_problems(course.source, request.path + ("body",), request.body, catalog)


def catalog_problems(course: Course) -> tuple[Catalog | None, list[Problem]]:
    """The field catalog: XDM profile fields plus the course's own ``fields``."""
    fields = course.source.data.get("fields")
    if fields is None:
        return load_catalog(), []
    problems = schema_problems({"fields": fields}, "pql-fields.schema.json", _locator(course.source, ()), rule="course-schema")
    return (None, problems) if problems else (load_catalog({"fields": fields}), [])


def header_document(url: str, body_kind: str | None, headers: dict[str, str]) -> dict[str, Any]:
    """What ``headers.schema.json`` checks: which API, which kind of body, the headers by lower-case name."""
    api = "aep" if url_path(url).startswith("/data/") else "other"
    kind = body_kind if body_kind in ("json", "form", None) else "other"
    return {"api": api, "body": kind, "headers": headers}


def _placeholder_problems(course: Course, known: set[str]) -> list[Problem]:
    problems = []
    allowed_in = [(request.path + (key,), getattr(request, key)) for request in course.requests() for key in BODY_KEYS]
    allowed_in += [(variable.path, variable.value) for variable in course.environment]
    for base, value in allowed_in:
        for path, text in strings(value, base):
            for match in PLACEHOLDER.finditer(text):
                if match.group(1) is not None and match.group(1) not in known:
                    choices = ", ".join(sorted(known))
                    problems.append(course.source.problem(path, f"unknown participant value ${{{match.group(1)}}}; known: {choices}", "placeholder"))
    # Everywhere else (names, headers, URLs, scripts, descriptions, at any level) one is refused, not written as is.
    # The teardown section fills its data per participant and checks the rest itself (teardown/declaration.py).
    filled = {path for path, _ in allowed_in} | {("teardown",)}
    for path, text in strings(course.source.data, ()):
        if not any(path[:len(base)] == base for base in filled) and any(match.group(1) is not None for match in PLACEHOLDER.finditer(text)):
            message = "participant values (${...}) belong in bodies and environment values only"
            if "scripts" in path:
                message += "; a script reads them from the environment, pm.environment.get('ldap')"
            problems.append(course.source.problem(path, message, "placeholder"))
    return problems


def _request_data(course: Course, request: Request) -> dict[str, Any]:
    node: Any = course.source.data
    for part in request.path:
        node = node[part]
    return node


def _body_kind_problems(course: Course) -> list[Problem]:
    problems = []
    for request in course.requests():
        given = [key for key in BODY_KEYS if key in _request_data(course, request)]
        if len(given) > 1:
            problems.append(course.source.problem(request.path + (given[1],), f"a request has one body: {' and '.join(given)} cannot both be given", "course-schema", key=True))
    return problems


_QUOTED = re.compile(r"""(["'`])([A-Za-z_][A-Za-z0-9_.-]*)\1""")


def _script_texts(course: Course) -> Iterator[str]:
    yield from course.scripts.values()

    def walk(items: list[Item]) -> Iterator[str]:
        for item in items:
            yield from item.scripts.values()
            if isinstance(item, Folder):
                yield from walk(item.items)

    yield from walk(course.items)


def used_variables(course: Course) -> set[str]:
    """Environment variables some request reads or keeps, or some script names."""
    used: set[str] = set()
    texts: list[str] = []
    for request in course.requests():
        texts.append(request.url)
        texts += [header.value for header in request.headers]
        texts += list(request.path_variables.values())
        for key in BODY_KEYS:
            texts += [text for _, text in strings(getattr(request, key), ())]
        used |= set(request.keep)
    texts += [text for variable in course.environment for _, text in strings(variable.value, ())]
    for text in texts:
        used |= {match.group(1) for match in POSTMAN_VARIABLE.finditer(text)}
    for script in _script_texts(course):
        used |= {match.group(1) for match in POSTMAN_VARIABLE.finditer(script)}
        used |= {match.group(2) for match in _QUOTED.finditer(script)}
    return used


def _unused_problems(course: Course) -> list[Problem]:
    """An environment variable nothing uses is left out of the output: say so where it is written."""
    used = used_variables(course)
    return [
        course.source.problem(variable.path, f"environment variable {variable.key} is used by no request or script and is left out; remove it, or say why it stays with kept:", "unused-variable", key=True)
        for variable in course.environment
        if variable.key not in used and not variable.kept
    ]


def _url_problems(course: Course) -> list[Problem]:
    """A URL the renderer cannot split into Postman's parts (an unclosed '[' of an IPv6 host)."""
    problems = []
    for request in course.requests():
        base = request.url.partition("?")[0]
        try:
            urlsplit(base) if "://" in base else None
        except ValueError as error:
            problems.append(course.source.problem(request.path + ("url",), f"request {request.name!r}: the url cannot be split into host and path: {error}", "course-schema"))
    return problems


def course_problems(course: Course, *, roster_fields: set[str]) -> list[Problem]:
    """All checks of a course that do not depend on any one participant."""
    problems = _placeholder_problems(course, set(PARTICIPANT_FIELDS) | roster_fields)
    problems += _body_kind_problems(course)
    problems += _url_problems(course)
    problems += _unused_problems(course)
    problems += [course.source.problem(path, message, "token-request") for path, message in token_problems(course)]
    catalog, catalog_issues = catalog_problems(course)
    problems += catalog_issues
    for request in course.requests():
        unsendable = unsendable_problems(course, request)
        problems += unsendable
        if catalog is not None and not unsendable:
            problems += pql_text_problems(course, request, catalog)
    return apply_levels(problems, course_levels(course.rules))
