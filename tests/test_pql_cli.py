"""`pql compile|explain|check` through click, and the caret display they print."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pmforge.pql import caret
from pmforge.pql.cli import pql
from pmforge.pql.display import line_and_column

COURSE_TEXT = 'person.gender in ["female"]'
COURSE_JSON = """\
{
  "nodeType": "fnApply",
  "fnName": "in",
  "params": [
    {
      "nodeType": "fieldLookup",
      "fieldName": "gender",
      "object": {
        "nodeType": "fieldLookup",
        "fieldName": "person",
        "object": {
          "nodeType": "literal",
          "literalType": "XDMObject",
          "value": "profile"
        }
      }
    },
    {
      "nodeType": "literal",
      "literalType": "List",
      "value": [
        "female"
      ]
    }
  ]
}
"""


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(pql, list(args), input=input)


def outcome(result: Result) -> tuple[int, str, str]:
    return result.exit_code, result.stdout, result.stderr


def test_compile_prints_the_tree() -> None:
    assert outcome(run("compile", COURSE_TEXT)) == (0, COURSE_JSON, "")


def test_compile_reads_stdin() -> None:
    assert outcome(run("compile", "-", input=COURSE_TEXT + "\n")) == (0, COURSE_JSON, "")


def test_compile_error_shows_the_caret() -> None:
    assert outcome(run("compile", 'a = 1 and b like "x"')) == (1, "", (
        "<expression>:1:13: error: `like` is outside the PQL subset pmforge compiles; "
        "send it as pql/text [pql-unsupported]\n"
        'a = 1 and b like "x"\n'
        "            ^\n"))


def test_compile_error_on_a_later_line() -> None:
    assert outcome(run("compile", "-", input="a = 1\nand b =\n")) == (1, "", (
        "<expression>:2:8: error: expected a field path or a value, found end of expression [pql-syntax]\n"
        "and b =\n"
        "       ^\n"))


def test_explain_prints_the_text() -> None:
    assert outcome(run("explain", COURSE_JSON)) == (0, COURSE_TEXT + "\n", "")


def test_explain_reads_stdin_and_the_double_encoded_value() -> None:
    encoded = json.dumps(json.dumps(json.loads(COURSE_JSON), separators=(",", ":")))
    assert outcome(run("explain", "-", input=encoded)) == (0, COURSE_TEXT + "\n", "")


def test_explain_refuses_trees_outside_the_subset() -> None:
    assert outcome(run("explain", '{"nodeType": "chain"}')) == (1, "", (
        "<json>: error: the `chain` node is outside the PQL subset pmforge explains (at $) [pql-unsupported]\n"))


def test_explain_reports_bad_json_with_a_caret() -> None:
    assert outcome(run("explain", '{"nodeType" "x"}')) == (1, "", (
        "<json>:1:13: error: invalid JSON: Expecting ':' delimiter [pql-json]\n"
        '{"nodeType" "x"}\n'
        "            ^\n"))


def test_check_clean_expression() -> None:
    assert outcome(run("check", COURSE_TEXT)) == (0, "", "")


def test_check_lists_every_problem_with_carets() -> None:
    text = 'person.gendr = "x" and person.birthYear < "1980"'
    assert outcome(run("check", text)) == (1, (
        "<expression>:1:1: error: unknown field `person.gendr`; did you mean `person.gender`? [pql-field]\n"
        f"{text}\n"
        "^\n"
        '<expression>:1:43: error: `person.birthYear` holds integers; `"1980"` is a string [pql-value]\n'
        f"{text}\n"
        "                                          ^\n"), "")


def test_check_warnings_alone_exit_zero() -> None:
    assert outcome(run("check", '_acme.tier = "gold"')) == (0, (
        "<expression>:1:1: warning: tenant namespace `_acme` is not in the field catalog; declare its fields "
        "in a catalog extension [pql-field]\n"
        '_acme.tier = "gold"\n'
        "^\n"), "")


def test_check_syntax_error_is_a_problem() -> None:
    assert outcome(run("check", 'a = "1')) == (1, (
        "<expression>:1:5: error: unterminated string: expected `\"` before end of expression [pql-syntax]\n"
        'a = "1\n'
        "    ^\n"), "")


def test_check_of_text_outside_the_subset_is_a_warning_naming_pql_text() -> None:
    assert outcome(run("check", "a = = 1")) == (0, (
        "<expression>:1:5: warning: expected a field path or a value, found `=`; outside the PQL subset "
        "pmforge compiles: send it as pql/text [pql-unsupported]\n"
        "a = = 1\n"
        "    ^\n"), "")


def test_check_with_a_catalog_extension(tmp_path: Path) -> None:
    fields = tmp_path / "fields.json"
    fields.write_text(json.dumps({"fields": {"_acme.tier": {"type": "string", "enum": ["gold"]}}}), encoding="utf-8")
    assert outcome(run("check", "--fields", str(fields), '_acme.tier = "gold"')) == (0, "", "")
    assert run("check", "--fields", str(fields), '_acme.tier = "lead"').exit_code == 1


def test_check_with_a_bad_catalog_extension(tmp_path: Path) -> None:
    fields = tmp_path / "fields.json"
    fields.write_text('{"fields": {"x": {}}}', encoding="utf-8")
    assert outcome(run("check", "--fields", str(fields), "x = 1")) == (1, "", (
        f"{fields}: error: field catalog: 'type' is a required property (at ['fields']['x']) [pql-catalog]\n"))


@pytest.mark.parametrize("args", [["compile"], ["explain"], ["check"], ["frobnicate"], ["check", "--nope", "a"]])
def test_usage_errors_exit_two(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert "Usage:" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize(("text", "offset", "picture"), [
    ("a = 1", 0, "a = 1\n^"),
    ("a = 1", 4, "a = 1\n    ^"),
    ("a = 1", 5, "a = 1\n     ^"),
    ("a = 1\nb = 2\nc", 8, "b = 2\n  ^"),
    ("a = 1\n", 6, "\n^"),
    ("\ta = x", 5, "\ta = x\n\t    ^"),
    ('a = "日本" and b', 10, 'a = "日本" and b\n' + " " * 12 + "^"),
    ("abc", 99, "abc\n   ^"),
])
def test_caret(text: str, offset: int, picture: str) -> None:
    assert caret(text, offset) == picture


def test_line_and_column_are_one_based() -> None:
    assert line_and_column("a\nbc", 3) == (2, 2)
    assert line_and_column("a", 0) == (1, 1)
