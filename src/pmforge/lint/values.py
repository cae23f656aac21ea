"""Values that do not belong in a shared collection: secrets, literals, left-over placeholders.

A course collection is handed to every participant, so anything written into
it literally is the same for all of them: a token leaks, a sandbox name sends
everyone to one sandbox, a placeholder reaches the API as text.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterator, Sequence

from pmforge.checks import strings
from pmforge.leaks import Secret, find_leaks
from pmforge.lint.collection import RequestItem
from pmforge.lint.positions import Document, PathKey
from pmforge.lint.rules import RULES
from pmforge.problems import Problem

PLACEHOLDER = re.compile(r"--(?:aep|demo)[A-Za-z]+--")
LDAP_WORD = re.compile(r"(?<![\w{.-])ldap(?![\w}])")
_VARIABLE_SPAN = re.compile(r"\{\{[^{}]*\}\}")

_ANYWHERE = (
    (re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*"), "a JWT (an access token)"),
    (re.compile(r"\bp8e-[A-Za-z0-9_-]{20,}"), "an Adobe client secret"),
)
# Only where values are sent (not in scripts, which read secrets by these names).
_SENT = (
    (re.compile(r"\b[Bb][Ee][Aa][Rr][Ee][Rr] +(?!\{\{)([A-Za-z0-9._~+/=-]{16,})"), "a bearer token"),
    (re.compile(r"(?i)\b(?:client_?secret|password|private_?key)[\"']?\s*[:=]\s*[\"']?(?!\{\{)([^\s\"'&,{}]{4,})"), "a secret"),
)
_SECRET_KEYS = re.compile(r"(?i)^(?:client_?secret|password|passwd|private_?key|api_?secret|secret|token|access_?token)$")
_VARIABLE_HEADERS = {"x-sandbox-name": "SANDBOX_NAME", "x-api-key": "API_KEY", "x-gw-ims-org-id": "IMS_ORG"}
_BEARER = re.compile(r"^\s*(bearer)\b", re.IGNORECASE)


def _problem(document: Document, path: PathKey, message: str, rule: str, *, index: int | None = None) -> Problem:
    return document.problem(path, message, rule, severity=RULES[rule].severity, index=index)


def _in_script(path: PathKey) -> bool:
    return "exec" in path


def _in_description(path: PathKey) -> bool:
    return "description" in path


def secrets(document: Document) -> list[Problem]:
    problems = []
    for path, text in strings(document.data, ()):
        patterns = _ANYWHERE if _in_script(path) or _in_description(path) else _ANYWHERE + _SENT
        for pattern, what in patterns:
            match = pattern.search(text)
            if match:
                start = match.start(match.lastindex or 0)
                problems.append(_problem(document, path, f"{what} is written into the collection; move it to an environment variable", "secret", index=start))
                break
        else:
            problems += _keyed_secret(document, path, text)
    return problems


def secret_values(document: Document, secrets: Sequence[Secret]) -> list[Problem]:
    """The value of an environment's secret, written into the collection (see ``pmforge.leaks``)."""
    return [
        _problem(document, leak.path, f"the value of secret {leak.secret.name} from an environment is written into the collection; use {{{{{leak.secret.name}}}}}",
                 "secret", index=leak.offset)
        for leak in find_leaks(document.data, secrets)
    ]


def _keyed_secret(document: Document, path: PathKey, text: str) -> list[Problem]:
    if len(path) < 2 or _VARIABLE_SPAN.search(text) or len(text.strip()) < 4:
        return []
    if "auth" in path and isinstance(path[-1], str) and _SECRET_KEYS.match(path[-1]):
        # v2.0 writes auth parameters as an object: {"bearer": {"token": "..."}}.
        return [_problem(document, path, f"auth {path[-1]!r} holds a literal value; a secret belongs in an environment variable", "secret")]
    # {"key": "client_secret", "value": "..."}: headers, query, form fields, auth attributes, variables.
    if path[-1] != "value":
        return []
    pair = _parent(document.data, path)
    key = pair.get("key") if isinstance(pair, dict) else None
    if isinstance(key, str) and _SECRET_KEYS.match(key.strip()):
        return [_problem(document, path, f"{key!r} holds a literal value; a secret belongs in an environment variable", "secret")]
    return []


def _parent(data: Any, path: PathKey) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def hard_coded(document: Document, item: RequestItem) -> Iterator[Problem]:
    for name, variable in _VARIABLE_HEADERS.items():
        header = item.header(name)
        if header is None or "{{" in header.value or PLACEHOLDER.search(header.value) or not header.value.strip():
            continue
        yield _problem(document, header.path + ("value",),
                       f"{header.key} is the literal {header.value!r}, the same for every participant; use a variable such as {{{{{variable}}}}}",
                       "hard-coded-value")


def placeholders(document: Document) -> list[Problem]:
    problems = []
    for path, text in strings(document.data, ()):
        match = PLACEHOLDER.search(text)
        if match:
            problems.append(_problem(document, path, f"course placeholder {match.group()!r} left in; use a {{{{VARIABLE}}}}", "course-placeholder", index=match.start()))
    return problems


def ldap_placeholders(body: Document) -> list[Problem]:
    """A literal ``ldap`` in a body's name or createdBy: the participant's id, meant to be replaced by hand."""
    problems = []
    if not isinstance(body.data, dict):
        return problems
    for field in ("name", "createdBy", "description"):
        text = body.data.get(field)
        if not isinstance(text, str):
            continue
        match = LDAP_WORD.search(_VARIABLE_SPAN.sub(lambda m: " " * len(m.group()), text))
        if match:
            problems.append(_problem(body, (field,), f"{field} holds the placeholder word 'ldap', meant to be replaced by hand; use {{{{ldap}}}}",
                                     "course-placeholder", index=match.start()))
    return problems


def auth_schemes(document: Document, items: list[RequestItem]) -> list[Problem]:
    found = []
    for item in items:
        header = item.header("authorization")
        match = _BEARER.match(header.value) if header else None
        if header is not None and match:
            found.append((header, match))
    spellings = Counter(match.group(1) for _, match in found)
    if len(spellings) < 2:
        return []
    # With two spellings, at least one differs from the spec's; those are the ones to change.
    return [
        _problem(document, header.path + ("value",), f"Authorization scheme spelled {match.group(1)!r} here and {_other(spellings, match.group(1))} elsewhere in this collection; the spec writes 'Bearer'",
                 "auth-scheme")
        for header, match in found if match.group(1) != "Bearer"
    ]


def _other(spellings: Counter[str], mine: str) -> str:
    return " and ".join(repr(s) for s in sorted(spellings) if s != mine)


def content_type_without_body(document: Document, item: RequestItem) -> Iterator[Problem]:
    header = item.header("content-type")
    if header is not None and not item.has_body:
        yield _problem(document, header.path + ("key",), f"{item.method} request {item.name!r} has no body but sends Content-Type", "content-type-without-body")
