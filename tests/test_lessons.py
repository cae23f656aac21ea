"""The collection teaches (Markdown descriptions), and the environment holds only what is used."""

from __future__ import annotations

import json
from pathlib import Path

from pmforge import building
from pmforge.lessons import used_variables

STEM = "_Adobe Experience Platform Enablement"


def collection(root: Path, ldap: str, stem: str = STEM) -> dict:
    return json.loads((root / ldap / f"{stem}.postman_collection.json").read_text(encoding="utf-8"))


def test_descriptions_say_what_each_step_does_sends_and_checks(cli, tmp_path: Path) -> None:
    assert cli("build").exit_code == 0
    document = collection(tmp_path / "out", "vangeluw")
    assert document["info"]["description"].split("\n\n") == [
        "The exercise \\_Adobe Experience Platform Enablement, one request after the other.",
        "Before the first request, fill in `API_KEY`, `CLIENT_SECRET`, `IMS_ORG` in your environment.",
        "**Steps**",
        "1. Get Access Token\n2. Step 1 - Profile: Create A Segment Definition\n3. Step 2 - POST Segment Job\n4. Step 3 - GET Segment Job status",
    ]
    folder = document["item"][1]
    assert folder["description"] == "Run these requests in order:\n\n1. Step 1 - Profile: Create A Segment Definition\n2. Step 2 - POST Segment Job\n3. Step 3 - GET Segment Job status"
    assert folder["item"][0]["request"]["description"].split("\n\n") == [
        "Creates a segment definition named after you that selects every profile whose gender is female. You write the expression as PQL text; AEP receives it as a pql/json tree.",
        "**POST** `{{PLATFORM_GATEWAY}}/data/core/ups/segment/definitions`",
        "**Segment expression (PQL)**, as the course writes it; the body carries it as the expression's value:",
        '```\nperson.gender in ["female"]\n```',
        "**What to check**",
        "- The status is 200.\n- The response has id, name.\n- `SEGMENT_ID` is kept from the response's `id`.\n- Every test in the Test Results tab passes.",
    ]


def test_a_description_is_generated_where_the_author_wrote_none(cli, course_dir: Path) -> None:
    assert cli("build", "course.yaml", cwd=course_dir).exit_code == 0
    read = collection(course_dir / "out", "alice", "Test Course")["item"][0]["item"][1]["request"]["description"]
    assert read.split("\n\n") == [
        "Sends a GET request.",
        "**GET** `{{PLATFORM_GATEWAY}}/data/core/ups/segment/definitions/{{SEGMENT_ID}}`",
        "**What to check**",
        "- The status is 200.\n- Every test in the Test Results tab passes.",
    ]
    create = collection(course_dir / "out", "alice", "Test Course")["item"][0]["item"][0]["request"]["description"]
    assert "```\ntrue\n```" in create  # a pql/json tree written as value is shown as PQL text


def test_validate_warns_about_an_unused_variable_at_its_line(cli, course_dir: Path) -> None:
    course = course_dir / "course.yaml"
    course.write_text(course.read_text(encoding="utf-8").replace("  SEGMENT_ID: \"\"\n", "  SEGMENT_ID: \"\"\n  TECHNICAL_ACCOUNT_ID: \"\"\n  OLD: {value: x, kept: a later exercise reads it}\n"), encoding="utf-8")
    result = cli("validate", "course.yaml", cwd=course_dir)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "course.yaml:14:3: warning: environment variable TECHNICAL_ACCOUNT_ID is used by no request or script and is left out; remove it, or say why it stays with kept: [unused-variable]\n",
        "ok: 2 participants checked\n",
    )
    assert cli("validate", "course.yaml", "--strict", cwd=course_dir).exit_code == 1
    assert cli("build", "course.yaml", cwd=course_dir).exit_code == 0
    keys = [value["key"] for value in json.loads((course_dir / "out" / "alice" / "Test Course.postman_environment.json").read_text(encoding="utf-8"))["values"]]
    assert keys == ["PLATFORM_GATEWAY", "API_KEY", "IMS_ORG", "SANDBOX_NAME", "ACCESS_TOKEN", "ldap", "SEGMENT_ID", "OLD"]


def test_the_rule_can_be_switched_off(cli, course_dir: Path) -> None:
    course = course_dir / "course.yaml"
    text = course.read_text(encoding="utf-8").replace("  SEGMENT_ID: \"\"\n", "  SEGMENT_ID: \"\"\n  UNUSED: \"\"\n")
    course.write_text(text.replace("defaults:\n", "settings:\n  rules: {unused-variable: off}\ndefaults:\n"), encoding="utf-8")
    result = cli("validate", "course.yaml", "--strict", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (0, "")


def test_scripts_and_other_values_count_as_uses(course_dir: Path) -> None:
    course = course_dir / "course.yaml"
    text = course.read_text(encoding="utf-8")
    text = text.replace("  SEGMENT_ID: \"\"\n", "  SEGMENT_ID: \"\"\n  BY_SCRIPT: \"\"\n  BY_BRACES: \"\"\n  INNER: \"\"\n  OUTER: \"{{INNER}}/x\"\n  NOBODY: \"\"\n")
    text = text.replace("        expect: {status: 200}\n", "        expect: {status: 200}\n        scripts:\n          prerequest: |\n            pm.environment.get('BY_SCRIPT');\n            console.log(\"{{BY_BRACES}}\");\n")
    course.write_text(text, encoding="utf-8")
    checked, problems = building.plan(course, None)
    assert checked is not None
    used = used_variables(checked.course)
    assert {"BY_SCRIPT", "BY_BRACES", "INNER"} <= used and "NOBODY" not in used and "OUTER" not in used
    assert [(problem.rule, problem.message.split()[2]) for problem in problems] == [("unused-variable", "OUTER"), ("unused-variable", "NOBODY")]
