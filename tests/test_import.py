"""pmforge import: an exported collection, imported then built, gives the same requests back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pmforge import building
from pmforge.importing import declarations, import_collection
from tests.conftest import SHARED, shared_file

SAMPLES = sorted(
    str(path.relative_to(SHARED)) for path in (SHARED / "aep-postman-samples").glob("**/*.postman_collection.json")
) or ["aep-postman-samples/course/platform-learn_tutorial-comprehensive-technical__Adobe_Experience_Platform_Enablement.postman_collection.json"]


def _url(url: Any) -> str:
    return url if isinstance(url, str) else url["raw"]


def _body(body: dict[str, Any] | None) -> Any:
    """A body as sent, formatting aside."""
    if not body:
        return None
    mode = body.get("mode")
    if mode == "raw":
        if not body.get("raw", "").strip():
            return None
        try:
            return ("json", json.loads(body["raw"]))
        except json.JSONDecodeError:
            return ("raw", body["raw"])
    if mode == "urlencoded":
        return ("form", [(e["key"], e.get("value", "")) for e in body["urlencoded"] if not e.get("disabled")])
    if mode == "formdata":
        return ("formdata", [(e["key"], e.get("value"), e.get("src"), e.get("type", "text"), bool(e.get("disabled"))) for e in body["formdata"]])
    if mode == "file":
        return ("file", body.get("file", {}).get("src"))
    return None


def _headers(request: dict[str, Any]) -> list[tuple[str, str, bool]]:
    return sorted((h["key"], h.get("value", ""), bool(h.get("disabled")) or h.get("enabled") is False) for h in request.get("header", []) if h["key"])


def outline(items: list[dict[str, Any]]) -> list[Any]:
    """Items, names, methods, URLs, headers and bodies: what import then build must keep."""
    result = []
    for item in items:
        if "item" in item:
            result.append(("folder", item["name"], outline(item["item"])))
        else:
            request = item["request"]
            result.append(("request", item["name"], request["method"], _url(request["url"]), _headers(request), _body(request.get("body"))))
    return result


@pytest.mark.parametrize("sample", SAMPLES, ids=[Path(name).name[:40] for name in SAMPLES])
def test_import_then_build_gives_the_original_back(sample: str, tmp_path: Path) -> None:
    original_path = shared_file(sample)
    text, problems = import_collection(original_path)
    assert text is not None and [p for p in problems if p.severity == "error"] == []
    course = tmp_path / "course.yaml"
    course.write_text(text, encoding="utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text("ldap\ntester\n", encoding="utf-8")
    result = building.build(course, roster, tmp_path / "out")
    assert [str(p) for p in result.problems if p.severity == "error"] == []
    (built,) = (tmp_path / "out" / "tester").glob("*.postman_collection.json")
    original = json.loads(original_path.read_text(encoding="utf-8"))
    ours = json.loads(built.read_text(encoding="utf-8"))
    assert ours["info"]["name"] == original["info"]["name"]
    assert outline(ours["item"]) == outline(original["item"])


def test_import_of_the_course_lifts_headers_and_reads_scripts(tmp_path: Path) -> None:
    path = shared_file("aep-postman-samples/course/platform-learn_tutorial-comprehensive-technical__Adobe_Experience_Platform_Enablement.postman_collection.json")
    text, problems = import_collection(path)
    assert problems == []
    assert text is not None
    assert text.startswith(
        f"# Imported by pmforge from {path.name}.\n"
        "# It fails the checks under settings.rules as exported: they are off until it is mended.\n"
        "collection: _Adobe Experience Platform Enablement\n"
        "settings:\n  rules:\n    headers: 'off'\n"
    )
    assert "headers:\n  x-api-key: '{{API_KEY}}'\n  x-gw-ims-org-id: '{{IMS_ORG}}'\nfolders:\n" in text
    assert "    keep:\n      MERGEPOLICY_ID: segments[0].segment.mergePolicyId\n" in text


@pytest.mark.parametrize(
    "script, expected",
    [
        ('var segment = JSON.parse(responseBody);\npostman.setEnvironmentVariable("SEGMENT_ID", segment.id);\n', {"keep": {"SEGMENT_ID": "id"}}),
        ('pm.environment.set("JOB_ID", pm.response.json().id);', {"keep": {"JOB_ID": "id"}}),
        ('pm.test("ok", function () { pm.response.to.have.status(201); });\nconst d = pm.response.json();\npm.environment.set("X", d.items[0].id)',
         {"expect": {"status": 201}, "keep": {"X": "items[0].id"}}),
        ('var d = JSON.parse(responseBody);\nif (d.id) { postman.setEnvironmentVariable("X", d.id); }', None),
        ('postman.setEnvironmentVariable("X", other.id);', None),
    ],
)
def test_recognised_scripts_become_declarations(script: str, expected: dict[str, Any] | None) -> None:
    assert declarations(script) == expected


def test_import_cli_writes_yaml_and_reports_bad_json(cli, tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"info": {"name": "x"},\n "item": [}\n', encoding="utf-8")
    result = cli("import", "broken.json", "-o", "course.yaml")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "broken.json:2:11: error: expected a value [json-syntax]\n1 problem found; nothing written.\n")
    assert not (tmp_path / "course.yaml").exists()
    (tmp_path / "tiny.json").write_text(json.dumps({"info": {"name": "Tiny", "schema": "x"}, "item": [
        {"name": "Ping", "request": {"method": "GET", "url": "{{HOST}}/ping", "header": []}}]}), encoding="utf-8")
    result = cli("import", "tiny.json")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "# Imported by pmforge from tiny.json.\n"
        "collection: Tiny\n"
        "environment:\n  HOST: ''\n"
        "folders:\n- name: Ping\n  method: GET\n  url: '{{HOST}}/ping'\n"
    )


def test_a_broken_structure_is_refused_with_its_position(cli, tmp_path: Path) -> None:
    (tmp_path / "odd.json").write_text(
        '{"info": {"name": "x"},\n "item": [{"name": "a", "request": {"method": "GET", "url": "u",\n   "header": ["Accept: */*"], "body": {"mode": "raw", "raw": 7}}}]}\n',
        encoding="utf-8",
    )
    result = cli("import", "odd.json")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        "odd.json:3:15: error: a header must be an object, not a string [structure]\n"
        "odd.json:3:62: error: raw must be a string or null, not a number [structure]\n"
        "2 problems found; nothing written.\n",
    )
