"""pmforge build and validate on good input, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from pmforge import __version__

STEM = "_Adobe Experience Platform Enablement"
TEST_STEM = "Test Course"


def tree(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def env_values(path: Path) -> dict[str, tuple[str, str]]:
    return {item["key"]: (item["value"], item["type"]) for item in load(path)["values"]}


def test_build_with_no_arguments_uses_the_bundled_course(cli, tmp_path: Path) -> None:
    result = cli("build")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "wrote 6 files for 3 participants to out\n")
    assert tree(tmp_path / "out") == [
        ".pmforge",
        f"jane.doe@example.com/{STEM}.postman_collection.json",
        f"jane.doe@example.com/{STEM}.postman_environment.json",
        f"vangeluw/{STEM}.postman_collection.json",
        f"vangeluw/{STEM}.postman_environment.json",
        f"zoë/{STEM}.postman_collection.json",
        f"zoë/{STEM}.postman_environment.json",
    ]


def test_participant_values_are_in_place(cli, tmp_path: Path) -> None:
    assert cli("build").exit_code == 0
    for ldap, sandbox in (("vangeluw", "prod"), ("jane.doe@example.com", "jane-sandbox"), ("zoë", "prod")):
        collection = load(tmp_path / "out" / ldap / f"{STEM}.postman_collection.json")
        assert [folder["name"] for folder in collection["item"]] == ["0. Authentication", "2. Segmentation"]
        step1 = collection["item"][1]["item"][0]
        body = json.loads(step1["request"]["body"]["raw"])
        assert (body["name"], body["createdBy"]) == (f"{ldap} - API - All Female Customer", ldap)
        for request in collection["item"][1]["item"]:
            headers = {h["key"]: h["value"] for h in request["request"]["header"]}
            assert headers["x-sandbox-name"] == "{{SANDBOX_NAME}}"
            assert headers["Authorization"] == "Bearer {{ACCESS_TOKEN}}"
        values = env_values(tmp_path / "out" / ldap / f"{STEM}.postman_environment.json")
        assert values["SANDBOX_NAME"] == (sandbox, "default")
        assert values["ldap"] == (ldap, "default")
        assert values["CLIENT_SECRET"] == ("", "secret")
        assert values["ACCESS_TOKEN"] == ("", "secret")
        assert list(values) == [
            "PLATFORM_GATEWAY", "IMS", "API_KEY", "CLIENT_SECRET", "IMS_ORG", "SCOPES",
            "SANDBOX_NAME", "ACCESS_TOKEN", "ldap", "SEGMENT_ID", "JOB_ID", "MERGEPOLICY_ID",
        ]


def test_postman_variables_reach_the_output_verbatim(cli, tmp_path: Path) -> None:
    assert cli("build").exit_code == 0
    text = (tmp_path / "out" / "vangeluw" / f"{STEM}.postman_collection.json").read_text(encoding="utf-8")
    for variable in ("{{ACCESS_TOKEN}}", "{{API_KEY}}", "{{IMS_ORG}}", "{{SANDBOX_NAME}}", "{{SEGMENT_ID}}", "{{JOB_ID}}", "{{PLATFORM_GATEWAY}}"):
        assert variable in text


def test_roster_values_are_data_never_template_code(cli, course_dir: Path) -> None:
    tricky = 'a "quoted" \\back\\slash {{ 7*7 }} {% raw %} ${ldap}\nsecond line'
    roster = course_dir / "class.yaml"
    roster.write_text(json.dumps([{"ldap": "o'brien", "sandbox": "dev", "NOTE": tricky, "API_KEY": "{{7*7}}"}]), encoding="utf-8")
    result = cli("build", "course.yaml", "--roster", "class.yaml", cwd=course_dir)
    assert result.exit_code == 0, result.stdout
    values = env_values(course_dir / "out" / "o'brien" / f"{TEST_STEM}.postman_environment.json")
    assert values["NOTE"] == (tricky, "default")
    assert values["API_KEY"] == ("{{7*7}}", "default")
    body = json.loads(load(course_dir / "out" / "o'brien" / f"{TEST_STEM}.postman_collection.json")["item"][0]["item"][0]["request"]["body"]["raw"])
    assert body["name"] == "o'brien - test"


def test_same_inputs_give_identical_bytes(cli, tmp_path: Path) -> None:
    assert cli("build", "--out", "a").exit_code == 0
    assert cli("build", "--out", "b").exit_code == 0
    files = tree(tmp_path / "a")
    assert files == tree(tmp_path / "b")
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_ids_are_stable_and_distinct_per_participant(cli, tmp_path: Path) -> None:
    assert cli("build").exit_code == 0
    ids = set()
    for ldap in ("vangeluw", "zoë"):
        collection = load(tmp_path / "out" / ldap / f"{STEM}.postman_collection.json")
        environment = load(tmp_path / "out" / ldap / f"{STEM}.postman_environment.json")
        ids |= {collection["info"]["_postman_id"], environment["id"]}
        ids |= {item["id"] for folder in collection["item"] for item in [folder, *folder["item"]]}
    assert len(ids) == 2 * (2 + 6)


def test_rebuild_replaces_the_whole_directory(cli, course_dir: Path) -> None:
    assert cli("build", "course.yaml", cwd=course_dir).exit_code == 0
    (course_dir / "roster.csv").write_text("ldap\ncarol\n", encoding="utf-8")
    result = cli("build", "course.yaml", cwd=course_dir)
    assert (result.exit_code, result.stderr) == (0, "wrote 2 files for 1 participant to out\n")
    assert tree(course_dir / "out") == [".pmforge", f"carol/{TEST_STEM}.postman_collection.json", f"carol/{TEST_STEM}.postman_environment.json"]
    assert sorted(p.name for p in course_dir.iterdir()) == ["course.yaml", "out", "roster.csv"]


def test_a_secret_value_never_reaches_a_collection(cli, course_dir: Path) -> None:
    course = course_dir / "course.yaml"
    course.write_text(course.read_text(encoding="utf-8").replace("          createdBy: ${ldap}\n", "          createdBy: ${ldap}\n          description: ${ACCESS_TOKEN}\n"), encoding="utf-8")
    (course_dir / "roster.csv").write_text("ldap,ACCESS_TOKEN\nalice,abc123-long-token\nbob,test\n", encoding="utf-8")
    result = cli("build", "course.yaml", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (
        1,
        "course.yaml:34:11: error: the value of secret ACCESS_TOKEN of 'alice' (roster.csv line 2) would be written into the collection at item/0/item/0/request/body/raw [secret]\n"
        "roster.csv:3:1: warning: secret ACCESS_TOKEN of 'bob' is 4 characters long, too short to tell from a word; the collection is not searched for it [secret]\n",
    )
    assert sorted(p.name for p in course_dir.iterdir()) == ["course.yaml", "roster.csv"]


def test_validate_checks_everything_and_writes_nothing(cli, tmp_path: Path) -> None:
    result = cli("validate")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "ok: 3 participants checked\n")
    assert list(tmp_path.iterdir()) == []


def test_course_directory_argument(cli, course_dir: Path, tmp_path: Path) -> None:
    result = cli("validate", str(course_dir))
    assert (result.exit_code, result.stderr) == (0, "ok: 2 participants checked\n")


def test_version_and_help(cli) -> None:
    assert cli("--version").stdout == f"pmforge, version {__version__}\n"
    for command in ([], ["build"], ["validate"]):
        result = cli(*command, "--help")
        assert result.exit_code == 0
        assert result.stdout.startswith("Usage: ")


def test_usage_error_exits_2(cli) -> None:
    result = cli("build", "--colour")
    assert (result.exit_code, result.stderr) == (
        2,
        "Usage: pmforge build [OPTIONS] [COURSE]\nTry 'pmforge build --help' for help.\n\nError: No such option '--colour'. Did you mean '--out'?\n",
    )


def test_course_settings_switch_rules_down_or_off(cli, course_dir: Path) -> None:
    course = course_dir / "course.yaml"
    text = course.read_text(encoding="utf-8").replace(
        "        expect: {status: 200}\n", "        expect: {status: 200}\n        headers: {Content-Type: application/json}\n"
    )
    course.write_text(text.replace("defaults:\n", "settings:\n  rules: {headers: warning}\ndefaults:\n"), encoding="utf-8")
    result = cli("build", "course.yaml", cwd=course_dir)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        # What lint says of the output, build says of the course (the lint rule's own warning, at the header's key).
        # The header schema's restatement at the same spot goes, as in lint.
        "course.yaml:43:19: warning: GET request 'Read' has no body but sends Content-Type [content-type-without-body]\n",
        "wrote 4 files for 2 participants to out\n",
    )
    course.write_text(text.replace("defaults:\n", "settings:\n  rules: {headers: off, content-type-without-body: off}\ndefaults:\n"), encoding="utf-8")
    result = cli("build", "course.yaml", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (0, "")


def test_validate_speaks_json_junit_and_github(cli, course_dir: Path, monkeypatch) -> None:
    import xml.etree.ElementTree as ElementTree

    course = course_dir / "course.yaml"
    course.write_text(course.read_text(encoding="utf-8").replace("ttlInDays: 30", 'ttlInDays: "30"'), encoding="utf-8")
    result = cli("validate", "course.yaml", "--format", "json", cwd=course_dir)
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {"file": "course.yaml", "line": 35, "column": 22, "severity": "error", "rule": "segment-definition",
         "message": "ttlInDays: '30' is a string, expected integer"}
    ]
    result = cli("validate", "course.yaml", "--format", "github", cwd=course_dir)
    assert result.stdout == "::error file=course.yaml,line=35,col=22,title=segment-definition::ttlInDays: '30' is a string, expected integer\n"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert cli("validate", "course.yaml", cwd=course_dir).stdout == result.stdout
    monkeypatch.delenv("GITHUB_ACTIONS")
    result = cli("validate", "course.yaml", "--format", "junit", cwd=course_dir)
    suite = ElementTree.fromstring(result.stdout)
    cases = suite.iter("testcase")
    assert [(case.get("classname"), case.get("name"), case.find("failure") is not None) for case in cases] == [
        ("course.yaml", "segment-definition", True)
    ]


def test_validate_strict_fails_on_warnings(cli, course_dir: Path) -> None:
    course = course_dir / "course.yaml"
    text = course.read_text(encoding="utf-8").replace(
        "        expect: {status: 200}\n", "        expect: {status: 200}\n        headers: {Content-Type: application/json}\n"
    )
    course.write_text(text.replace("defaults:\n", "settings:\n  rules: {headers: warning, content-type-without-body: off}\ndefaults:\n"), encoding="utf-8")
    assert cli("validate", "course.yaml", cwd=course_dir).exit_code == 0
    result = cli("validate", "course.yaml", "--strict", cwd=course_dir)
    assert (result.exit_code, result.stderr) == (1, "1 problem found.\n")
