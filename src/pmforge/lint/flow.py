"""How a run flows, as the flow rules read it: request names, scripts line by line, variables set, declared and sent.

Newman runs requests depth first and looks setNextRequest targets up by name across the whole collection; an
unknown target ends the run with exit 0 and no word, so the rules built on these (duplicate-name, next-request,
no-test, legacy-script, variable-case, undefined-variable in ``pmforge.lint.document_rules``) guard what a passing
CI run silently skips.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Iterator

from pmforge.checks import strings
from pmforge.javascript import code_only
from pmforge.lint.collection import RequestItem, Script, node_at, scripts
from pmforge.lint.positions import Document, PathKey

_SETTER = re.compile(
    r"""\b(?:pm\.(?:environment|collectionVariables|globals|variables)\.set|postman\.set(?:Environment|Global)Variable)"""
    r"""\s*\(\s*(["'`])([^"'`$]+)\1"""
)


def code_lines(script: Script) -> Iterator[tuple[PathKey, str]]:
    """Each line of the script with its comments blanked out (a block comment may span lines)."""
    code = code_only(script.code)
    at = 0
    for line in script.lines:
        yield line.path, code[at:at + len(line.text)]
        at += len(line.text) + 1


def variables_set(found: Iterable[Script]) -> set[str]:
    return {match.group(2) for script in found for _, text in code_lines(script) for match in _SETTER.finditer(text)}


def name_path(item: RequestItem) -> PathKey:
    return item.path + ("name",) if "name" in item.data else item.path


def containers(items: list[RequestItem]) -> list[PathKey]:
    """The root, every folder, and every request item: all that can carry scripts, in file order."""
    seen: dict[PathKey, None] = {}
    for item in items:
        for path in item.ancestors + (item.path,):
            seen.setdefault(path, None)
    return list(seen) if seen else [()]


def all_scripts(document: Document, items: list[RequestItem]) -> list[Script]:
    """The scripts of the root, every folder and every request, in file order."""
    return [s for path in containers(items) for s in scripts(node_at(document, path), path)]


def declared(node: Any) -> set[str]:
    variables = node.get("variable") if isinstance(node, dict) else None
    if not isinstance(variables, list):
        return set()
    return {v["key"] for v in variables if isinstance(v, dict) and isinstance(v.get("key"), str) and not v.get("disabled")}


def sent_strings(item: RequestItem) -> Iterator[tuple[PathKey, str]]:
    request, base = item.request, item.request_path
    url = request.get("url")
    if isinstance(url, dict) and (url.get("host") or url.get("path")):
        # Newman builds the URL from its parts and ignores raw, so the parts are what is sent.
        for key in ("protocol", "host", "port", "path", "query", "hash", "variable"):
            yield from _enabled_strings(url.get(key), base + ("url", key))
    else:
        yield from strings(url, base + ("url",))
    for header in item.headers():
        yield header.path + ("key",), header.key
        yield header.path + ("value",), header.value
    body = request.get("body")
    if isinstance(body, dict) and isinstance(body.get("mode"), str) and item.has_body:
        yield from _enabled_strings(body.get(body["mode"]), base + ("body", body["mode"]))
    yield from strings(request.get("auth"), base + ("auth",))


def _enabled_strings(value: Any, path: PathKey) -> Iterator[tuple[PathKey, str]]:
    """Strings of a list of parameters, leaving out those marked ``disabled`` (Newman does not send them)."""
    if not isinstance(value, list):
        yield from strings(value, path)
        return
    for index, entry in enumerate(value):
        if not (isinstance(entry, dict) and entry.get("disabled") is True):
            yield from strings(entry, path + (index,))
