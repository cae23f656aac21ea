"""The position-keeping JSON reader: same data as json.loads, 1-based positions, nested documents."""

from __future__ import annotations

import json
import time

import pytest

from pmforge.lint.positions import Source, load, parse
from tests.conftest import shared_file

COURSE = "aep-postman-samples/course/platform-learn_tutorial-comprehensive-technical__Adobe_Experience_Platform_Enablement.postman_collection.json"


@pytest.mark.parametrize(
    "text",
    ['{"a": [1, 2.5, -3e2, true, false, null], "b": {"c": "\\u00e9\\n\\"x\\""}}', "[]", '"s"', "0", '{"": {}}', '\ufeff{"bom": 1}'],
)
def test_same_data_as_json_loads(text: str) -> None:
    document, problems = load("f.json", text)
    assert problems == [] and document is not None
    assert document.data == json.loads(text.lstrip("\ufeff"))


def test_positions_of_values_and_keys() -> None:
    document, _ = load("f.json", '{\n  "a": {\n\t"b": [10, "x"]\n  }\n}')
    assert document is not None
    assert document.position(("a",)) == (2, 8)
    assert document.position(("a",), key=True) == (2, 3)
    assert document.position(("a", "b", 1)) == (3, 12)
    assert document.position(("a", "missing")) == (2, 8)  # nearest located ancestor


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ('{"a": 1,}', 1, 8, "trailing comma"),
        ('[1, 2,\n]', 1, 6, "trailing comma"),
        ('{"a" 1}', 1, 6, "expected ':'"),
        ("{'a': 1}", 1, 2, "double quotes"),
        ('{"a": tru}', 1, 7, "expected a value"),
        ('{"a": 1} x', 1, 10, "extra data"),
        ('{"a": "\n"}', 1, 8, "Invalid control character"),
        ("", 1, 1, "end of file"),
    ],
)
def test_syntax_errors_are_problems(text: str, line: int, column: int, words: str) -> None:
    document, problems = load("f.json", text)
    assert document is None
    assert [(p.line, p.column, p.rule) for p in problems] == [(line, column, "json-syntax")]
    assert words in problems[0].message


def test_duplicate_keys_are_reported_at_the_second() -> None:
    _, problems = load("f.json", '{"a": 1,\n "a": 2}')
    assert [(p.line, p.column, p.rule) for p in problems] == [(2, 2, "duplicate-key")]


def test_characters_inside_strings_map_through_escapes() -> None:
    text = '{"a": "\\ud83d\\ude00x\\ty"}'
    document = parse(Source("f", text), text)
    assert document.position(("a",), index=1) == (1, 20)  # x, after a surrogate pair (12 characters, 1 decoded)
    assert document.position(("a",), index=3) == (1, 23)  # y, after \t


def test_nested_documents_point_into_the_file() -> None:
    text = '{"raw": "{\\n  \\"name\\": \\"ldap\\",\\n  \\"v\\": {{N}}\\n}"}'
    outer = parse(Source("f", text), text)
    body = outer.inner(("raw",), variables=True)
    assert body.data == {"name": "ldap", "v": "{{N}}"}
    line, column = body.position(("name",), index=0)
    assert text[column - 1:column + 3] == "ldap" and line == 1


def test_the_course_collection_parses_fast_and_exactly() -> None:
    text = shared_file(COURSE).read_text(encoding="utf-8")
    big = "[" + ",".join([text] * 16) + "]"  # about 210 KB
    start = time.perf_counter()
    document, problems = load("big.json", big)
    elapsed = time.perf_counter() - start
    assert problems == [] and document is not None and document.data == json.loads(big)
    assert elapsed < 0.5
