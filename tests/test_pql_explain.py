"""pql/json -> PQL text: canonical form, exact round trips, refusals, and properties."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmforge.pql import PqlError, compile_text, explain
from pmforge.pql.syntax import KEYWORDS, RESERVED_WORDS, TIME_UNITS
from pmforge.pql.tree import load_tree

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "aep-postman-samples" / "pql_json_examples.json"
# Example id -> the node type or function that puts it outside the subset.
OUTSIDE = {
    "docs_select_checkouts": "`select`",
    "runbook_occurs_within_30_days": "`select`",
    "runbook_occurs_this_year": "`select`",
    "runbook_chain_sequential": "`chain`",
}


def examples() -> list[dict[str, Any]]:
    if not EXAMPLES.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{EXAMPLES} is missing under CI")
        pytest.skip(f"{EXAMPLES} is not here")
    return json.loads(EXAMPLES.read_text(encoding="utf-8"))["examples"]


def canonical(tree: Any) -> str:
    return json.dumps(tree, sort_keys=True)


def test_every_example_round_trips_or_is_refused_by_name() -> None:
    seen = set()
    for example in examples():
        seen.add(example["id"])
        if example["id"] in OUTSIDE:
            with pytest.raises(PqlError) as caught:
                explain(example["ast"])
            assert OUTSIDE[example["id"]] in caught.value.message
            assert caught.value.rule == "pql-unsupported"
        else:
            text = explain(example["ast"])
            assert canonical(compile_text(text)) == canonical(example["ast"]), example["id"]
    assert len(seen - set(OUTSIDE)) == 6


@pytest.mark.parametrize(("example_id", "text"), [
    ("course_all_female", 'person.gender in ["female"]'),
    ("docs_conversion_workAddress_country", '$1.workAddress.country = "US"'),
    ("openapi_example_a_equals_b", "$1.a = $1.b"),
    ("docs_double_and_equals", '_acpstardust.points = 2.0 and _acpstardust.testLoyaltyID.equals("", false)'),
    ("runbook_contains_case_insensitive", '_mmm.person.firstName.contains("Perry", false)'),
])
def test_examples_explain_to_canonical_text(example_id: str, text: str) -> None:
    tree = next(e["ast"] for e in examples() if e["id"] == example_id)
    assert explain(tree) == text
    assert canonical(compile_text(text)) == canonical(tree)


@pytest.mark.parametrize(("text", "expected"), [
    ("((a = 1))", "a = 1"),
    ("a=1   and\nb<=2", "a = 1 and b <= 2"),
    ("a or (b and c)", "a or b and c"),
    ("(a or b) and c", "(a or b) and c"),
    ("(a and b) and c", "(a and b) and c"),
    ("a and (b and c)", "a and (b and c)"),
    ("(a or b) or c", "(a or b) or c"),
    ("not a = 1", "not(a = 1)"),
    ("not (a)", "not(a)"),
    ("!(a and b)", "not(a and b)"),
    ("not a and b", "not(a) and b"),
    ("(not(a)) = true", "(not(a)) = true"),
    ("(a = 1) = (b = 2)", "(a = 1) = (b = 2)"),
    ("(a in [1]) != false", "(a in [1]) != false"),
    ('a.contains("x", true)', 'a.contains("x")'),
    ('a.startsWith("x",false)', 'a.startsWith("x", false)'),
    ("a.endsWith($1.b)", "a.endsWith($1.b)"),
    ("a.equals(b.c, false)", "a.equals(b.c, false)"),
    ('a.get( "k" ).b.isNotNull( )', 'a.get("k").b.isNotNull()'),
    ("a notIn [ 1,2.50 , true,\"x\" ]", 'a notIn [1, 2.5, true, "x"]'),
    ("a in []", "a in []"),
    ("a = -3", "a = -3"),
    ("a = 1e-7", "a = 1e-07"),
    ("a = 3.0", "a = 3.0"),
    ("a", "a"),
    ("true", "true"),
])
def test_canonical_formatting(text: str, expected: str) -> None:
    assert explain(compile_text(text)) == expected


@pytest.mark.parametrize(("value", "written"), [
    ('say "hi"', r'"say \"hi\""'),
    ("back\\slash", r'"back\\slash"'),
    ("line\nbreak\ttab", r'"line\nbreak\ttab"'),
    ("bell\x07 del\x7f cr\r", r'"bell\u0007 del\u007f cr\u000d"'),
    ("日本語 é 😀", '"日本語 é 😀"'),
    ("", '""'),
])
def test_strings_are_re_escaped(value: str, written: str) -> None:
    tree = {"nodeType": "fnApply", "fnName": "=", "params": [
        {"nodeType": "fieldLookup", "fieldName": "a", "object": {"nodeType": "parameterReference", "position": 1}},
        {"nodeType": "literal", "literalType": "String", "value": value}]}
    assert explain(tree) == f"$1.a = {written}"
    assert compile_text(explain(tree)) == tree


A = {"nodeType": "fieldLookup", "fieldName": "a", "object": {"nodeType": "parameterReference", "position": 1}}
TRUE = {"nodeType": "literal", "literalType": "Boolean", "value": True}


@pytest.mark.parametrize(("tree", "message", "rule"), [
    ({"nodeType": "fnApply", "fnName": "exists", "params": [A, A]},
     "function `exists` is outside the PQL subset pmforge explains (at $)", "pql-unsupported"),
    ({"nodeType": "fnApply", "fnName": "=", "params": [A, {"nodeType": "literal", "literalType": "Timestamp",
                                                             "value": "now"}]},
     "literal type `Timestamp` is outside the PQL subset pmforge explains (at $.params[1])", "pql-unsupported"),
    ({"nodeType": "occurs"}, "the `occurs` node is outside the PQL subset pmforge explains (at $)", "pql-unsupported"),
    ({"nodeType": "fnApply", "fnName": "and", "params": [A]},
     "`and` with 1 parameter(s) is outside the PQL subset pmforge explains (at $)", "pql-unsupported"),
    ({"nodeType": "fnApply", "fnName": "contains", "params": [A, A]},
     "`contains` with 2 parameter(s) (pmforge writes 3) is outside the PQL subset pmforge explains (at $)",
     "pql-unsupported"),
    ({"nodeType": "fnApply", "fnName": "isNull", "params": [TRUE]},
     "a method applied to something other than a field is outside the PQL subset pmforge explains "
     "(at $.params[0])", "pql-unsupported"),
    ({"nodeType": "fieldLookup", "fieldName": "a", "object": {"nodeType": "parameterReference", "position": 2}},
     "parameterReference position 2 is outside the PQL subset pmforge explains (at $.object)", "pql-unsupported"),
    ({"nodeType": "fieldLookup", "fieldName": "my field", "object": {"nodeType": "parameterReference", "position": 1}},
     "field name 'my field' (not a plain identifier) is outside the PQL subset pmforge explains (at $)",
     "pql-unsupported"),
    ({"nodeType": "fieldLookup", "fieldName": "select",
      "object": {"nodeType": "literal", "literalType": "XDMObject", "value": "profile"}},
     "a path starting with the PQL word `select` is outside the PQL subset pmforge explains (at $)",
     "pql-unsupported"),
    ({"nodeType": "parameterReference", "position": 1},
     "the profile root used as a value is outside the PQL subset pmforge explains (at $)", "pql-unsupported"),
    ({"nodeType": "literal", "literalType": "List", "value": [["x"]]},
     "a List literal holding anything but strings, numbers, booleans is outside the PQL subset pmforge explains "
     "(at $)", "pql-unsupported"),
    ({"nodeType": "literal", "literalType": "Integer", "value": "1"},
     "literal Integer cannot hold '1' (at $)", "pql-value"),
    ({"nodeType": "literal", "literalType": "Double", "value": 10**20},
     f"literal Double cannot hold {10**20} (at $)", "pql-value"),
    ({"nodeType": "fnApply", "fnName": "=", "params": [A, TRUE], "extra": 1},
     "unexpected key `extra` in fnApply node (at $)", "pql-json"),
    ({"nodeType": "fieldLookup", "fieldName": "a"}, "fieldLookup node without `object` (at $)", "pql-json"),
    ([], "expected a pql/json node (an object with a `nodeType`) (at $)", "pql-json"),
])
def test_trees_outside_the_subset_are_refused(tree: Any, message: str, rule: str) -> None:
    with pytest.raises(PqlError) as caught:
        explain(tree)
    assert (caught.value.message, caught.value.rule, caught.value.offset) == (message, rule, 0)


def test_load_tree_accepts_the_double_encoded_expression_value() -> None:
    tree = compile_text('person.gender in ["female"]')
    encoded = json.dumps(json.dumps(tree, separators=(",", ":")))
    assert load_tree(encoded) == tree


def test_load_tree_reports_json_errors_at_their_offset() -> None:
    with pytest.raises(PqlError) as caught:
        load_tree('{"nodeType": }')
    assert (caught.value.rule, caught.value.offset) == ("pql-json", 13)


# -- properties ---------------------------------------------------------------

_NOT_NAMES = KEYWORDS | RESERVED_WORDS | TIME_UNITS
names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True).filter(lambda n: n not in _NOT_NAMES)
space = st.sampled_from([" ", "  ", "\n", "\t", " \n "])
tight = st.sampled_from(["", " "])


def _escape(text: str, every: bool) -> str:
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif every:
            units = char.encode("utf-16-be", "surrogatepass")
            out.extend(f"\\u{int.from_bytes(units[i:i + 2], 'big'):04x}" for i in range(0, len(units), 2))
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


strings = st.builds(_escape, st.text(max_size=8), st.booleans())
numbers = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
)
booleans = st.sampled_from(["true", "false"])
scalars = st.one_of(strings, numbers, booleans)


@st.composite
def paths(draw: st.DrawFn) -> str:
    text = ("$1." if draw(st.booleans()) else "") + draw(names)
    for _ in range(draw(st.integers(0, 3))):
        text += f".get({draw(strings)})" if draw(st.integers(0, 4)) == 0 else f".{draw(names)}"
    return text


@st.composite
def conditions(draw: st.DrawFn) -> str:
    left = draw(paths())
    kind = draw(st.integers(0, 4))
    if kind == 0:
        op = draw(st.sampled_from(["=", "!=", "<", "<=", ">", ">="]))
        right = draw(st.one_of(scalars, paths()))
        return f"{left}{draw(tight)}{op}{draw(tight)}{right}"
    if kind == 1:
        op = draw(st.sampled_from(["in", "notIn"]))
        items = draw(st.lists(scalars, max_size=4))
        return f"{left} {op} [{(',' + draw(tight)).join(items)}]"
    if kind == 2:
        method = draw(st.sampled_from(["equals", "contains", "startsWith", "endsWith"]))
        flag = draw(st.sampled_from(["", ", true", ", false", ",false"]))
        return f"{left}.{method}({draw(st.one_of(strings, paths()))}{flag})"
    if kind == 3:
        return f"{left}.{draw(st.sampled_from(['isNull', 'isNotNull']))}()"
    return left


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda a, s, op, b: f"{a}{s}{op}{s}{b}", children, space, st.sampled_from(["and", "or"]), children),
        children.map(lambda c: f"({c})"),
        children.map(lambda c: f"not({c})"),
        children.map(lambda c: f"!({c})"),
        children.map(lambda c: f"not {c}"),
    )


expressions = st.recursive(conditions(), _combine, max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(expressions)
def test_text_json_text_json_is_stable(text: str) -> None:
    tree = compile_text(text)
    written = explain(tree)
    again = compile_text(written)
    assert canonical(again) == canonical(tree)
    assert explain(again) == written


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab.$1 ()[],="\\!<>=nodtruefalsin')), max_size=30))
def test_arbitrary_text_compiles_or_raises_pql_error(text: str) -> None:
    try:
        tree = compile_text(text)
    except PqlError as error:
        assert 0 <= error.offset <= len(text)
    else:
        assert canonical(compile_text(explain(tree))) == canonical(tree)
