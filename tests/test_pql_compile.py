"""PQL text -> pql/json: shapes, precedence, literals, escapes, and every refusal."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pmforge.pql import PqlError, compile_text

PROFILE = {"nodeType": "literal", "literalType": "XDMObject", "value": "profile"}
PARAM = {"nodeType": "parameterReference", "position": 1}


def path(dotted: str, root: dict[str, Any] = PROFILE) -> dict[str, Any]:
    node = root
    for name in dotted.split("."):
        node = {"nodeType": "fieldLookup", "fieldName": name, "object": node}
    return node


def lit(kind: str, value: Any) -> dict[str, Any]:
    return {"nodeType": "literal", "literalType": kind, "value": value}


def fn(name: str, *params: dict[str, Any]) -> dict[str, Any]:
    return {"nodeType": "fnApply", "fnName": name, "params": list(params)}


def same(a: Any, b: Any) -> bool:
    """Equal including int-vs-float, which == alone would not see."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_course_expression_is_exactly_the_course_tree() -> None:
    course = {
        "nodeType": "fnApply", "fnName": "in",
        "params": [
            {"nodeType": "fieldLookup", "fieldName": "gender",
             "object": {"nodeType": "fieldLookup", "fieldName": "person",
                        "object": {"nodeType": "literal", "literalType": "XDMObject", "value": "profile"}}},
            {"literalType": "List", "nodeType": "literal", "value": ["female"]},
        ],
    }
    assert same(compile_text('person.gender in ["female"]'), course)


def test_dollar_one_prefix_gives_parameter_reference_root() -> None:
    assert same(compile_text('$1.workAddress.country = "US"'),
                fn("=", path("workAddress.country", PARAM), lit("String", "US")))


def test_roots_are_per_path() -> None:
    assert same(compile_text("$1.a = b"), fn("=", path("a", PARAM), path("b")))


def test_paths_nest_from_the_outside_in() -> None:
    tree = compile_text("a.b.c = 1")["params"][0]
    assert [tree["fieldName"], tree["object"]["fieldName"], tree["object"]["object"]["fieldName"]] == ["c", "b", "a"]
    assert tree["object"]["object"]["object"] == PROFILE


def test_map_lookups_chain() -> None:
    text = 'segmentMembership.get("ups").get("f7d8").status in ["realized", "existing"]'
    ups = fn("get", path("segmentMembership"), lit("String", "ups"))
    status = {"nodeType": "fieldLookup", "fieldName": "status", "object": fn("get", ups, lit("String", "f7d8"))}
    assert same(compile_text(text), fn("in", status, lit("List", ["realized", "existing"])))


@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">="])
def test_comparison_operators(op: str) -> None:
    assert same(compile_text(f"a {op} 1"), fn(op, path("a"), lit("Integer", 1)))
    assert same(compile_text(f"a{op}b"), fn(op, path("a"), path("b")))


@pytest.mark.parametrize("op", ["in", "notIn"])
def test_membership_operators(op: str) -> None:
    assert same(compile_text(f'a {op} ["x", 2, 2.5, true]'),
                fn(op, path("a"), lit("List", ["x", 2, 2.5, True])))
    assert same(compile_text(f"a {op} []"), fn(op, path("a"), lit("List", [])))


@pytest.mark.parametrize("method", ["equals", "contains", "startsWith", "endsWith"])
def test_string_methods_always_carry_the_case_flag(method: str) -> None:
    assert same(compile_text(f'a.{method}("x")'), fn(method, path("a"), lit("String", "x"), lit("Boolean", True)))
    assert same(compile_text(f'a.{method}("x", false)'),
                fn(method, path("a"), lit("String", "x"), lit("Boolean", False)))
    assert same(compile_text(f"a.{method}(b.c, true)"), fn(method, path("a"), path("b.c"), lit("Boolean", True)))


@pytest.mark.parametrize("method", ["isNull", "isNotNull"])
def test_null_methods(method: str) -> None:
    assert same(compile_text(f"a.b.{method}()"), fn(method, path("a.b")))


def test_and_or_chains_are_one_node_with_n_params() -> None:
    a, b, c = (fn("=", path(n), lit("Integer", 1)) for n in "abc")
    assert same(compile_text("a = 1 and b = 1 and c = 1"), fn("and", a, b, c))
    assert same(compile_text("a = 1 or b = 1 or c = 1"), fn("or", a, b, c))


def test_parentheses_keep_their_grouping() -> None:
    a, b, c = path("a"), path("b"), path("c")
    assert same(compile_text("(a and b) and c"), fn("and", fn("and", a, b), c))
    assert same(compile_text("a and (b and c)"), fn("and", a, fn("and", b, c)))
    assert same(compile_text("((a))"), a)


@pytest.mark.parametrize(("text", "expected"), [
    ("a or b and c", fn("or", path("a"), fn("and", path("b"), path("c")))),
    ("a and b or c", fn("or", fn("and", path("a"), path("b")), path("c"))),
    ("(a or b) and c", fn("and", fn("or", path("a"), path("b")), path("c"))),
    ("not a and b", fn("and", fn("not", path("a")), path("b"))),
    ("not(a) or b", fn("or", fn("not", path("a")), path("b"))),
    ("not a = 1", fn("not", fn("=", path("a"), lit("Integer", 1)))),
    ("not not a", fn("not", fn("not", path("a")))),
    ("!(a)", fn("not", path("a"))),
    ("not(a or b)", fn("not", fn("or", path("a"), path("b")))),
    ("a = 1 and b != 2", fn("and", fn("=", path("a"), lit("Integer", 1)), fn("!=", path("b"), lit("Integer", 2)))),
    ("(not(a)) = true", fn("=", fn("not", path("a")), lit("Boolean", True))),
    ('a.contains("x") = false', fn("=", fn("contains", path("a"), lit("String", "x"), lit("Boolean", True)),
                                    lit("Boolean", False))),
])
def test_precedence(text: str, expected: dict[str, Any]) -> None:
    assert same(compile_text(text), expected)


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("42", "Integer", 42),
    ("-7", "Integer", -7),
    ("2.5", "Double", 2.5),
    ("-0.125", "Double", -0.125),
    ("1e3", "Double", 1000),
    ("2.0", "Double", 2),  # integral Doubles are JSON integers, as AEP writes them
    ("true", "Boolean", True),
    ("false", "Boolean", False),
    ('"x"', "String", "x"),
])
def test_literals(text: str, kind: str, value: Any) -> None:
    assert same(compile_text(f"a = {text}")["params"][1], lit(kind, value))


def test_list_items_keep_python_types() -> None:
    assert same(compile_text("a in [1, 1.0, -2.5, false]")["params"][1], lit("List", [1, 1.0, -2.5, False]))


@pytest.mark.parametrize(("source", "value"), [
    (r'"say \"hi\""', 'say "hi"'),
    (r'"back\\slash"', "back\\slash"),
    (r'"line\nbreak\ttab"', "line\nbreak\ttab"),
    (r'"\u00e9t\u00C9"', "étÉ"),
    (r'"\ud83d\ude00"', "\U0001F600"),
    ('"日本語 ümlaut 😀"', "日本語 ümlaut 😀"),
    ('"raw\nnewline"', "raw\nnewline"),
    ('""', ""),
])
def test_string_escapes(source: str, value: str) -> None:
    assert compile_text(f"a = {source}")["params"][1]["value"] == value


@pytest.mark.parametrize("source", [r'"\ud800"', r'"\ude00\ud83d"', r'"x\udfff"'])
def test_a_lone_surrogate_escape_is_refused(source: str) -> None:
    """Half a UTF-16 pair is no character: no file, terminal or reply in UTF-8 can carry it."""
    with pytest.raises(PqlError, match="half of a UTF-16 surrogate pair") as error:
        compile_text(f"a = {source}")
    assert error.value.offset == 4


def test_whitespace_and_newlines_are_free() -> None:
    assert same(compile_text("\n  a\t=\n1  "), compile_text("a = 1"))


@pytest.mark.parametrize(("text", "name", "offset"), [
    ('a like "%x%"', "`like`", 2),
    ("exists e from xEvent where e.x = 1", "`exists`", 0),
    ("forall e", "`forall`", 0),
    ("select e from xEvent", "`select`", 0),
    ("CHAIN(xEvent, timestamp, [])", "`CHAIN(…)`", 0),
    ("if(a, b, c)", "`if(…)`", 0),
    ("a > date(2020, 1, 1)", "`date(…)`", 4),
    ("a < now", "`now`", 4),
    ("a > today", "`today`", 4),
    ("a occurs before this", "`occurs`", 2),
    ("a = 3 days", "`days`", 6),
    ('a.matches("^x")', "method `.matches()`", 2),
    ('a.intersects(["x"])', "method `.intersects()`", 2),
    ('a.notEqualTo("x")', "method `.notEqualTo()`", 2),
    ("a.distinct() = 1", "method `.distinct()`", 2),
    ("a.frobnicate()", "method `.frobnicate()`", 2),
    ("count(a) > 1", "`count(…)`", 0),
    ("$2.a = 1", "`$2` (only the profile, `$1`)", 0),
    ('(a like "x")', "`like`", 3),
])
def test_refusals_name_the_construct(text: str, name: str, offset: int) -> None:
    with pytest.raises(PqlError) as caught:
        compile_text(text)
    error = caught.value
    assert error.message == f"{name} is outside the PQL subset pmforge compiles; send it as pql/text"
    assert (error.offset, error.rule) == (offset, "pql-unsupported")


# Plainly broken: blank, unfinished, an open string, unpaired brackets. No PQL reader takes these.
@pytest.mark.parametrize(("text", "message", "offset"), [
    ("a =", "expected a field path or a value, found end of expression", 3),
    ("", "expected a field path or a value, found end of expression", 0),
    ("(a = 1", "expected `)` or an operator, found end of expression", 6),
    ("a = 1)", "unbalanced `)`", 5),
    ('a = "x', 'unterminated string: expected `"` before end of expression', 4),
    ("a = 1e999", "number out of range", 4),
])
def test_plainly_broken_text_is_an_error_that_says_what_was_expected(text: str, message: str, offset: int) -> None:
    with pytest.raises(PqlError) as caught:
        compile_text(text)
    assert (caught.value.message, caught.value.offset) == (message, offset)
    assert caught.value.rule in ("pql-syntax", "pql-value")


# Anything else pmforge cannot compile is outside its subset (issue 10): the parser's hint stays, and
# the way out is named. As pql/text it travels; AEP judges it.
@pytest.mark.parametrize(("text", "message", "offset"), [
    ("a = 1 b", "expected an operator, `and`, `or` or end of expression, found `b`", 6),
    (r'a = "\q"', r'unknown escape `\q` in string; use \" \\ \n \t or \uXXXX', 5),
    (r'a = "\u12"', "expected 4 hex digits after `\\u`", 5),
    ("a == 1", "`==` is not PQL; equality is `=`", 2),
    ("a = 'x'", "PQL strings use double quotes", 4),
    ("a = 1 && b", "`&&` is not PQL; use `and`", 6),
    ("a = 1 AND b", "PQL keywords are case-sensitive: write `and`", 6),
    ("a notin [1]", "PQL keywords are case-sensitive: write `notIn`", 2),
    ("a = 1 = 2", "comparisons do not chain: `=` after `=`; join them with `and`", 6),
    ("not(a) = 1", "`not(…) = …` is ambiguous: write `not((…) = …)` or `(not(…)) = …`", 7),
    ('a.contains("x").b', "nothing can follow `.contains(…)`, which gives a boolean", 15),
    ("a.contains(5)", "expected a string or a field path in `.contains(…)`, found `5`", 11),
    ('a.contains("x", 1)', "expected `true` or `false` (case sensitivity) in `.contains(…)`, found `1`", 16),
    ("a.get(b)", "expected a string key in `.get(…)`, found `b`", 6),
    ("a.isNull(1)", "expected `)` to close `.isNull(`, found `1`", 9),
    ("a in [1,]", "expected a string, number or boolean in the list, found `]`", 8),
    ("a in [b]", "expected a string, number or boolean in the list, found `b`", 6),
    ("a in [1 2]", "expected `,` or `]` in the list, found `2`", 8),
    ("a = 1.", "malformed number `1.`", 4),
    ("a = 12ab", "malformed number `12a`", 4),
    ("a = #", "unexpected character `#`", 4),
    ("$1 = 1", "expected `.` after `$1`, found `=`", 3),
    ("a. = 1", "expected a field or method name after `.`, found `=`", 3),
    ("and = 1", "expected a field path or a value, found `and`", 0),
    ("a = not b", "expected a field path or a value, found `not`", 4),
    ("!a", "expected `(` after `!`, found `a`", 1),
    ('"x".contains("y")', "expected an operator, `and`, `or` or end of expression, found `.`", 3),
])
def test_text_pmforge_cannot_compile_is_outside_the_subset(text: str, message: str, offset: int) -> None:
    with pytest.raises(PqlError) as caught:
        compile_text(text)
    assert (caught.value.message, caught.value.offset) == (
        message + "; outside the PQL subset pmforge compiles: send it as pql/text", offset)
    assert caught.value.rule == "pql-unsupported"


def test_pql_error_is_an_exception_with_fields() -> None:
    error = PqlError("boom", 3, rule="pql-field")
    assert (str(error), error.message, error.offset, error.rule) == ("boom", "boom", 3, "pql-field")
