"""secret: a token, client secret or private key written into the collection, by its form or by an environment's value;
in an environment, a secret value too short to search for (a warning, as ``build`` gives)."""

from __future__ import annotations

import re
from typing import Any

from pmforge.checks import strings
from pmforge.leaks import environment_secrets, find_leaks
from pmforge.lint.context import Context, problem
from pmforge.lint.positions import VARIABLE_SPAN, Document, PathKey
from pmforge.lint.structure import COLLECTION, ENVIRONMENT, environment_root
from pmforge.problems import WARNING, Problem

KINDS = (COLLECTION, ENVIRONMENT)

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


def check(context: Context) -> list[Problem]:
    if context.kind == ENVIRONMENT:
        return _unsearched(context.document)
    problems = _by_form(context.document)
    flagged = {found.line for found in problems}  # a token the patterns already named is not named twice
    return problems + [found for found in _by_value(context) if found.line not in flagged]


def _by_form(document: Document) -> list[Problem]:
    problems = []
    for path, text in strings(document.data, ()):
        patterns = _ANYWHERE if "exec" in path or "description" in path else _ANYWHERE + _SENT
        for pattern, what in patterns:
            match = pattern.search(text)
            if match:
                start = match.start(match.lastindex or 0)
                problems.append(problem(document, path, f"{what} is written into the collection; move it to an environment variable", "secret", index=start))
                break
        else:
            problems += _keyed_secret(document, path, text)
    return problems


def _by_value(context: Context) -> list[Problem]:
    """The value of an environment's secret, written into the collection (see ``pmforge.leaks``)."""
    return [
        problem(context.document, leak.path, f"the value of secret {leak.secret.name} from an environment is written into the collection; use {{{{{leak.secret.name}}}}}",
                "secret", index=leak.offset)
        for leak in find_leaks(context.document.data, context.secrets)
    ]


def _unsearched(document: Document) -> list[Problem]:
    """Secret values so short that a search would find words (``test``, ``POST``): said at the value, not searched."""
    root, base = environment_root(document.data)
    entries = root.get("values") if isinstance(root, dict) else None
    return [
        document.problem(base + ("values", index, "value"), secret.unsearched(), "secret", severity=WARNING)
        for index, entry in enumerate(entries if isinstance(entries, list) else [])
        for secret in environment_secrets({"values": [entry]}) if not secret.searchable  # the entry, read as the search reads it
    ]


def _keyed_secret(document: Document, path: PathKey, text: str) -> list[Problem]:
    if len(path) < 2 or VARIABLE_SPAN.search(text) or len(text.strip()) < 4:
        return []
    if "auth" in path and isinstance(path[-1], str) and _SECRET_KEYS.match(path[-1]):
        # v2.0 writes auth parameters as an object: {"bearer": {"token": "..."}}.
        return [problem(document, path, f"auth {path[-1]!r} holds a literal value; a secret belongs in an environment variable", "secret")]
    # {"key": "client_secret", "value": "..."}: headers, query, form fields, auth attributes, variables.
    if path[-1] != "value":
        return []
    pair = _parent(document.data, path)
    key = pair.get("key") if isinstance(pair, dict) else None
    if isinstance(key, str) and _SECRET_KEYS.match(key.strip()):
        return [problem(document, path, f"{key!r} holds a literal value; a secret belongs in an environment variable", "secret")]
    return []


def _parent(data: Any, path: PathKey) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data
