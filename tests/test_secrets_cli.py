"""Issue 10, point 4, end to end through the CLI on the bundled course: secrets by value, not by text.

A roster secret that is a word of the collection's scripts (``test``, ``secret``, ``POST``) raises no
false alarm in build, validate or lint of the output, only the warning that it is too short to search; a secret holding a quote, backslash and tab is
found by lint where the export holds it, at the column of its JSON-escaped form.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

STEM = "_Adobe Experience Platform Enablement"
HOSTILE = 'q"uo\\te\tx-secret'


def _roster(path: Path, secrets: list[str]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["ldap", "sandbox", "CLIENT_SECRET"])
        writer.writerows([f"user{index}", "prod", secret] for index, secret in enumerate(secrets))


def test_words_as_secrets_raise_no_false_alarm(cli, tmp_path: Path) -> None:
    words = ["test", "secret", "POST"]
    _roster(tmp_path / "words.csv", words)
    collection = (tmp_path / "out" / "user0" / f"{STEM}.postman_collection.json")
    warnings = "".join(
        f"words.csv:{line}:1: warning: secret CLIENT_SECRET of 'user{line - 2}' is {len(word)} characters long, "
        "too short to tell from a word; the collection is not searched for it [secret]\n"
        for line, word in enumerate(words, start=2))
    validate = cli("validate", "--roster", "words.csv")
    assert (validate.exit_code, validate.stdout, validate.stderr) == (0, warnings, "ok: 3 participants checked\n")
    build = cli("build", "--roster", "words.csv")
    assert (build.exit_code, build.stdout, build.stderr) == (0, warnings, "wrote 6 files for 3 participants to out\n")
    text = collection.read_text(encoding="utf-8")
    assert "pm.test(" in text and "POST" in text and "CLIENT_SECRET" in text  # the words are there: no alarm all the same
    # Lint of the output says the same of each environment, at the value itself (line 25, column 13 of each).
    environments = [tmp_path / "out" / f"user{index}" / f"{STEM}.postman_environment.json" for index in range(3)]
    assert [path.read_text(encoding="utf-8").splitlines()[24][12:] for path in environments] == [f'"{word}",' for word in words]
    lint = cli("lint", "out")
    assert (lint.exit_code, lint.stdout, lint.stderr) == (0, "".join(
        f"out/user{index}/{STEM}.postman_environment.json:25:13: warning: secret CLIENT_SECRET is {len(word)} characters long, "
        "too short to tell from a word; the collection is not searched for it [secret]\n"
        for index, word in enumerate(words)), "0 errors, 3 warnings in 6 files\n")


def test_the_roster_keeps_a_hostile_secret_out_of_the_collection(cli, tmp_path: Path) -> None:
    _roster(tmp_path / "class.csv", [HOSTILE])
    build = cli("build", "--roster", "class.csv")
    assert (build.exit_code, build.stdout, build.stderr) == (0, "", "wrote 2 files for 1 participant to out\n")
    environment = json.loads((tmp_path / "out" / "user0" / f"{STEM}.postman_environment.json").read_text(encoding="utf-8"))
    assert {"key": "CLIENT_SECRET", "value": HOSTILE, "type": "secret", "enabled": True} in environment["values"]
    collection = (tmp_path / "out" / "user0" / f"{STEM}.postman_collection.json").read_text(encoding="utf-8")
    assert json.dumps(HOSTILE)[1:-1] not in collection and HOSTILE not in collection


def test_lint_finds_a_hostile_secret_at_its_escaped_column(cli, tmp_path: Path) -> None:
    _roster(tmp_path / "class.csv", [HOSTILE])
    assert cli("build", "--roster", "class.csv").exit_code == 0
    path = tmp_path / "out" / "user0" / f"{STEM}.postman_collection.json"
    text = path.read_text(encoding="utf-8")
    # Someone pastes the secret into a request's description, as Postman saves it: JSON-escaped.
    target = '"description": "'
    at = text.index(target, text.index('"item"')) + len(target)
    escaped = json.dumps(HOSTILE)[1:-1]
    text = text[:at] + escaped + " " + text[at:]
    path.write_text(text, encoding="utf-8")
    line = text.count("\n", 0, at) + 1
    column = at - text.rfind("\n", 0, at)  # 1-based: the first character of the escaped value
    result = cli("lint", "out/user0")
    found = [entry for entry in result.stdout.splitlines() if entry.endswith("[secret]")]
    assert found == [f"out/user0/{STEM}.postman_collection.json:{line}:{column}: error: the value of secret CLIENT_SECRET "
                     "from an environment is written into the collection; use {{CLIENT_SECRET}} [secret]"]
    assert result.exit_code == 1


def test_a_secret_sent_as_a_json_string_body_is_found(cli, tmp_path: Path) -> None:
    # A raw body that is one JSON string ("…") is searched as JSON too, where the value sits escaped.
    (tmp_path / "course.yaml").write_text(
        "collection: String Body\nenvironment:\n  GW: https://example.com\n"
        "  CLIENT_SECRET: {value: \"\", secret: true, kept: used by hand}\n"
        "headers:\n  Content-Type: application/json\nfolders:\n  - name: F\n    requests:\n"
        "      - name: Send\n        method: POST\n        url: \"{{GW}}/a\"\n        expect: {status: 200}\n"
        "        body: \"${CLIENT_SECRET}\"\n", encoding="utf-8")
    with open(tmp_path / "roster.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([["ldap", "CLIENT_SECRET"], ["bob", HOSTILE]])
    build = cli("build", "course.yaml", "--roster", "roster.csv", "--out", "out")
    assert (build.exit_code, build.stdout, build.stderr) == (1, (
        "course.yaml:14:15: error: the value of secret CLIENT_SECRET of 'bob' (roster.csv line 2) would be written into "
        "the collection at item/0/item/0/request/body/raw [secret]\n"), "1 problem found; nothing written.\n")
    assert not (tmp_path / "out").exists()


def test_a_roster_column_named_as_a_secret_is_a_secret(cli, tmp_path: Path) -> None:
    # The course does not declare CLIENT_SECRET; the roster brings it. Its name says it is a credential (as the
    # handouts and import read names): the environment types it secret and the collection is searched for it.
    text = (Path(__file__).resolve().parent / "data" / "course.yaml").read_text(encoding="utf-8")
    (tmp_path / "course.yaml").write_text(text.replace("          name: ${ldap} - test\n",
                                                       "          name: ${ldap} - test\n          description: ${CLIENT_SECRET}\n", 1),
                                          encoding="utf-8")
    (tmp_path / "roster.csv").write_text("ldap,sandbox,CLIENT_SECRET\nalice,dev,s3cr3t-value-1234\n", encoding="utf-8")
    (tmp_path / "clean.csv").write_text("ldap,sandbox,MY_TOKEN,NOTE\nalice,dev,s3cr3t-value-1234,hello\n", encoding="utf-8")
    validate = cli("validate", "course.yaml", "--roster", "roster.csv")
    assert (validate.exit_code, validate.stdout) == (1, (
        "course.yaml:29:11: error: the value of secret CLIENT_SECRET of 'alice' (roster.csv line 2) would be written into "
        "the collection at item/0/item/0/request/body/raw [secret]\n"))
    (tmp_path / "plain.yaml").write_text(text, encoding="utf-8")
    build = cli("build", "plain.yaml", "--roster", "clean.csv", "--out", "out")
    assert (build.exit_code, build.stdout) == (0, "")
    environment = json.loads((tmp_path / "out" / "alice" / "Test Course.postman_environment.json").read_text(encoding="utf-8"))
    assert {value["key"]: value["type"] for value in environment["values"] if value["key"] in ("MY_TOKEN", "NOTE")} == {
        "MY_TOKEN": "secret", "NOTE": "default"}
