"""``pmforge teardown``: the trainer's three files, the course's teardown: section and its checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from pmforge.resources import bundled_course
from pmforge.teardown import teardown

GOLDEN = Path(__file__).resolve().parent / "golden" / "aep-enablement-teardown"
STEM = "_Adobe Experience Platform Enablement - Teardown"
FILES = [f"{STEM}.iteration_data.json", f"{STEM}.postman_collection.json", f"{STEM}.postman_environment.json"]


def _written(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A private copy of the bundled course and its roster, to change."""
    target = tmp_path / "course"
    shutil.copytree(bundled_course().parent, target)
    return target / "course.yaml"


def _change(course: Path, edit: Any) -> None:
    data = yaml.safe_load(course.read_text(encoding="utf-8"))
    edit(data["teardown"])
    course.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_bundled_course_teardown_matches_golden_files(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = teardown(None, None, out)
    assert (result.problems, result.participants, result.files) == ([], 3, 3)
    if request.config.getoption("--update-golden"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(out, GOLDEN, ignore=shutil.ignore_patterns(".pmforge"))
    assert _written(out) == [".pmforge", *FILES]
    for name in FILES:
        assert (out / name).read_bytes() == (GOLDEN / name).read_bytes(), f"{name} differs from the golden file"


def test_the_files_hold_what_the_trainer_needs(tmp_path: Path) -> None:
    teardown(None, None, tmp_path / "out")
    data = json.loads((tmp_path / "out" / FILES[0]).read_text(encoding="utf-8"))
    assert data == [
        {"ldap": "vangeluw", "sandbox": "prod", "SANDBOX_NAME": "prod",
         "SEGMENT_NAME": "vangeluw - API - All Female Customer"},
        {"ldap": "jane.doe@example.com", "sandbox": "jane-sandbox", "SANDBOX_NAME": "jane-sandbox",
         "SEGMENT_NAME": "jane.doe@example.com - API - All Female Customer"},
        {"ldap": "zoë", "sandbox": "prod", "SANDBOX_NAME": "prod", "SEGMENT_NAME": "zoë - API - All Female Customer"},
    ]
    environment = json.loads((tmp_path / "out" / FILES[2]).read_text(encoding="utf-8"))
    assert [(v["key"], v["value"], v["type"]) for v in environment["values"]] == [
        ("IMS", "https://ims-na1.adobelogin.com", "default"), ("PLATFORM_GATEWAY", "https://platform.adobe.io", "default"),
        ("API_KEY", "", "default"), ("CLIENT_SECRET", "", "secret"), ("IMS_ORG", "", "default"),
        ("SCOPES", "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session", "default"),
    ]
    collection = json.loads((tmp_path / "out" / FILES[1]).read_text(encoding="utf-8"))
    assert [item["name"] for item in collection["item"]] == [
        "Get Access Token", "Find the participant's segment definitions", "Delete a segment definition"]
    assert [(i["request"]["method"], i["request"]["url"]["raw"]) for i in collection["item"]] == [
        ("POST", "{{IMS}}/ims/token/v3"),
        ("GET", "{{PLATFORM_GATEWAY}}/data/core/ups/segment/definitions?start=0&limit=100"),
        ("DELETE", "{{PLATFORM_GATEWAY}}/data/core/ups/segment/definitions/{{TEARDOWN_ID}}"),
    ]
    assert [v["key"] for v in collection["variable"]] == ["ldap", "sandbox", "SANDBOX_NAME", "SEGMENT_NAME"]


def test_cli_writes_and_reports(cli, tmp_path: Path) -> None:
    result = cli("teardown", "--out", "td")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "", "wrote the teardown for 3 participants to td\n")
    assert _written(tmp_path / "td") == [".pmforge", *FILES]


def test_cli_needs_out(cli) -> None:
    result = cli("teardown")
    assert result.exit_code == 2
    assert "Missing option '--out'" in result.stderr


def test_a_second_teardown_replaces_the_first_and_a_foreign_directory_is_refused(cli, tmp_path: Path) -> None:
    assert cli("teardown", "--out", "td").exit_code == 0
    (tmp_path / "td" / FILES[0]).write_text("[]", encoding="utf-8")
    assert cli("teardown", "--out", "td").exit_code == 0
    assert json.loads((tmp_path / "td" / FILES[0]).read_text(encoding="utf-8"))[0]["ldap"] == "vangeluw"
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    result = cli("teardown", "--out", "mine")
    assert result.exit_code == 1
    assert result.stdout.startswith("mine:0:0: error: refusing to replace a non-empty directory")
    assert _written(tmp_path / "mine") == ["notes.txt"]


def test_the_roster_chooses_the_rows(cli, tmp_path: Path) -> None:
    (tmp_path / "class.csv").write_text("ldap,sandbox\nann,ann-sbx\n", encoding="utf-8")
    assert cli("teardown", "--roster", "class.csv", "--out", "td").exit_code == 0
    assert json.loads((tmp_path / "td" / FILES[0]).read_text(encoding="utf-8")) == [
        {"ldap": "ann", "sandbox": "ann-sbx", "SANDBOX_NAME": "ann-sbx", "SEGMENT_NAME": "ann - API - All Female Customer"}]


def _problems(course: Path, tmp_path: Path) -> list[str]:
    result = teardown(course, None, tmp_path / "out")
    assert not (tmp_path / "out").exists(), "nothing may be written when there are problems"
    return [f"{p.line}:{p.column}: {p.message} [{p.rule}]" for p in result.problems]


def _line_of(course: Path, text: str) -> int:
    """The line of the first ``text`` in the teardown: section."""
    lines = course.read_text(encoding="utf-8").splitlines()
    start = lines.index("teardown:")
    return next(n for n, line in enumerate(lines[start:], start + 1) if text in line)


@pytest.mark.parametrize(
    ("edit", "anchor", "message"),
    [
        (lambda t: t.update(token="Get Token"), "token: Get Token",
         "no request of the course is named 'Get Token' [teardown]"),
        (lambda t: t.update(token="Step 3 - GET Segment Job status"), "Authorization: Bearer",
         "Postman variable {{ACCESS_TOKEN}} is neither in the teardown's environment or data nor kept by its token "
         "request [undefined-variable]"),
        (lambda t: t["environment"].append("NOPE"), "- NOPE", "'NOPE' is not a variable of the course's environment [teardown]"),
        (lambda t: t["environment"].append("SANDBOX_NAME"), "- SANDBOX_NAME",
         "'SANDBOX_NAME' holds a participant's value ('${sandbox}'); put it in the teardown's data instead [teardown]"),
        (lambda t: t["data"].update(SEGMENT_NAME="${team} segment"), "${team} segment",
         "unknown participant value ${team}; known: ldap, sandbox [placeholder]"),
        (lambda t: t["delete"].update(url="{{PLATFORM_GATEWAY}}/x/{{SEGMENT_ID}}"), "/x/",
         "the delete url must hold {{TEARDOWN_ID}}, the id of the item found [teardown]"),
        (lambda t: t["find"].update(name="Get Access Token"), "name: Get Access Token",
         "request name 'Get Access Token' is taken: setNextRequest finds requests by name [duplicate-name]"),
        (lambda t: (t["find"].pop("listing"), t["find"].update(url="{{GATEWAY}}/list", items="segments")), "{{GATEWAY}}/list",
         "Postman variable {{GATEWAY}} is neither in the teardown's environment or data nor kept by its token request "
         "[undefined-variable]"),
        (lambda t: t["data"].pop("SANDBOX_NAME"), "listing:",
         "Postman variable {{SANDBOX_NAME}} is neither in the teardown's environment or data nor kept by its token "
         "request [undefined-variable]"),
        (lambda t: t["find"].update(listing="Step 9"), "listing: Step 9", "no request of the course is named 'Step 9' [teardown]"),
        (lambda t: t["find"].update(listing="Step 2 - POST Segment Job"), "listing: Step 2",
         "request 'Step 2 - POST Segment Job' has no exists: whose list to page through [teardown]"),
        (lambda t: t["find"].update(items="segments"), "items: segments",
         "items comes with the listing (the exists: of 'Step 1 - Profile: Create A Segment Definition'); give one or the "
         "other [teardown]"),
        (lambda t: t["find"].pop("listing"), "find:",
         "find needs url and items, or a listing: naming a course request whose exists: list it pages through [teardown]"),
        (lambda t: t["find"]["match"].update(name="${ldap}"), "name: ${ldap}",
         "participant values (${...}) belong in the teardown's data only; use its {{COLUMN}} [placeholder]"),
    ],
    ids=["unknown-token", "token-keeps-another-variable", "unknown-env", "participant-env", "unknown-placeholder",
         "delete-without-id", "name-taken", "undefined-variable", "undefined-in-listing", "unknown-listing",
         "listing-without-exists", "listing-and-items", "no-list", "placeholder-in-match"],
)
def test_declaration_problems_point_into_the_course(course: Path, tmp_path: Path, edit: Any, anchor: str,
                                                    message: str) -> None:
    _change(course, edit)
    problems = _problems(course, tmp_path)
    line = _line_of(course, anchor)
    assert any(p.startswith(f"{line}:") and message in p for p in problems), problems


def test_token_request_that_keeps_nothing(course: Path, tmp_path: Path) -> None:
    data = yaml.safe_load(course.read_text(encoding="utf-8"))
    data["teardown"]["token"] = "Step 2 - POST Segment Job"
    del data["folders"][1]["requests"][1]["keep"]
    course.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    problems = _problems(course, tmp_path)
    assert any("request 'Step 2 - POST Segment Job' keeps nothing: the token must be kept in a variable" in p
               for p in problems), problems


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.pop("find"), "missing required field 'find' in teardown"),
        (lambda t: t["data"].update(TEARDOWN_ID="x"), "TEARDOWN_ID"),
        (lambda t: t["find"].update(max_pages=0), "max_pages"),
        (lambda t: t.update(retries=11), "retries"),
        (lambda t: t["delete"].update(expect={"status": 404}), "status"),
    ],
    ids=["no-find", "reserved-column", "zero-pages", "too-many-retries", "delete-status-not-2xx"],
)
def test_schema_problems(course: Path, tmp_path: Path, edit: Any, message: str) -> None:
    _change(course, edit)
    problems = _problems(course, tmp_path)
    assert problems and all("[course-schema]" in p for p in problems) and any(message in p for p in problems), problems


def test_a_course_without_teardown(cli, tmp_path: Path) -> None:
    course = tmp_path / "course.yaml"
    course.write_text((Path(__file__).parent / "data" / "course.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "roster.csv").write_text("ldap,sandbox\nann,dev\n", encoding="utf-8")
    result = cli("teardown", "course.yaml", "--roster", "roster.csv", "--out", "td")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "course.yaml:1:1: error: the course declares no teardown: section [teardown]\n",
        "1 problem found; nothing written.\n")
    assert not (tmp_path / "td").exists()


def test_the_collection_is_linted_before_it_is_written(course: Path, tmp_path: Path) -> None:
    """What the course's checks cannot see, pmforge lint's rules catch on the output: nothing is written."""
    _change(course, lambda t: t["headers"].update({"x-sandbox-name": "prod"}))
    result = teardown(course, None, tmp_path / "out")
    assert [(Path(p.file).name, p.rule, p.severity) for p in result.problems] == [
        (FILES[1], "hard-coded-value", "error"), (FILES[1], "hard-coded-value", "error")]
    assert result.problems[0].message == ("x-sandbox-name is the literal 'prod', the same for every participant; "
                                          "use a variable such as {{SANDBOX_NAME}}")
    assert result.problems[0].line > 1
    assert not (tmp_path / "out").exists()


def test_without_an_environment_list_the_trainer_gets_every_variable_shared_by_all(course: Path, tmp_path: Path) -> None:
    _change(course, lambda t: t.pop("environment"))
    assert teardown(course, None, tmp_path / "out").problems == []
    environment = json.loads((tmp_path / "out" / FILES[2]).read_text(encoding="utf-8"))
    assert [(v["key"], v["type"]) for v in environment["values"]] == [
        ("PLATFORM_GATEWAY", "default"), ("IMS", "default"), ("API_KEY", "default"), ("CLIENT_SECRET", "secret"),
        ("IMS_ORG", "default"), ("SCOPES", "default"),
        ("ACCESS_TOKEN", "secret"), ("SEGMENT_ID", "default"), ("JOB_ID", "default"), ("MERGEPOLICY_ID", "default")]


def test_a_teardown_never_replaces_a_built_class(cli, tmp_path: Path) -> None:
    assert cli("build", "--out", "class", cwd=tmp_path).exit_code == 0
    before = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "class").rglob("*"))
    result = cli("teardown", "--out", "class", cwd=tmp_path)
    assert (result.exit_code, result.stdout) == (
        1, "class:0:0: error: holds a class pmforge built, not a teardown; give the teardown a folder of its own [output]\n")
    assert sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "class").rglob("*")) == before
    # Its own earlier output is replaced as before.
    assert cli("teardown", "--out", "td", cwd=tmp_path).exit_code == 0
    assert cli("teardown", "--out", "td", cwd=tmp_path).exit_code == 0


def test_a_name_too_long_for_the_teardown_files_is_said_at_the_name(cli, course: Path, tmp_path: Path) -> None:
    assert cli("teardown", str(course), "--out", "td", cwd=tmp_path).exit_code == 0
    before = {path: (tmp_path / "td" / path).read_bytes() for path in _written(tmp_path / "td")}
    # The build takes a 225-character name; " - Teardown.postman_environment.json" makes it too long a file name.
    text = course.read_text(encoding="utf-8")
    course.write_text(text.replace("collection: _Adobe Experience Platform Enablement", "collection: " + "x" * 225, 1),
                      encoding="utf-8")
    assert cli("build", str(course), "--out", "class", cwd=tmp_path).exit_code == 0
    result = cli("teardown", str(course), "--out", "td", cwd=tmp_path)
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, f"{course}:5:13: error: the collection name makes teardown file names of 261 bytes; file systems allow 255 "
           "(shorten it by 6) [teardown]\n", "1 problem found; nothing written.\n")
    assert {path: (tmp_path / "td" / path).read_bytes() for path in _written(tmp_path / "td")} == before


def test_an_out_whose_work_folder_cannot_be_made_is_refused(cli, tmp_path: Path) -> None:
    result = cli("teardown", "--out", "/proc/pmforge-cannot-be-here", cwd=tmp_path)
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "/proc/pmforge-cannot-be-here:0:0: error: cannot write here: No such file or directory [output]\n",
        "1 problem found; nothing written.\n")


def test_a_listing_says_what_the_list_it_names_would(course: Path, tmp_path: Path) -> None:
    """find: {listing: Step 1} is the explicit find with Step 1's exists: list written out: the same three files."""
    assert teardown(course, None, tmp_path / "listing").problems == []

    def written_out(declared: dict[str, Any]) -> None:
        del declared["find"]["listing"]
        declared["find"].update(url="{{PLATFORM_GATEWAY}}/data/core/ups/segment/definitions?start=0&limit=100",
                                items="segments", match={"name": "{{SEGMENT_NAME}}", "sandbox.sandboxName": "{{SANDBOX_NAME}}"},
                                next="link.next", next_base="{{PLATFORM_GATEWAY}}/data/core/ups")

    _change(course, written_out)
    assert teardown(course, None, tmp_path / "explicit").problems == []
    for name in FILES:
        assert (tmp_path / "listing" / name).read_bytes() == (tmp_path / "explicit" / name).read_bytes(), name


def test_a_listing_whose_exists_reads_next_without_a_base_is_refused(course: Path, tmp_path: Path) -> None:
    text = course.read_text(encoding="utf-8")
    anchor = '          next_base: "{{PLATFORM_GATEWAY}}/data/core/ups"   # link.next is relative to the base path\n'
    assert anchor in text
    course.write_text(text.replace(anchor, ""), encoding="utf-8")
    assert _problems(course, tmp_path) == [
        f"{_line_of(course, 'listing:')}:14: the exists: of 'Step 1 - Profile: Create A Segment Definition' reads next "
        "relative to its list URL, which the teardown cannot: give it a next_base [teardown]"]

