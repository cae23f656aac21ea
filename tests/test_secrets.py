"""Secrets are found by value in the parsed collection, where they are, and never as words.

One search (``pmforge.leaks``) serves the course checks of build/validate and
the lint ``secret`` rule; both are tested here with hostile values.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from pmforge.leaks import Filled, Secret, find_leaks, shared_strings
from pmforge.lint import lint_files
from pmforge.skeleton import Skeleton, Slots

from .conftest import DATA, edit_course

COURSE = (DATA / "course.yaml").read_text(encoding="utf-8")
HOSTILE = [
    'quote"in-the-middle',
    "back\\slash\\value",
    "tab\tinside-value",
    "new\nline-value",
    "ünïcödé-sëcrét-ß",
    '"\\\t\n</script>{{x}}',
]


def course_with_secret(folder: Path, *, leak: bool) -> None:
    """The test course with CLIENT_SECRET from the roster; with ``leak`` a body also carries it."""
    text = COURSE.replace('  ACCESS_TOKEN: {value: "", secret: true}\n',
                          '  ACCESS_TOKEN: {value: "", secret: true}\n  CLIENT_SECRET: {value: "${CLIENT_SECRET}", secret: true, kept: a login script reads it}\n')
    if leak:
        text = text.replace("          createdBy: ${ldap}\n", "          createdBy: ${ldap}\n          description: 'note ${CLIENT_SECRET}'\n")
    assert text.count("CLIENT_SECRET") == (3 if leak else 2)
    (folder / "course.yaml").write_text(text, encoding="utf-8")


def roster(folder: Path, *secrets: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["ldap", "CLIENT_SECRET"])
    writer.writerows([f"user{index}", secret] for index, secret in enumerate(secrets))
    (folder / "roster.csv").write_text(buffer.getvalue(), encoding="utf-8")


@pytest.mark.parametrize("secret", HOSTILE)
def test_build_finds_a_secret_that_json_escapes(cli, course_dir: Path, secret: str) -> None:
    course_with_secret(course_dir, leak=True)
    roster(course_dir, secret)
    result = cli("build", "course.yaml", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (
        1, "course.yaml:35:11: error: the value of secret CLIENT_SECRET of 'user0' (roster.csv line 2) would be written into the collection at item/0/item/0/request/body/raw [secret]\n")
    assert not (course_dir / "out").exists()


def test_the_secret_stays_out_when_the_course_does_not_put_it_in(cli, course_dir: Path) -> None:
    course_with_secret(course_dir, leak=False)
    roster(course_dir, *HOSTILE)
    result = cli("build", "course.yaml", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (0, "")
    text = (course_dir / "out" / "user0" / "Test Course.postman_environment.json").read_text(encoding="utf-8")
    assert [v for v in json.loads(text)["values"] if v["key"] == "CLIENT_SECRET"] == [{"key": "CLIENT_SECRET", "value": HOSTILE[0], "type": "secret", "enabled": True}]


@pytest.mark.parametrize("word", ["test", "secret", "POST", "status", "Bearer", "prod"])
def test_a_secret_that_is_a_word_of_the_collection_is_no_false_alarm(cli, course_dir: Path, word: str) -> None:
    course_with_secret(course_dir, leak=False)
    roster(course_dir, word)
    result = cli("build", "course.yaml", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (
        0, f"roster.csv:2:1: warning: secret CLIENT_SECRET of 'user0' is {len(word)} characters long, too short to tell from a word; the collection is not searched for it [secret]\n")


@pytest.mark.parametrize(("value", "found"), [
    ("definitions", True),  # a whole token of the URL path: there it is
    ("efinitions", False),  # only inside a longer word
    ("segment/definitions", True),
    ("ups/segment/def", False),
    ("https://platform.adobe.io", False),  # in the environment, never in the collection
])
def test_a_value_counts_only_as_a_whole_token(value: str, found: bool) -> None:
    collection = {"item": [{"request": {"url": "{{PLATFORM_GATEWAY}}/data/core/ups/segment/definitions"}}]}
    assert bool(find_leaks(collection, [Secret("CLIENT_SECRET", value)])) is found


def test_leaks_are_found_in_raw_json_bodies_and_nested_values() -> None:
    secret = Secret("S", 'a"b\\c\td\ne\x01f-ünï')
    body = json.dumps({"name": "x", "note": f"see {secret.value}"})
    collection = {"item": [{"request": {"body": {"raw": body}, "header": [{"key": "X", "value": secret.value}]}}]}
    assert [(leak.path, leak.offset) for leak in find_leaks(collection, [secret], text=json.dumps(collection, ensure_ascii=False))] == [
        (("item", 0, "request", "body", "raw"), body.index("a\\\"b")),  # json.dumps escaped it (ASCII)
        (("item", 0, "request", "header", 0, "value"), 0),
    ]


ENVIRONMENT = """{
\t"name": "class",
\t"values": [
\t\t{"key": "CLIENT_SECRET", "value": %s, "type": "secret", "enabled": true},
\t\t{"key": "SHORT", "value": "POST", "type": "secret", "enabled": true},
\t\t{"key": "PLAIN", "value": "not-a-secret-at-all", "type": "default", "enabled": true}
\t]
}
"""

COLLECTION = """{
\t"info": {"name": "C", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
\t"event": [{"listen": "test", "script": {"type": "text/javascript", "exec": [
\t\t"pm.test(\\"POST works\\", () => pm.response.to.have.status(200));",
\t\t"// not-a-secret-at-all",
\t\t%s
\t]}}],
\t"item": [{"name": "R", "request": {"method": "POST", "url": "https://example.com/x",
\t\t"header": [{"key": "X-Note", "value": %s}],
\t\t"body": {"mode": "raw", "raw": %s, "options": {"raw": {"language": "json"}}}}}]
}
"""


@pytest.mark.parametrize("secret", [*HOSTILE, 'ctl\x01\x1fchars-\u2028-end'])
def test_lint_finds_an_environment_s_secret_by_value(tmp_path: Path, secret: str) -> None:
    (tmp_path / "class.postman_environment.json").write_text(ENVIRONMENT % json.dumps(secret), encoding="utf-8")
    script = json.dumps(f"const x = '{secret}';")
    body = json.dumps(json.dumps({"note": secret}))
    (tmp_path / "c.postman_collection.json").write_text(COLLECTION % (script, json.dumps(secret), body), encoding="utf-8")
    found = lint_files(sorted(tmp_path.iterdir()))
    problems = [(p.line, p.column, p.rule, p.message) for p in found if p.rule == "secret" and p.file.endswith("collection.json")]
    message = "the value of secret CLIENT_SECRET from an environment is written into the collection; use {{CLIENT_SECRET}} "
    # Columns count the escaped characters of the JSON text up to the value.
    assert problems == [
        (6, 3 + len("\"const x = '"), "secret", message.strip()),
        (9, len('\t\t"header": [{"key": "X-Note", "value": "') + 1, "secret", message.strip()),
        (10, len('\t\t"body": {"mode": "raw", "raw": "{\\"note\\": \\"') + 1, "secret", message.strip()),
    ]


def test_lint_raises_no_false_alarm_for_words(tmp_path: Path) -> None:
    (tmp_path / "class.postman_environment.json").write_text(ENVIRONMENT % json.dumps("test"), encoding="utf-8")
    (tmp_path / "c.postman_collection.json").write_text(COLLECTION % ('"pm.test(\\"secret POST\\")"', '"POST test"', '"{}"'), encoding="utf-8")
    found = [(Path(p.file).name, p.line, p.column, p.message, p.severity) for p in lint_files(sorted(tmp_path.iterdir())) if p.rule == "secret"]
    # Nothing in the collection; the environment's values too short to search for are said where they are.
    assert found == [
        ("class.postman_environment.json", 4, 37, "secret CLIENT_SECRET is 4 characters long, too short to tell from a word; the collection is not searched for it", "warning"),
        ("class.postman_environment.json", 5, 29, "secret SHORT is 4 characters long, too short to tell from a word; the collection is not searched for it", "warning"),
    ]


def test_build_finds_a_secret_in_the_part_every_participant_shares_and_written_escaped_in_a_raw_body(cli, course_dir: Path) -> None:
    # "definitions" is a word of both URLs and descriptions (the part of the collection the course fixes), the second
    # secret sits in a raw body only as JSON writes it escaped, \u0068idden..., and the third is nowhere.
    course_with_secret(course_dir, leak=False)
    edit_course(course_dir, [("        expect: {status: 200}\n", "        expect: {status: 200}\n      - name: Note\n        method: POST\n"
                              "        url: \"{{PLATFORM_GATEWAY}}/data/core/ups/notes\"\n        headers:\n          Content-Type: application/json\n"
                              "        raw: '{\"note\": \"\\u0068idden-in-escapes\"}'\n        expect: {status: 200}\n")])
    roster(course_dir, "definitions", "hidden-in-escapes", "nowhere-at-all")
    result = cli("build", "course.yaml", cwd=course_dir)
    leak = "error: the value of secret CLIENT_SECRET of '{}' (roster.csv line {}) would be written into the collection at {} [secret]\n"
    # The description is found at its request's name (it is made of the course, not written in it); the URL's
    # word at its column; the escaped value at the character of the raw body that starts it.
    assert (result.exit_code, result.stdout) == (1, "".join([
        *(f"course.yaml:{at}: " + leak.format("user0", 2, f"item/0/item/{index}/request/{where}")
          for name, url, index in (("23:9", "25:58", 0), ("38:9", "40:58", 1))
          for at, where in ((name, "description"), (url, "url/path/4"), (url, "url/raw"))),
        "course.yaml:47:15: " + leak.format("user1", 3, "item/0/item/2/request/body/raw"),
    ]))


@pytest.mark.parametrize("value", ["definitions", "segment/definitions", "hidden-in-escapes", "alice-the-learner", "nowhere-at-all"])
def test_the_search_of_a_filled_document_finds_what_the_whole_walk_finds(value: str) -> None:
    # Shared: a URL and a header that is JSON holding a value escaped; own: the body a participant's ldap fills.
    slots = Slots()
    skeleton = Skeleton.find({"item": [{"request": {
        "url": "{{PLATFORM_GATEWAY}}/data/core/ups/segment/definitions",
        "header": [{"key": "X-Note", "value": '{"note": "\\u0068idden-in-escapes"}'}],
        "body": {"raw": slots(lambda context: json.dumps({"createdBy": context}))}}}]}, slots)
    assert skeleton is not None
    shared = shared_strings(skeleton.document)
    secret = Secret("S", value)
    values = skeleton.values("alice-the-learner")
    document = skeleton.filled(values)
    exact = find_leaks(document, [secret])
    assert find_leaks(document, [secret], filled=Filled(shared, values)) == exact
    assert [leak.path[-1] for leak in exact] == {"definitions": ["url"], "segment/definitions": ["url"], "hidden-in-escapes": ["value"],
                                                 "alice-the-learner": ["raw"], "nowhere-at-all": []}[value]
