"""pmforge build --collection-format v3|both: Postman's git-workspace layout, file names, order, bytes.

What the Postman CLI itself says of these trees is in test_postman_cli_v3.py.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import yaml

from pmforge import rendering, v3
from tests.conftest import DATA

STEM = "_Adobe Experience Platform Enablement"
TREE = f"postman/collections/{STEM}"
V3_COURSE = DATA / "v3"
V3_ROOT = "postman/collections/Formats- v3 - git-"


def files(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def read_tree(root: Path) -> dict[str, object]:
    return {relative: yaml.safe_load((root / relative).read_text(encoding="utf-8"))
            for relative in files(root) if relative.endswith(".yaml")}


def test_build_v3_writes_a_git_workspace_per_participant(cli, tmp_path: Path) -> None:
    result = cli("build", "--collection-format", "v3")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "wrote 24 files for 3 participants to out\n")
    assert files(tmp_path / "out" / "zoë") == [
        f"{TREE}/.resources/definition.yaml",
        f"{TREE}/0. Authentication/.resources/definition.yaml",
        f"{TREE}/0. Authentication/Get Access Token.request.yaml",
        f"{TREE}/2. Segmentation/.resources/definition.yaml",
        f"{TREE}/2. Segmentation/Step 1 - Profile- Create A Segment Definition.request.yaml",
        f"{TREE}/2. Segmentation/Step 2 - POST Segment Job.request.yaml",
        f"{TREE}/2. Segmentation/Step 3 - GET Segment Job status.request.yaml",
        f"postman/environments/{STEM}.postman_environment.json",
    ]


def test_both_writes_the_v21_files_unchanged_beside_the_tree(cli, tmp_path: Path) -> None:
    assert cli("build", "--out", "v21").exit_code == 0
    result = cli("build", "--collection-format", "both", "--out", "both")
    assert (result.exit_code, result.stderr) == (0, "wrote 30 files for 3 participants to both\n")
    for relative in files(tmp_path / "v21"):
        if str(relative) == ".pmforge":
            continue  # each marker lists the files of its own build
        assert (tmp_path / "both" / relative).read_bytes() == (tmp_path / "v21" / relative).read_bytes()
    environment = f"zoë/{STEM}.postman_environment.json"
    assert (tmp_path / "both" / "zoë" / "postman" / "environments" / Path(environment).name).read_bytes() == (
        tmp_path / "v21" / environment).read_bytes()


def test_an_unknown_format_is_a_usage_error(cli, tmp_path: Path) -> None:
    result = cli("build", "--collection-format", "v4")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.endswith("Error: Invalid value for '--collection-format': 'v4' is not one of 'v2.1', 'v3', 'both'.\n")
    assert list(tmp_path.iterdir()) == []


def test_names_orders_and_shapes_of_a_course_that_uses_everything(tmp_path: Path, cli) -> None:
    assert cli("build", str(V3_COURSE), "--collection-format", "v3").exit_code == 0
    tree = read_tree(tmp_path / "out" / "zoë")
    one = f"{V3_ROOT}/One- forms"
    assert {path: (document.get("name"), document.get("order")) for path, document in tree.items()} == {
        f"{V3_ROOT}/.resources/definition.yaml": ("Formats: v3 / git?", None),
        f"{one}/.resources/definition.yaml": ("One: forms", 1000),
        f"{one}/Form - urlencoded.request.yaml": ("Form / urlencoded", 1000),
        f"{one}/form - URLENCODED 1.request.yaml": ("form / URLENCODED", 2000),  # unique ignoring case
        f"{one}/Multipart.request.yaml": (None, 3000),  # the file name says it: no name
        f"{one}/A file.request.yaml": (None, 4000),
        f"{one}/Nested/.resources/definition.yaml": (None, 5000),
        f'{one}/Nested/Deep -one- - -quoted-.request.yaml': ('Deep <one> | "quoted"', 1000),
        f"{V3_ROOT}/Two/.resources/definition.yaml": (None, 2000),
        f"{V3_ROOT}/Two/JSON -body-.request.yaml": ("JSON *body*", 1000),
    }
    form = tree[f"{one}/Form - urlencoded.request.yaml"]
    assert (form["url"], form["method"], form["queryParams"], form["body"]) == (
        "{{BASE}}/form?mode=a&flag", "POST", {"mode": "a", "flag": None},
        {"type": "urlencoded", "content": {"grant_type": "client_credentials", "who": "zoë"}})
    # A disabled header with a description needs the list form; "on" stays text, not YAML 1.1's true.
    assert form["headers"][1] == {"key": "x-trace", "value": "on", "disabled": True, "description": "switched on by hand"}
    deep = tree[f"{one}/Nested/Deep -one- - -quoted-.request.yaml"]
    # pmforge's guard against empty inputs ({{BASE}}) runs first, then the author's script as written.
    assert (deep["scripts"][0]["type"], deep["scripts"][0]["language"]) == ("beforeRequest", "text/javascript")
    assert deep["scripts"][0]["code"].startswith("(function () {\n    // pmforge: a request whose inputs are empty is not sent")
    assert deep["scripts"][0]["code"].endswith('})();\npm.variables.set("a", 1);\nconsole.log("two lines");')
    assert [script["type"] for script in tree[f"{V3_ROOT}/.resources/definition.yaml"]["scripts"]] == [
        "http:beforeRequest", "http:afterResponse"]
    assert tree[f"{one}/form - URLENCODED 1.request.yaml"]["pathVariables"] == {"id": "42"}
    assert json.loads(tree[f"{V3_ROOT}/Two/JSON -body-.request.yaml"]["body"]["content"]) == {
        "who": "zoë", "list": [1, 2.5, True, None], "text": "x\ny"}


def test_the_tree_holds_the_same_ids_as_the_v21_collection(cli, tmp_path: Path) -> None:
    assert cli("build", "--collection-format", "both").exit_code == 0
    collection = json.loads((tmp_path / "out" / "vangeluw" / f"{STEM}.postman_collection.json").read_text(encoding="utf-8"))
    v21_ids = [collection["info"]["_postman_id"]] + [
        item["id"] for folder in collection["item"] for item in [folder, *folder["item"]]]
    tree = read_tree(tmp_path / "out" / "vangeluw")
    assert sorted(document["id"] for document in tree.values()) == sorted(v21_ids)


def test_same_inputs_give_identical_bytes(cli, tmp_path: Path) -> None:
    for out in ("a", "b"):
        assert cli("build", str(V3_COURSE), "--collection-format", "v3", "--out", out).exit_code == 0
    assert files(tmp_path / "a") == files(tmp_path / "b")
    for relative in files(tmp_path / "a"):
        assert (tmp_path / "a" / relative).read_bytes() == (tmp_path / "b" / relative).read_bytes()


def test_an_id_postman_would_replace_stops_the_build_and_writes_nothing(cli, tmp_path: Path, monkeypatch) -> None:
    # As ids were before: plain UUID 5. The v3 check must refuse them before anything is written.
    monkeypatch.setattr(rendering, "derived_id", uuid.uuid5)
    result = cli("build", str(V3_COURSE), "--collection-format", "v3")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2 * 10  # every document of both participants
    assert lines[0].startswith(f"{V3_COURSE / 'roster.csv'}:2:1: error: output for 'zoë' in {V3_ROOT}/.resources/definition.yaml: id: ")
    assert lines[0].endswith("[postman-v3-schema]")
    assert result.stderr == "20 problems found; nothing written.\n"
    assert list(tmp_path.iterdir()) == []


def test_every_document_reads_back_from_the_yaml_written() -> None:
    tricky = "on\n  indented: {x}\n- not a list\n\ttab and trailing space \n"
    document = {"$kind": "http-request", "id": str(uuid.uuid4()), "url": "yes", "method": "GET",
                "body": {"type": "text", "content": tricky}, "order": 1000}
    assert yaml.safe_load(v3.dump(document)) == document


def test_names_that_clash_ignoring_case_are_numbered_in_order() -> None:
    def request(name: str, number: int) -> dict:
        return {"id": str(uuid.UUID(int=number, version=4)), "name": name, "request": {"method": "GET", "url": {"raw": "x"}}}

    collection = {"info": {"_postman_id": str(uuid.UUID(int=0, version=4)), "name": "c"}, "item": [
        request("a", 1), request("A", 2), request("a ", 3), {"id": str(uuid.UUID(int=4, version=4)), "name": "a", "item": []},
        request("a 1", 5)]}
    names = {path.removeprefix("postman/collections/c/"): document.get("name")
             for path, document in v3.documents(collection).items()}
    # As `postman collection migrate` numbers them; a folder and a request may share a name.
    assert names == {".resources/definition.yaml": "c", "a.request.yaml": None, "A 1.request.yaml": "A",
                     "a 2.request.yaml": "a ", "a/.resources/definition.yaml": None, "a 1 1.request.yaml": "a 1"}


@pytest.mark.parametrize("collection_format, sections", [
    ("v2.1", ["### Postman app (Collection v2.1 files)"]),
    ("v3", ["### Postman git workspace (Collection v3 folder)"]),
    ("both", ["### Postman app (Collection v2.1 files)", "### Postman git workspace (Collection v3 folder)"]),
])
def test_handouts_say_how_to_import_the_formats_built(cli, tmp_path: Path, collection_format: str,
                                                      sections: list[str]) -> None:
    assert cli("build", "--handouts", "--collection-format", collection_format).exit_code == 0
    handout = (tmp_path / "out" / "zoë" / "handout.md").read_text(encoding="utf-8")
    assert [line for line in handout.splitlines() if line.startswith("### Postman ")] == sections


def test_validate_runs_the_v3_checks_when_asked(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(rendering, "derived_id", uuid.uuid5)
    plain = cli("validate", str(V3_COURSE))
    assert (plain.exit_code, plain.stderr) == (0, "ok: 2 participants checked\n")
    v3_checked = cli("validate", str(V3_COURSE), "--collection-format", "v3")
    assert (v3_checked.exit_code, v3_checked.stderr) == (1, "20 problems found.\n")
    assert list(tmp_path.iterdir()) == []


def test_a_document_that_differs_only_in_its_id_takes_the_text_written_before_with_its_own_id() -> None:
    written = v3.Written()
    first, second, third = (str(rendering.derived_id(rendering.NAMESPACE, name)) for name in ("a", "b", "c"))
    document = {"$kind": "http-request", "id": first, "url": "https://x/y", "method": "POST",
                "body": {"type": "json", "content": '{\n    "name": "ann"\n}'}, "order": 1000}
    problem = lambda message, rule: (rule, message)  # noqa: E731
    for id_, content, reused in ((first, "ann", False), (second, "ann", True), (third, "bob", False), ("not-a-uuid", "ann", False)):
        document = {**document, "id": id_, "body": {"type": "json", "content": f'{{\n    "name": "{content}"\n}}'}}
        collection = {"info": {"_postman_id": id_, "name": "C"}, "item": [{"id": id_, "name": "R", "request": {
            "method": "POST", "url": {"raw": "https://x/y"}, "body": {"mode": "raw", "raw": document["body"]["content"],
                                                                      "options": {"raw": {"language": "json"}}}}}]}
        before = {path: text for path, text in written.texts.items()}
        tree, problems = v3.files(collection, "{}\n", environment_file="e.json", problem=problem, written_before=written)
        fresh, fresh_problems = v3.files(collection, "{}\n", environment_file="e.json", problem=problem)
        assert (tree, problems) == (fresh, fresh_problems)  # the same bytes and findings, whether written or taken
        assert bool(problems) is (id_ == "not-a-uuid")  # the schema still checks each participant's document
        request = "postman/collections/C/R.request.yaml"
        assert (request in before and written.text(request, v3.documents(collection)[request]) is not None) is reused
