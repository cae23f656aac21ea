"""Postman test scripts written from a request's declarations.

Strings reach JavaScript through ``json.dumps``, which yields valid JavaScript
string literals, so no name or value can break out of the script.
"""

from __future__ import annotations

import json
import re

from pmforge.model import Poll, Request

_INDEX = re.compile(r"\[(\d+)\]")
INTERVAL_VARIABLE = "POLL_INTERVAL_MS"


def _js(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _accessor(path: str) -> str:
    """``segments[0].segment.mergePolicyId`` as a chain that yields undefined instead of throwing."""
    parts = _INDEX.sub(r".\1", path).split(".")
    return "body" + "".join(f"?.[{part}]" if part.isdigit() else f"?.[{_js(part)}]" for part in parts)


def _first_of(paths: list[str]) -> str:
    return " ?? ".join(_accessor(path) for path in paths)


def _test(name: str, body: list[str], indent: str = "") -> list[str]:
    return [f"{indent}pm.test({_js(name)}, function () {{", *(f"{indent}    {line}" for line in body), f"{indent}}});"]


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
    done = [*poll.until, *poll.fail]
    errors = (
        f"({_accessor(poll.errors)} || []).map((e) => e?.msg ?? e?.[\"error-message\"] ?? e?.message ?? JSON.stringify(e)).join(\"; \")"
        if poll.errors
        else '""'
    )
    return [
        f"const status = {_accessor(poll.field)};",
        f"const polls = Number(pm.collectionVariables.get({counter}) || 0) + 1;",
        f"if (!{_js(done)}.includes(status) && polls < {poll.max_polls}) {{",
        f"    // Not final yet: run this request again after the wait ({INTERVAL_VARIABLE} overrides the course's).",
        f"    const configured = pm.variables.get({_js(INTERVAL_VARIABLE)});",
        f"    const wait = configured === undefined || configured === \"\" ? {poll.interval_ms} : Number(configured);",
        f"    pm.collectionVariables.set({counter}, polls);",
        f"    console.log(`${{pm.info.requestName}}: ${{status}}, poll ${{polls}} of {poll.max_polls}; next in ${{wait}} ms`);",
        "    pm.execution.setNextRequest(pm.info.requestName);",
        "    setTimeout(function () {}, wait);",
        "} else {",
        f"    pm.collectionVariables.unset({counter});",
        f"    if ({_js(poll.fail)}.includes(status)) {{",
        f"        const errors = {errors};",
        "        pm.test(`" + poll.field + " is ${status}: ${errors || \"no error message\"}`, function () {",
        "            pm.expect.fail(`" + poll.field + " is ${status} after ${polls} polls`);",
        "        });",
        "    } else {",
        *_test(
            f"{poll.field} is {' or '.join(poll.until)}",
            [f"pm.expect(status, `{poll.field} after ${{polls}} polls`).to.be.oneOf({_js(poll.until)});"],
            "        ",
        ),
        *_outcome_lines(request, "        "),
        "    }",
        "}",
    ]


def test_lines(request: Request) -> list[str]:
    lines: list[str] = []
    if request.expect_status is not None:
        lines += _test(f"status is {request.expect_status}", [f"pm.response.to.have.status({request.expect_status});"])
    if request.keep or request.expect_fields or request.poll:
        lines += ["let body;", *_test("response is JSON", ["body = pm.response.json();"])]
        lines += _poll_lines(request, request.poll) if request.poll else _outcome_lines(request)
    if request.scripts.get("test"):
        lines += request.scripts["test"].rstrip("\n").split("\n")
    return lines


def prerequest_lines(request: Request) -> list[str]:
    script = request.scripts.get("prerequest")
    return script.rstrip("\n").split("\n") if script else []


def _events(pairs: list[tuple[str, list[str]]]) -> list[dict[str, object]]:
    return [{"listen": listen, "script": {"type": "text/javascript", "exec": lines}} for listen, lines in pairs if lines]


def events(request: Request) -> list[dict[str, object]]:
    return _events([("prerequest", prerequest_lines(request)), ("test", test_lines(request))])


def plain_events(hand_written: dict[str, str]) -> list[dict[str, object]]:
    """Events of a folder or the collection: hand-written scripts only."""
    return _events([(listen, hand_written[listen].rstrip("\n").split("\n")) for listen in ("prerequest", "test") if hand_written.get(listen)])
