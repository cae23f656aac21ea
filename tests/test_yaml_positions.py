"""One YAML position mapper: a character inside any string scalar maps to its exact line and column.

The same table runs through a course's ``Located`` (``load_yaml_text``) and through a Postman v3
collection folder read by lint (``read_collection``): both ask one mapper. Expected positions are
counted by hand from the YAML text. A Hypothesis property test dumps random strings in every
style and checks each mapped character against the text; two CLI cases show a PQL problem inside
a folded and inside an escaped scalar reported at the character.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pmforge.lint.v3_reading import read_collection
from pmforge.loading import load_yaml_text
from tests.conftest import edit_course

BREAKS = "\r\n\x85\u2028\u2029"

# (id, YAML giving the string at key `url`, the decoded string, [(character index, (line, column))]).
# A character an escape writes is at the escape's backslash; a space or newline made of a line break
# (folding, a block's newlines) is at that line break; the index one past the end is where the text ends.
VALUES = [
    ("plain", "url: plain text\n", "plain text", [(0, (1, 6)), (6, (1, 12)), (10, (1, 16))]),
    ("plain-multi-line", "url: first line\n  second line\n\n  third\n", "first line second line\nthird",
     [(10, (1, 16)), (11, (2, 3)), (22, (3, 1)), (23, (4, 3)), (27, (4, 7))]),
    ("single-quoted", "url: 'it''s {{A}}'\n", "it's {{A}}", [(2, (1, 9)), (3, (1, 11)), (5, (1, 13)), (10, (1, 18))]),
    ("single-quoted-multi-line", "url: 'one\n    two''s\n\n  three'\n", "one two's\nthree",
     [(3, (1, 10)), (4, (2, 5)), (7, (2, 8)), (9, (3, 1)), (10, (4, 3))]),
    ("double-tab", 'url: "a\\tb"\n', "a\tb", [(1, (1, 8)), (2, (1, 10)), (3, (1, 11))]),
    ("double-u", 'url: "caf\\u00e9 ok"\n', "café ok", [(3, (1, 10)), (4, (1, 16)), (5, (1, 17))]),
    ("double-x", 'url: "\\x41B"\n', "AB", [(0, (1, 7)), (1, (1, 11))]),
    ("double-U", 'url: "\\U0001F600!"\n', "\U0001F600!", [(0, (1, 7)), (1, (1, 17))]),
    ("double-quote-and-backslash", 'url: "say \\"hi\\" \\\\ {{B}}"\n', 'say "hi" \\ {{B}}',
     [(4, (1, 11)), (5, (1, 13)), (7, (1, 15)), (9, (1, 18)), (11, (1, 21))]),
    ("double-named-escapes", 'url: "\\N\\_\\L\\P\\e\\0\\/z"\n', "\x85\xa0\u2028\u2029\x1b\0/z",
     [(1, (1, 9)), (6, (1, 19)), (7, (1, 21))]),
    ("double-escaped-line-break", 'url: "one \\\n    two"\n', "one two", [(3, (1, 10)), (4, (2, 5))]),
    ("double-escaped-break-no-space", 'url: "long\\\n  word"\n', "longword", [(3, (1, 10)), (4, (2, 3))]),
    ("double-folded", 'url: "one\n  two\n\n  three"\n', "one two\nthree",
     [(3, (1, 10)), (4, (2, 3)), (7, (3, 1)), (8, (4, 3)), (13, (4, 8))]),
    ("double-escaped-tab-at-line-start", 'url: "a\n  \\tb"\n', "a \tb", [(1, (1, 8)), (2, (2, 3)), (3, (2, 5))]),
    ("literal", "url: |\n  pm.test('a', () => {\n      x({{C}});\n  });\n",
     "pm.test('a', () => {\n    x({{C}});\n});\n", [(20, (2, 23)), (21, (3, 3)), (25, (3, 7)), (36, (4, 4)), (38, (4, 6))]),
    ("literal-keep", "url: |+\n  a\n   b\n\n\nname: x\n", "a\n b\n\n\n",
     [(1, (2, 4)), (2, (3, 3)), (3, (3, 4)), (5, (4, 1)), (6, (5, 1))]),
    ("literal-strip-indicator", "url: |2-\n    x y\n  z\n\n", "  x y\nz", [(0, (2, 3)), (2, (2, 5)), (6, (3, 3)), (7, (3, 4))]),
    ("literal-indicator-then-strip", "url: |1-\n  lead\n x\n", " lead\nx", [(0, (2, 2)), (1, (2, 3)), (6, (3, 2))]),
    ("folded", "url: >-\n  first line\n  folded with\n\n  a kept break\n    and more-indented {{D}}\n  last\n",
     "first line folded with\na kept break\n  and more-indented {{D}}\nlast",
     [(10, (2, 13)), (11, (3, 3)), (22, (4, 1)), (23, (5, 3)), (35, (5, 15)), (36, (6, 3)), (38, (6, 5)),
      (60, (6, 27)), (61, (6, 28)), (62, (7, 3)), (66, (7, 7))]),
    ("folded-keep-indicator", "url: >2+\n   x\n  y\n\n", " x\ny\n\n", [(0, (2, 3)), (1, (2, 4)), (2, (2, 5)), (3, (3, 3)), (5, (4, 1))]),
    ("folded-comment-header", "url: > # a comment\n  one\n  two\n", "one two\n", [(3, (2, 6)), (4, (3, 3)), (7, (3, 6))]),
    ("anchor-and-tag", 'url: &u !!str "x\\ty"\n', "x\ty", [(0, (1, 16)), (1, (1, 17)), (2, (1, 19))]),
    ("crlf", 'url: "a\r\n  b"\r\nname: x\r\n', "a b", [(1, (1, 8)), (2, (2, 3))]),
]


@pytest.mark.parametrize(("text", "value", "spots"), [row[1:] for row in VALUES], ids=[row[0] for row in VALUES])
def test_a_course_string_maps_each_character_to_its_place(text: str, value: str, spots: list) -> None:
    located, problems = load_yaml_text(text, "course.yaml")
    assert problems == [] and located is not None
    assert located.data["url"] == value
    assert [(index, located.offset_position(("url",), index)) for index, _ in spots] == spots


def _v3_request(tmp_path: Path, request: str) -> Path:
    folder = tmp_path / "collection"
    (folder / ".resources").mkdir(parents=True)
    (folder / ".resources" / "definition.yaml").write_text("$kind: collection\nname: C\n", encoding="utf-8")
    (folder / "R.request.yaml").write_text(request, encoding="utf-8", newline="")
    return folder


@pytest.mark.parametrize(("text", "value", "spots"), [row[1:] for row in VALUES], ids=[row[0] for row in VALUES])
def test_a_v3_string_maps_each_character_to_its_place(tmp_path: Path, text: str, value: str, spots: list) -> None:
    # The same scalar in a request file, two lines down: lint's reader asks the same mapper.
    newline = "\r\n" if "\r\n" in text else "\n"
    folder = _v3_request(tmp_path, f"$kind: http-request{newline}method: GET{newline}{text}")
    document, problems = read_collection(folder)
    assert problems == [] and document is not None
    url = ("item", 0, "request", "url")
    assert document.data["item"][0]["request"]["url"] == value
    assert [(index, document.position(url, index=index)) for index, _ in spots] == [
        (index, (line + 2, column)) for index, (line, column) in spots
    ]
    problem = document.problem(url, "here", "structure", index=spots[-1][0])
    assert (problem.file, problem.line, problem.column) == (str(folder / "R.request.yaml"), spots[-1][1][0] + 2, spots[-1][1][1])


# (id, YAML of a mapping whose one key is the string, the key, [(character index, (line, column))])
KEYS = [
    ("plain", "X-Trace Id: v\n", "X-Trace Id", [(0, (1, 1)), (8, (1, 9))]),
    ("single", "'it''s': v\n", "it's", [(2, (1, 4)), (3, (1, 6))]),
    ("double", '"X-\\u0041b\\tc": v\n', "X-Ab\tc", [(2, (1, 4)), (3, (1, 10)), (4, (1, 11)), (5, (1, 13))]),
    ("explicit-block", "? |-\n  two\n  lines\n: v\n", "two\nlines", [(3, (2, 6)), (4, (3, 3))]),
]


@pytest.mark.parametrize(("text", "key", "spots"), [row[1:] for row in KEYS], ids=[row[0] for row in KEYS])
def test_a_key_maps_each_character_to_its_place(tmp_path: Path, text: str, key: str, spots: list) -> None:
    located, problems = load_yaml_text(text, "course.yaml")
    assert problems == [] and located is not None and list(located.data) == [key]
    assert [(index, located.offset_position((key,), index, key=True)) for index, _ in spots] == spots

    indented = "".join(f"  {line}\n" for line in text.splitlines())
    folder = _v3_request(tmp_path, f"$kind: http-request\nmethod: GET\nurl: x\nheaders:\n{indented}")
    document, problems = read_collection(folder)
    assert problems == [] and document is not None
    header_key = ("item", 0, "request", "header", 0, "key")
    assert [(index, document.position(header_key, index=index)) for index, _ in spots] == [
        (index, (line + 4, column + 2)) for index, (line, column) in spots
    ]


def test_what_is_not_a_string_gives_the_value_s_place() -> None:
    located, _ = load_yaml_text("a:\n  n: 12345\n  list: [x]\n", "f.yaml")
    assert located is not None
    assert located.offset_position(("a", "n"), 3) == (2, 6)
    assert located.offset_position(("a", "list"), 1) == (3, 9)
    assert located.offset_position(("a", "missing"), 1) == (2, 3)


def test_a_path_through_an_alias_maps_into_the_anchor() -> None:
    located, _ = load_yaml_text('base: &b "x\\ty"\ncopy: *b\n', "f.yaml")
    assert located is not None and located.data["copy"] == "x\ty"
    assert located.offset_position(("copy",), 2) == (1, 14)


STYLES = [None, "'", '"', "|", ">"]
# Text a course holds: letters, spaces and tabs, line breaks, quotes, escapes' own characters,
# YAML indicators, and characters YAML may only write escaped.
CHARACTERS = st.sampled_from(list("ab é\t\n'\"\\:#-{}[],&*!|>%@`") + ["  ", "\n\n", " \n", "\x85", "\u2028", "\xa0", "\x07", "😀"])


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(CHARACTERS, max_size=25).map("".join),
    style=st.sampled_from(STYLES),
    width=st.sampled_from([8, 30, 80]),
    indent=st.sampled_from([2, 4]),
    flow=st.booleans(),
)
def test_every_character_of_a_dumped_string_maps_to_itself_or_its_escape(text: str, style, width: int, indent: int, flow: bool) -> None:
    data = {"outer": {"k": [text, {text or "empty": "v"}]}}
    source = yaml.dump(data, default_style=style, width=width, indent=indent, default_flow_style=flow, allow_unicode=True)
    located, problems = load_yaml_text(source, "f.yaml")
    if located is None or located.data != data:
        return  # PyYAML dumps some strings in a style it cannot read back (not this mapper's concern)
    for path, key in ((("outer", "k", 0), False), (("outer", "k", 1, text or "empty"), True)):
        string = path[-1] if key else text
        offsets = located.char_offsets(path, key=key)
        assert len(offsets) == len(string) + 1, source
        assert offsets[:-1] == sorted(set(offsets[:-1])), source  # each character its own place, in order
        lines = source.split("\n")
        for index, (char, offset) in enumerate(zip(string, offsets)):
            written = source[offset]
            assert written == char or written == "\\" or (char in " \n\x85\u2028\u2029" and written in BREAKS), (
                source, string, char, offset)
            line, column = located.offset_position(path, index, key=key)
            assert (lines[line - 1] + "\n")[column - 1] == written


# A course whose PQL is written as a folded block or as an escaped double-quoted string: the
# unknown field is reported at its character (it was at the block's first line, or some columns off).
TREE_LINE = "value: '{\"nodeType\":\"literal\",\"literalType\":\"Boolean\",\"value\":true}'"
PQL_CASES = [
    ("folded", 'pql: >-\n              person.name.lastName = "x"\n              and person.gendr = "female"',
     "course.yaml:34:19: error: PQL: unknown field `person.gendr`; did you mean `person.gender`? [pql-field]\n"),
    ("double-quoted", 'pql: "person.name.lastName = \\"x\\\\ty\\" and person.gendr = \\"female\\""',
     "course.yaml:32:56: error: PQL: unknown field `person.gendr`; did you mean `person.gender`? [pql-field]\n"),
    ("double-quoted-escaped-break", 'pql: "person.name.lastName = \\"\\u0078\\" \\\n              and person.gendr = \\"female\\""',
     "course.yaml:33:19: error: PQL: unknown field `person.gendr`; did you mean `person.gender`? [pql-field]\n"),
]


@pytest.mark.parametrize(("replacement", "expected"), [case[1:] for case in PQL_CASES], ids=[case[0] for case in PQL_CASES])
def test_a_pql_problem_inside_a_folded_or_escaped_scalar_is_at_its_character(cli, course_dir: Path, replacement: str, expected: str) -> None:
    edit_course(course_dir, [(TREE_LINE, replacement)])
    result = cli("validate", "course.yaml", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (1, expected)
