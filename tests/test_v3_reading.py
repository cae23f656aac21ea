"""lint and import read Postman v3 collection folders, with problems at their place in the YAML files.

Hand-written trees in tests/lint_cases_v3/ give exact positions; trees that the real Postman CLI
migrates from v2.1 files (ours and the shared samples) must lint as their files do and import
into courses that build the same requests back.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from pmforge import building
from pmforge.lint import lint_files
from pmforge.lint.linter import discover
from pmforge.rehearsal.postman_cli import run_postman
from tests.conftest import imported, shared_file
from tests.test_import import PARTICIPANT, SAMPLES, SANDBOX, outline, sandboxes_of
from tests.test_postman_cli import postman_or_skip

CASES = Path(__file__).resolve().parent / "lint_cases_v3"
ENVIRONMENT = CASES / "case.postman_environment.json"
STEM = "_Adobe Experience Platform Enablement"
BROKEN = [
    ("Get Access Token.request.yaml", 1, 1, "no-test"),
    ("Get Access Token.request.yaml", 3, 1, "headers"),
    ("Get Access Token.request.yaml", 4, 1, "unknown-key"),
    ("Get Access Token.request.yaml", 11, 20, "secret"),
    ("Get Access Token.request.yaml", 13, 11, "event-listen"),
    ("Segments/Create a definition.request.yaml", 5, 25, "undefined-variable"),
    ("Segments/Create a definition.request.yaml", 8, 19, "hard-coded-value"),
    ("Segments/Create a definition.request.yaml", 14, 18, "course-placeholder"),  # in the JSON of a | block
    ("Segments/Create a definition.request.yaml", 18, 23, "pql-field"),  # in pql/text, in that JSON
    ("Segments/Create a definition.request.yaml", 21, 52, "segment-definition"),
    ("Segments/Create a job.request.yaml", 5, 25, "undefined-variable"),
    ("Segments/Create a job.request.yaml", 12, 50, "body-json"),  # in a double-quoted scalar with escapes
    ("Segments/Get the definition.request.yaml", 7, 19, "undefined-variable"),  # headers written as a list
    ("Segments/Get the definition.request.yaml", 20, 68, "next-request"),  # on a folded (>-) script's 2nd line
]


def _lint(*paths: Path) -> list[tuple[str, int, int, str]]:
    return [(Path(p.file).relative_to(paths[0]).as_posix(), p.line, p.column, p.rule) for p in lint_files(list(paths))]


def test_a_clean_hand_written_tree_is_clean(cli) -> None:
    result = cli("lint", str(CASES / "clean"), str(ENVIRONMENT))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_problems_point_into_the_yaml_files() -> None:
    assert _lint(CASES / "broken", ENVIRONMENT) == BROKEN


def test_messages_name_the_v3_spelling_and_the_file_of_the_first_duplicate(tmp_path: Path) -> None:
    messages = {p.rule: p.message for p in lint_files([CASES / "broken", ENVIRONMENT])}
    assert messages["unknown-key"] == "unknown key 'heders' in a http-request; did you mean 'headers'?"
    assert messages["event-listen"] == "a script's type is 'afterresponse'; Postman runs only beforeRequest and afterResponse scripts"
    tree = tmp_path / "twice"
    shutil.copytree(CASES / "clean", tree)
    (tree / "Segments" / "Get Access Token.request.yaml").write_bytes((tree / "Get Access Token.request.yaml").read_bytes())
    [duplicate] = [p for p in lint_files([tree]) if p.rule == "duplicate-name"]
    assert (Path(duplicate.file).relative_to(tree).as_posix(), duplicate.line, duplicate.column) == ("Segments/Get Access Token.request.yaml", 1, 1)
    assert duplicate.message == "request name 'Get Access Token' is used elsewhere in the collection, where setNextRequest looks names up too (Get Access Token.request.yaml:1)"


def test_settings_overrides_match_the_yaml_file_a_problem_is_in(tmp_path: Path) -> None:
    tree = tmp_path / "postman" / "collections" / "broken"
    shutil.copytree(CASES / "broken", tree)
    (tmp_path / ".pmforge-lint.yaml").write_text(
        'rules:\n  no-test: "off"\noverrides:\n  - files: ["*/Get the definition.request.yaml"]\n    rules:\n'
        '      next-request: warning\n      undefined-variable: "off"\n', encoding="utf-8")
    found = [(file, rule, p.severity) for (file, _, _, rule), p in zip(_lint(tree, ENVIRONMENT), lint_files([tree, ENVIRONMENT]))]
    assert [entry for entry in found if entry[0] == "Segments/Get the definition.request.yaml"] == [
        ("Segments/Get the definition.request.yaml", "next-request", "warning")]
    assert ("Segments/Create a job.request.yaml", "undefined-variable", "error") in found
    assert not any(rule == "no-test" for _, rule, _ in found)


@pytest.mark.parametrize(
    ("relative", "text", "expected"),
    [
        ("Segments/Create a definition.request.yaml", "$kind: http-request\nurl: [x\n", (2, 8, "yaml-syntax")),
        ("Segments/Create a definition.request.yaml", "$kind: http-request\nurl: a\nurl: b\n", (3, 1, "duplicate-key")),
        ("Segments/Create a definition.request.yaml", "$kind: http-reqest\nurl: a\n", (1, 8, "file-kind")),
        ("Segments/Create a definition.request.yaml", "$kind: http-request\nurl: a\nheaders: 5\n", (3, 10, "structure")),
        ("Segments/.resources/definition.yaml", "order: 1000\n", (1, 1, "file-kind")),
    ],
    ids=["yaml-syntax", "duplicate-key", "file-kind", "structure", "no-kind"],
)
def test_a_file_that_is_no_v3_document_says_so_where_it_is_written(tmp_path: Path, relative: str, text: str,
                                                                    expected: tuple[int, int, str]) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(CASES / "clean", tree)
    (tree / relative).write_text(text, encoding="utf-8")
    found = [(file, line, column, rule) for file, line, column, rule in _lint(tree) if file == relative]
    assert (relative, *expected) in found, found


def test_folders_are_searched_for_v3_collections_and_hidden_ones_skipped(tmp_path: Path) -> None:
    collections = tmp_path / "repo" / "postman" / "collections"
    shutil.copytree(CASES / "clean", collections / "Segments by hand")
    shutil.copytree(CASES / "clean", tmp_path / "repo" / ".git" / "copy")
    assert discover([tmp_path / "repo"]) == [collections / "Segments by hand"]
    assert discover([collections / "Segments by hand"]) == [collections / "Segments by hand"]
    # As a pre-commit hook passes them: changed files, each standing for its collection.
    changed = [collections / "Segments by hand" / "Segments" / "Create a definition.request.yaml",
               collections / "Segments by hand" / ".resources" / "definition.yaml"]
    assert discover(changed) == [collections / "Segments by hand"]
    hook = next(h for h in yaml.safe_load((Path(__file__).parents[1] / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
                if h["id"] == "pmforge-lint")
    assert all(re.search(hook["files"], path.as_posix()) for path in changed)
    (tmp_path / "stray.request.yaml").write_text("$kind: http-request\n", encoding="utf-8")
    assert [(p.line, p.column, p.rule) for p in lint_files(discover([tmp_path / "stray.request.yaml"]))] == [(1, 1, "file-kind")]


def test_the_order_numbers_give_the_run_order() -> None:
    text, problems = imported(CASES / "clean")
    assert problems == [] and text is not None
    names = re.findall(r"^(?:- |  - |    - )name: (.*)$", text, flags=re.MULTILINE)
    assert names == ["Get Access Token", "Segments", "Create a definition", "'Get the definition: by id'"]


def test_a_missing_order_counts_as_0_and_a_folder_needs_no_definition(tmp_path: Path) -> None:
    # As `postman collection run` (1.34.0) orders them: by order, a missing one being 0, then by name.
    tree = tmp_path / "tree"
    shutil.copytree(CASES / "clean", tree)
    (tree / "Segments" / "Later").mkdir()
    for name, order in (("Later/b", None), ("a", "0"), ("c", None), ("d", "-5")):
        extra = f"order: {order}\n" if order else ""
        (tree / "Segments" / f"{name}.request.yaml").write_text(f"$kind: http-request\nurl: x\nmethod: GET\n{extra}", encoding="utf-8")
    text, _ = imported(tree)
    assert text is not None
    names = re.findall(r"^(?:- |  - |    - |      - )name: (.*)$", text, flags=re.MULTILINE)
    assert names == ["Get Access Token", "Segments", "d", "Later", "b", "a", "c", "Create a definition", "'Get the definition: by id'"]


def test_import_refuses_a_tree_with_a_broken_file(cli, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(CASES / "clean", tree)
    (tree / "Get Access Token.request.yaml").write_text("$kind: http-request\nurl: [x\n", encoding="utf-8")
    result = cli("import", "tree", "-o", "course.yaml")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("tree/Get Access Token.request.yaml:2:8: error: YAML syntax error: ")
    assert not (tmp_path / "course.yaml").exists()
    result = cli("import", ".")
    assert (result.exit_code, result.stderr) == (
        1, ".:0:0: error: a folder, but no v3 collection: it holds no .resources/definition.yaml [import]\n"
        "1 problem found; nothing written.\n")


def test_our_v3_tree_lints_clean_and_imports_as_our_v21_file(tmp_path: Path) -> None:
    result = building.build(None, None, tmp_path / "out", collection_format="both")
    assert result.problems == []
    folder = tmp_path / "out" / "zoë"
    tree = folder / "postman" / "collections" / STEM
    assert list(lint_files([tree, folder / f"{STEM}.postman_environment.json"])) == []
    from_tree, from_file = imported(tree), imported(folder / f"{STEM}.postman_collection.json")
    assert from_tree[1] == from_file[1] == []
    assert from_tree[0].split("\n", 1)[1] == from_file[0].split("\n", 1)[1]


# -- trees migrated by the real Postman CLI ---------------------------------------------------------

def migrate(collection: Path, out: Path) -> Path:
    completed = run_postman(["collection", "migrate", str(collection), "-o", str(out)], postman=postman_or_skip(),
                            home=out.parent / "home", timeout_s=120)
    assert completed.returncode == 0 and (out / ".resources" / "definition.yaml").is_file(), completed.stdout + completed.stderr
    return out


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("class") / "out"
    assert building.build(None, None, out).problems == []
    return out / "vangeluw" / f"{STEM}.postman_collection.json"


def _build_imported(text: str, tmp_path: Path) -> dict:
    (tmp_path / "course.yaml").write_text(text, encoding="utf-8")
    # The learner's placeholders are the participant's values since issue 10 (see test_import).
    (tmp_path / "roster.csv").write_text(f"ldap,sandbox\n{PARTICIPANT},{SANDBOX}\n", encoding="utf-8")
    result = building.build(tmp_path / "course.yaml", tmp_path / "roster.csv", tmp_path / "built")
    assert [str(p) for p in result.problems if p.severity == "error"] == []
    (built,) = (tmp_path / "built" / PARTICIPANT).glob("*.postman_collection.json")
    return json.loads(built.read_text(encoding="utf-8"))


def test_our_file_migrated_by_the_postman_cli_lints_clean_and_builds_the_same_requests_back(ours: Path, tmp_path: Path) -> None:
    tree = migrate(ours, tmp_path / "tree")
    assert list(lint_files([tree, ours.with_name(f"{STEM}.postman_environment.json")])) == []
    text, problems = imported(tree)
    assert problems == [] and text is not None
    original = json.loads(ours.read_text(encoding="utf-8"))
    assert outline(_build_imported(text, tmp_path)["item"]) == outline(original["item"])


def _comparable(problems) -> Counter:
    # A duplicate name's message names where the first one is: a line of the file, a file:line of the tree.
    return Counter((p.rule, re.sub(r" \((?:line \d+|[^()]*\.yaml:\d+)\)$", "", p.message)) for p in problems)


@pytest.mark.parametrize("sample", SAMPLES, ids=[Path(name).name[:40] for name in SAMPLES])
def test_a_migrated_sample_lints_as_its_file_and_builds_the_same_requests_back(sample: str, tmp_path: Path) -> None:
    original_path = shared_file(sample)
    tree = migrate(original_path, tmp_path / "tree")
    from_file = _comparable(lint_files([original_path]))
    # migrate drops the v2.0 header key `enabled`, which lint reports as unknown in the file.
    from_file -= Counter({key: n for key, n in from_file.items() if key[1].startswith("unknown key 'enabled'")})
    assert _comparable(lint_files([tree])) == from_file
    text, problems = imported(tree)
    assert text is not None and [p for p in problems if p.severity == "error"] == []
    original = json.loads(original_path.read_text(encoding="utf-8"))
    ours = _build_imported(text, tmp_path)
    assert ours["info"]["name"] == original["info"]["name"]
    assert outline(ours["item"]) == outline(original["item"], sandboxes_of(original["item"]))
