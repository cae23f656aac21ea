"""Postman test scripts written from a request's declarations.

Strings reach JavaScript through ``json.dumps``, which yields valid JavaScript
string literals, so no name or value can break out of the script.
"""

from __future__ import annotations

import json
import re

from pmforge.model import Request

_INDEX = re.compile(r"\[(\d+)\]")


def _js(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _accessor(path: str) -> str:
    """``segments[0].segment.mergePolicyId`` as a chain that yields undefined instead of throwing."""
    parts = _INDEX.sub(r".\1", path).split(".")
    return "body" + "".join(f"?.[{part}]" if part.isdigit() else f"?.[{_js(part)}]" for part in parts)


def test_lines(request: Request) -> list[str]:
    lines: list[str] = []
    if request.expect_status is not None:
        lines += [
            f"pm.test({_js(f'status is {request.expect_status}')}, function () {{",
            f"    pm.response.to.have.status({request.expect_status});",
            "});",
        ]
    if request.keep:
        lines.append("const body = pm.response.json();")
        for variable, path in request.keep.items():
            lines += [
                f"pm.test({_js(f'keeps {variable} from {path}')}, function () {{",
                f"    const value = {_accessor(path)};",
                f"    pm.expect(value, {_js(path + ' in the response')}).to.not.be.undefined;",
                f"    pm.environment.set({_js(variable)}, value);",
                "});",
            ]
    if request.scripts.get("test"):
        lines += request.scripts["test"].rstrip("\n").split("\n")
    return lines


def prerequest_lines(request: Request) -> list[str]:
    script = request.scripts.get("prerequest")
    return script.rstrip("\n").split("\n") if script else []


def events(request: Request) -> list[dict[str, object]]:
    result = []
    for listen, lines in (("prerequest", prerequest_lines(request)), ("test", test_lines(request))):
        if lines:
            result.append({"listen": listen, "script": {"type": "text/javascript", "exec": lines}})
    return result
