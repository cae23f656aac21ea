"""What makes an imported collection a course: the learner's placeholders become participant values.

An exported course collection is one learner's copy: the segment is named ``ldap - API - …`` for the
learner to retype, every request sends the trainer's sandbox, and Adobe's course pages write
``--aepUserLdap--``-style markers that a browser extension fills in. Here each becomes what pmforge
fills in per participant:

- in bodies (where participant values may stand): a literal word ``ldap`` and ``--aepUserLdap--``
  become ``${ldap}``; ``--aepSandboxId--``/``--aepSandboxName--`` and a sandbox the headers named,
  as a whole value or a ``sandbox:…`` prefix (Query Service's ``dbName``), become ``${sandbox}``;
- in headers and URLs (Postman variables only): a literal ``x-sandbox-name`` and the sandbox markers
  become ``{{SANDBOX_NAME}}`` (``SANDBOX_NAME: ${sandbox}`` in the environment, the most used
  literal as ``defaults.sandbox``), ``--aepUserLdap--`` becomes ``{{ldap}}``;
- ``--aepImsOrgId--`` becomes ``{{IMS_ORG}}`` everywhere;
- a ``pql/json`` expression that ``pmforge pql explain`` reads becomes ``pql:`` text, kept only when
  compiling that text gives the same tree back, so the build sends what the export sent.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from pmforge.pql import PqlError, compile_text, explain
from pmforge.pql.tree import decode

SANDBOX_VARIABLE = "SANDBOX_NAME"
_LDAP_WORD = re.compile(r"(?<![\w{.$-])ldap(?![\w}])")
_MARKER = re.compile(r"--(?:aep|demo)[A-Za-z]+--")
_LDAP_MARKERS = ("--aepUserLdap--", "--demoProfileLdap--")
_SANDBOX_MARKERS = ("--aepSandboxId--", "--aepSandboxName--")
_ORG_MARKERS = ("--aepImsOrgId--",)
_BODY_KEYS = ("body", "raw", "form")


class Placeholders:
    """Turns one imported course's placeholders into participant values; says what it could not."""

    def __init__(self) -> None:
        self.sandboxes: Counter[str] = Counter()
        self.warnings: list[str] = []
        self.uses_sandbox = False

    # -- the sandbox the headers name ------------------------------------------------

    def _header_value(self, value: Any) -> Any:
        text = value["value"] if isinstance(value, dict) else value
        if not isinstance(text, str) or not text.strip() or "{{" in text:
            return value
        if not _MARKER.fullmatch(text):
            self.sandboxes[text] += 1
        self.uses_sandbox = True
        replaced = "{{" + SANDBOX_VARIABLE + "}}"
        return {**value, "value": replaced} if isinstance(value, dict) else replaced

    def _headers(self, headers: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for name, value in headers.items():
            value = self._header_value(value) if name.lower() == "x-sandbox-name" else value
            out[name] = self._markers(value, body=False)
        return out

    # -- markers and the ldap word -------------------------------------------------------

    def _markers(self, value: Any, *, body: bool) -> Any:
        if isinstance(value, dict):
            return {key: self._markers(item, body=body) for key, item in value.items()}
        if isinstance(value, list):
            return [self._markers(item, body=body) for item in value]
        if not isinstance(value, str):
            return value
        for marker in _LDAP_MARKERS:
            value = value.replace(marker, "${ldap}" if body else "{{ldap}}")
        for marker in _SANDBOX_MARKERS:
            if marker in value:
                self.uses_sandbox = True
                value = value.replace(marker, "${sandbox}" if body else "{{" + SANDBOX_VARIABLE + "}}")
        for marker in _ORG_MARKERS:
            value = value.replace(marker, "{{IMS_ORG}}")
        for unknown in sorted(set(_MARKER.findall(value))):
            self.warnings.append(f"the course-page marker {unknown} is not one pmforge knows: it is left as written")
        return value

    def _body_text(self, value: Any, sandboxes: set[str]) -> Any:
        if isinstance(value, dict):
            return {key: self._body_text(item, sandboxes) for key, item in value.items()}
        if isinstance(value, list):
            return [self._body_text(item, sandboxes) for item in value]
        if not isinstance(value, str):
            return value
        value = _LDAP_WORD.sub("${ldap}", self._markers(value, body=True))
        head, colon, rest = value.partition(":")
        if head in sandboxes:  # the sandbox itself, or Query Service's `sandbox:all`
            value = "${sandbox}" + colon + rest
        return value

    # -- the course ----------------------------------------------------------------------

    def course(self, course: dict[str, Any]) -> dict[str, Any]:
        """The course with participant values; ``self.sandboxes`` counts the literals replaced."""
        if "headers" in course:
            course["headers"] = self._headers(course["headers"])
        course["folders"] = self._items(course["folders"])
        sandboxes = set(self.sandboxes)
        course["folders"] = self._bodies(course["folders"], sandboxes)
        course = _shared_sandbox(course)
        if len(sandboxes) > 1:
            names = ", ".join(sorted(sandboxes))
            self.warnings.append(f"x-sandbox-name named {len(sandboxes)} sandboxes ({names}): every request now sends "
                                 f"the participant's own, {self.default_sandbox!r} unless the roster says otherwise")
        return course

    @property
    def default_sandbox(self) -> str | None:
        return self.sandboxes.most_common(1)[0][0] if self.sandboxes else None

    def _items(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            item = dict(item)
            if "headers" in item:
                item["headers"] = self._headers(item["headers"])
            if "url" in item:
                item["url"] = self._markers(item["url"], body=False)
            if "path_variables" in item:
                item["path_variables"] = self._markers(item["path_variables"], body=False)
            if "requests" in item:
                item["requests"] = self._items(item["requests"])
            out.append(item)
        return out

    def _bodies(self, items: list[dict[str, Any]], sandboxes: set[str]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            if "requests" in item:
                item = {**item, "requests": self._bodies(item["requests"], sandboxes)}
            for key in _BODY_KEYS:
                if key in item:
                    item = {**item, key: self._body_text(item[key], sandboxes)}
            if isinstance(item.get("body"), dict):
                item = {**item, "body": pql_text(item["body"])}
            out.append(item)
        return out


def _requests(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [request for item in items for request in (_requests(item["requests"]) if "requests" in item else [item])]


def _shared_sandbox(course: dict[str, Any]) -> dict[str, Any]:
    """When every request now sends the same ``x-sandbox-name``, the course declares it once."""
    requests = _requests(course["folders"])
    names = {name for request in requests for name in request.get("headers", {}) if name.lower() == "x-sandbox-name"}
    sandbox = "{{" + SANDBOX_VARIABLE + "}}"
    if len(requests) < 2 or len(names) != 1 or "x-sandbox-name" in {n.lower() for n in course.get("headers", {})}:
        return course
    (name,) = names
    if any(request.get("headers", {}).get(name) != sandbox for request in requests):
        return course

    def without(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            if "requests" in item:
                item = {**item, "requests": without(item["requests"])}
            elif "headers" in item:
                headers = {key: value for key, value in item["headers"].items() if key != name}
                item = {key: (headers if key == "headers" else value) for key, value in item.items() if key != "headers" or headers}
            out.append(item)
        return out

    course = {**course, "folders": without(course["folders"])}
    shared = {**course.get("headers", {}), name: sandbox}
    return {key: value for key, value in course.items() if key != "folders"} | {"headers": shared, "folders": course["folders"]}


def pql_text(body: dict[str, Any]) -> dict[str, Any]:
    """A segment body whose pql/json value pmforge reads, with the expression as ``pql`` text instead.

    Kept as it was when ``explain`` cannot read the tree, or when compiling the text it writes would
    send another tree (the build must send what the export sent).
    """
    expression = body.get("expression")
    if not isinstance(expression, dict) or expression.get("format") != "pql/json" or "value" not in expression:
        return body
    value = expression["value"]
    try:
        tree = decode(value) if isinstance(value, str) else value
        text = explain(tree)
        same = compile_text(text) == tree
    except (PqlError, json.JSONDecodeError, TypeError, ValueError):
        return body
    if not same:
        return body
    written = {key: (text if key == "value" else item) for key, item in expression.items()}
    return {**body, "expression": {("pql" if key == "value" else key): item for key, item in written.items()}}
