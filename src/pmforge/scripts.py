"""Postman scripts written from a course's declarations (expect, keep, poll, exists, resilience).

Strings reach JavaScript through ``json.dumps``, which yields valid JavaScript
string literals, so no name or value can break out of the script. The parts that
are the same for every course live as JavaScript in ``templates/scripts/``; each
generated script wraps them in a function, so nothing leaks into hand-written code.

Local variables (``pm.variables``) live for one collection run, or for one request
sent by hand: the scripts keep their run state there (poll counts, the wait before
the next poll), so a request sent by hand never waits for a poll it did not start.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from pmforge.model import PLACEHOLDER, Course, Poll, Request, Resilience
from pmforge.resources import data_dir

_INDEX = re.compile(r"\[(\d+)\]")
_VARIABLE = re.compile(r"\{\{([^{}$][^{}]*)\}\}")
INTERVAL_VARIABLE = "POLL_INTERVAL_MS"
WAIT_VARIABLE = "pmforge.wait"


def _js(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


@lru_cache(maxsize=None)
def _library(name: str) -> list[str]:
    return (data_dir("templates") / "scripts" / name).read_text(encoding="utf-8").rstrip("\n").split("\n")


def _keys(path: str) -> list[str | int]:
    """``segments[0].segment.mergePolicyId`` as the keys to walk: ["segments", 0, "segment", "mergePolicyId"]."""
    return [int(part) if part.isdigit() else part for part in _INDEX.sub(r".\1", path).split(".")]


def _accessor(path: str) -> str:
    """``segments[0].segment.mergePolicyId`` as a chain that yields undefined instead of throwing."""
    return "body" + "".join(f"?.[{key}]" if isinstance(key, int) else f"?.[{_js(key)}]" for key in _keys(path))


def _first_of(paths: list[str]) -> str:
    return " ?? ".join(_accessor(path) for path in paths)


def _test(name: str, body: list[str], indent: str = "") -> list[str]:
    return [f"{indent}pm.test({_js(name)}, function () {{", *(f"{indent}    {line}" for line in body), f"{indent}}});"]


def _wrapped(lines: list[str]) -> list[str]:
    return ["(function () {", *(f"    {line}" if line else "" for line in lines), "})();"]


def _constant(name: str, value: dict[str, Any] | list[Any]) -> list[str]:
    """A JavaScript constant, one entry a line: readable in Postman's script editor, and short."""
    entries = ([f"    {_js(key)}: {_js(item)}" for key, item in value.items()] if isinstance(value, dict)
               else [f"    {_js(item)}" for item in value])
    open_, close = ("{", "}") if isinstance(value, dict) else ("[", "]")
    return [f"const {name} = {open_}", *(f"{entry}," for entry in entries[:-1]), *entries[-1:], f"{close};"]


def _outcome_lines(request: Request, indent: str = "") -> list[str]:
    """Checks of the final response: fields present, values kept."""
    lines: list[str] = []
    if request.expect_fields:
        checks = [f"pm.expect({_accessor(path)}, {_js(path)}).to.not.be.undefined;" for path in request.expect_fields]
        lines += _test(f"response has {', '.join(request.expect_fields)}", checks, indent)
    for variable, paths in request.keep.items():
        lines += _test(
            f"keeps {variable} from {' or '.join(paths)}",
            [
                f"const value = {_first_of(paths)};",
                f"pm.expect(value, {_js(' or '.join(paths))}).to.not.be.undefined;",
                f"pm.environment.set({_js(variable)}, value);",
            ],
            indent,
        )
    return lines


def _poll_lines(request: Request, poll: Poll) -> list[str]:
    counter = _js(f"pmforge.polls.{request.name}")
    errors = (
        f"({_accessor(poll.errors)} || []).map((e) => e?.msg ?? e?.[\"error-message\"] ?? e?.message ?? JSON.stringify(e)).join(\"; \")"
        if poll.errors
        else '""'
    )
    pending = (f"{_js(poll.pending)}.includes(status)" if poll.pending is not None
               else f"!{_js([*poll.until, *poll.fail])}.includes(status)")
    field = poll.field
    return [
        f"const status = {_accessor(field)};",
        f"const polls = Number(pm.variables.get({counter}) || 0) + 1;",
        f"if ({pending} && polls < {poll.max_polls}) {{",
        f"    // Not final yet: run this request again after the wait ({INTERVAL_VARIABLE} overrides the course's).",
        "    // The wait happens before the next send (collection pre-request), so a Send by hand answers at once.",
        f"    const configured = pm.variables.get({_js(INTERVAL_VARIABLE)});",
        f"    const wait = configured === undefined || configured === \"\" ? {poll.interval_ms} : Number(configured);",
        f"    pm.variables.set({counter}, polls);",
        f"    pm.variables.set({_js(WAIT_VARIABLE)}, wait);",
        "    pm.execution.setNextRequest(pm.info.requestName);",
        "    pm.test(`" + field + " is ${status}, not final yet (poll ${polls} of " + str(poll.max_polls)
        + "): a collection run checks again in ${wait / 1000} s; sent by hand, press Send again in a while`, function () {",
        f"        pm.expect(status).to.not.be.oneOf({_js([*poll.until, *poll.fail])});",
        "    });",
        "    return;",
        "}",
        f"pm.variables.set({counter}, 0);",
        f"if ({_js(poll.fail)}.includes(status)) {{",
        "    forget();",
        f"    const errors = {errors};",
        "    pm.test(`" + field + " is ${status}: ${errors || \"no error message\"}`, function () {",
        "        pm.expect.fail(`" + field + " is ${status} after ${polls} poll${polls === 1 ? \"\" : \"s\"}`);",
        "    });",
        "    return;",
        "}",
        f"if (!{_js(poll.until)}.includes(status)) {{",
        "    forget();",
        f"    const message = {pending}",
        "        ? `" + field + " is still ${status} after ${polls} poll${polls === 1 ? \"\" : \"s\"}: the job takes longer than this run waits; send this request again later`",
        "        : `" + field + " is ${status}, which is not a state this collection knows`;",
        "    pm.test(message, function () {",
        f"        pm.expect(status, message).to.be.oneOf({_js(poll.until)});",
        "    });",
        "    return;",
        "}",
        *_test(f"{field} is {' or '.join(poll.until)}",
               [f"pm.expect(status, `{field} after ${{polls}} polls`).to.be.oneOf({_js(poll.until)});"]),
        *_outcome_lines(request),
    ]


def _variables(request: Request) -> list[str]:
    """The Postman variables a request sends (URL, headers, body), each once, in order."""
    texts = [request.url, *(header.value for header in request.sent_headers),
             json.dumps([request.body, request.form, request.raw, request.formdata])]
    found: dict[str, None] = {}
    for text in texts:
        for match in _VARIABLE.finditer(text):
            found.setdefault(match.group(1).strip(), None)
    return list(found)


class ScriptWriter:
    """Writes every generated script of one course; what they share (the token request) is found once."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.resilience: Resilience = course.resilience
        requests = course.requests()
        self.keepers: dict[str, str] = {}
        for request in requests:
            for variable in request.keep:
                self.keepers.setdefault(variable, request.name)
        token = self.resilience.token
        self.token_request = next((r for r in requests if token and r.name == token.request), None)
        self.token_variable = next(iter(self.token_request.keep), None) if self.token_request else None
        self.fix = (token.fix.rstrip() + " ") if token and token.fix else ""

    # -- shared pieces ------------------------------------------------------------------------

    def _token_spec(self) -> dict[str, Any] | None:
        request = self.token_request
        if request is None or self.token_variable is None:
            return None
        spec: dict[str, Any] = {
            "request": request.name,
            "variable": self.token_variable,
            "method": request.method,
            "url": request.url,
            "header": [{"key": h.key, "value": h.value} for h in request.sent_headers],
            "needs": _variables(request),
            "from": [_keys(path) for path in request.keep[self.token_variable]],
            "errors": [[_keys(code), _keys(message)] for code, message in self.resilience.errors],
            "fix": self.fix.rstrip(),
            "retry": self._retry(),
        }
        if request.form is not None:
            spec["form"] = [{"key": key, "value": value} for key, value in request.form.items()]
        return spec

    def _retry(self) -> dict[str, Any]:
        retry = self.resilience.retry
        return {"on": retry.statuses, "times": retry.times, "backoff_ms": retry.backoff_ms, "max_wait_ms": retry.max_wait_ms}

    def _token_lines(self) -> list[str]:
        spec = self._token_spec()
        if spec is None:
            return []
        return [*_constant("TOKEN", spec), *_library("token.js"),
                "function keepToken(token) {", f"    pm.environment.set({_js(self.token_variable)}, token);", "}"]

    def _declares(self, request: Request) -> bool:
        return (request.expect_status is not None or bool(request.expect_fields) or bool(request.keep)
                or request.poll is not None or request.exists is not None)

    # -- a request's scripts ------------------------------------------------------------------

    def _reply_spec(self, request: Request) -> dict[str, Any]:
        token = self.resilience.token
        is_token = self.token_request is request
        spec: dict[str, Any] = {
            "status": request.expect_status,
            "json": bool(request.keep or request.expect_fields or request.poll or request.exists),
            "stops": is_token,
            "fix": self.fix,
            "retry": self._retry(),
            "errors": [[_keys(code), _keys(message)] for code, message in self.resilience.errors],
            "headers": [{"key": h.key, "value": h.value} for h in request.sent_headers],
            "expired": None,
            "exists": None,
        }
        if token and not is_token and token.expired_status is not None and self.token_request is not None:
            spec["expired"] = {"status": token.expired_status,
                               "field": _keys(token.expired_field) if token.expired_field else None,
                               "equals": token.expired_value}
        if request.exists:
            exists = request.exists
            spec["exists"] = {"status": exists.status, "list": exists.list_url, "items": _keys(exists.items),
                              "match": _keys(exists.match), "next": _keys(exists.next) if exists.next else None,
                              "next_base": exists.next_base, "where": exists.where, "what": exists.what}
        return spec

    def test_lines(self, request: Request) -> list[str]:
        lines: list[str] = []
        if self._declares(request):
            spec = self._reply_spec(request)
            judge = _poll_lines(request, request.poll) if request.poll else _outcome_lines(request)
            forget = [f"pm.environment.set({_js(variable)}, \"\");" for variable in request.keep]
            token = self._token_lines() if spec["expired"] else []
            lines += _wrapped([
                "// pmforge: the reply's status first, then what the course declares for this request.",
                *_constant("REPLY", spec),
                *_library("reply.js"),
                *token,
                "function forget() {", *(f"    {line}" for line in forget), "}",
                "function judge(body) {", *(f"    {line}" if line else "" for line in judge), "}",
                "settle(pm.response, 0, []);",
            ])
        if request.scripts.get("test"):
            lines += request.scripts["test"].rstrip("\n").split("\n")
        return lines

    def prerequest_lines(self, request: Request) -> list[str]:
        lines: list[str] = []
        if self._declares(request):
            needs = []
            for name in _variables(request):
                if name == self.token_variable and self.token_request is not request:
                    continue  # the collection's pre-request script gets the token
                keeper = self.keepers.get(name)
                if keeper and keeper != request.name:
                    what = f"Run \"{keeper}\" first."
                elif self.token_request is request and self.fix:
                    what = self.fix.rstrip()
                else:
                    what = "Set it in your environment."
                needs.append({"name": name, "what": what})
            if needs:
                lines += _wrapped([
                    "// pmforge: a request whose inputs are empty is not sent; the message says what to do first.",
                    *_constant("NEEDS", needs),
                    "const missing = NEEDS.filter((need) => !pm.variables.get(need.name));",
                    "if (missing.length) {",
                    "    const message = `not sent: ${missing.map((need) => `${need.name} is empty. ${need.what}`).join(\" \")} The run stops here.`;",
                    "    pm.test(message, function () {",
                    "        pm.expect.fail(`${missing.map((need) => need.name).join(\", \")} empty`);",
                    "    });",
                    "    pm.execution.setNextRequest(null);",
                    "    // Newman 6.2 (postman-runtime 7.39), the Postman CLI and the app since 2023 can skip a request.",
                    "    if (typeof pm.execution.skipRequest === \"function\") {",
                    "        pm.execution.skipRequest();",
                    "    }",
                    "}",
                ])
        script = request.scripts.get("prerequest")
        if script:
            lines += script.rstrip("\n").split("\n")
        return lines

    def events(self, request: Request) -> list[dict[str, object]]:
        return _events([("prerequest", self.prerequest_lines(request)), ("test", self.test_lines(request))])

    def collection_events(self) -> list[dict[str, object]]:
        """The collection's scripts: the wait before a poll and a token when there is none, then hand-written ones."""
        prerequest: list[str] = []
        if any(self._declares(request) for request in self.course.requests()):
            prerequest += _wrapped(_library("collection-prerequest.js"))
            token = self._token_lines()
            if token:
                prerequest += _wrapped([*token, *_library("collection-token.js")])
        hand = self.course.scripts
        if hand.get("prerequest"):
            prerequest += hand["prerequest"].rstrip("\n").split("\n")
        test = hand["test"].rstrip("\n").split("\n") if hand.get("test") else []
        return _events([("prerequest", prerequest), ("test", test)])


def token_problems(course: Course) -> list[tuple[tuple[Any, ...], str]]:
    """What is wrong with ``resilience.token``: (path in the course, message)."""
    token = course.resilience.token
    if token is None:
        return []
    path = ("resilience", "token", "request")
    found = next((r for r in course.requests() if r.name == token.request), None)
    if found is None:
        return [(path, f"no request is named {token.request!r}")]
    if not found.keep:
        return [(path, f"request {token.request!r} keeps no variable, so no token can be taken from it")]
    if any(PLACEHOLDER.search(value or "") for value in [found.url, *(found.form or {}).values()]):
        return [(path, f"request {token.request!r} holds a participant value (${{...}}); the token request may use Postman variables only")]
    if found.body_kind not in (None, "form"):
        return [(path, f"request {token.request!r} sends a {found.body_kind} body; a token request sends a form or nothing")]
    return []


def _events(pairs: list[tuple[str, list[str]]]) -> list[dict[str, object]]:
    return [{"listen": listen, "script": {"type": "text/javascript", "exec": lines}} for listen, lines in pairs if lines]


def plain_events(hand_written: dict[str, str]) -> list[dict[str, object]]:
    """Events of a folder: hand-written scripts only."""
    return _events([(listen, hand_written[listen].rstrip("\n").split("\n")) for listen in ("prerequest", "test") if hand_written.get(listen)])
