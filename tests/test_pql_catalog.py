"""The field catalog and the checker: unknown fields, impossible literals, offsets."""

from __future__ import annotations

import json

import jsonschema
import pytest

from pmforge.pql import PqlError, PqlIssue, compile_text
from pmforge.pql.catalog import Catalog, FieldInfo, check_text, check_tree, load_catalog
from pmforge.resources import schema_path

TENANT = {"fields": {"_tenant.loyaltyTier": {"type": "string", "enum": ["gold", "silver"]},
                     "_tenant.visits": {"type": "integer"}}}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(TENANT)


def test_builtin_catalog_follows_its_schema() -> None:
    schema = json.loads(schema_path("pql-fields.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads(schema_path("pql-fields.json").read_text(encoding="utf-8")), schema)


@pytest.mark.parametrize(("path", "type_"), [
    ("person.name.firstName", "string"), ("person.name.lastName", "string"), ("person.gender", "string"),
    ("person.birthDate", "date"), ("person.birthYear", "integer"), ("homeAddress.city", "string"),
    ("homeAddress.countryCode", "string"), ("workAddress.country", "string"), ("personalEmail.address", "string"),
    ("mobilePhone.number", "string"), ("identityMap", "map"), ("segmentMembership", "map"),
    ("loyalty.tier", "string"), ("loyalty.points", "number"), ("loyalty.joinDate", "date-time"),
    ("loyalty.loyaltyID", "array"), ("testProfile", "boolean"), ("person", "object"),
])
def test_builtin_catalog_knows_course_fields(path: str, type_: str) -> None:
    assert load_catalog().get(path).type == type_


def test_gender_values_are_closed() -> None:
    assert load_catalog().get("person.gender").enum == ("male", "female", "not_specified", "non_specific")


E, W = "error", "warning"


@pytest.mark.parametrize(("text", "expected"), [
    ('person.gender in ["female"]', []),
    ('$1.person.gender = "male" and person.birthYear >= 1980', []),
    ('person.gendr = "male"', [(0, "unknown field `person.gendr`; did you mean `person.gender`?", "pql-field", E)]),
    ('$1.person.gendr = "male"', [(0, "unknown field `person.gendr`; did you mean `person.gender`?", "pql-field", E)]),
    ("persn.name.firstName.isNull()",
     [(0, "unknown field `persn`; did you mean `person`?", "pql-field", E)]),
    ('x = 1 and  person.gender in ["femal", "male"]',
     [(0, "unknown field `x`", "pql-field", E),
      (29, '`"femal"` is not an allowed value of `person.gender`; did you mean `female`? '
           "(allowed: male, female, not_specified, non_specific)", "pql-value", E)]),
    ('person.gender != "unknown"',
     [(17, '`"unknown"` is not an allowed value of `person.gender` '
           "(allowed: male, female, not_specified, non_specific)", "pql-value", E)]),
    ('person.birthYear < "1980"', [(19, '`person.birthYear` holds integers; `"1980"` is a string', "pql-value", E)]),
    ("person.birthYear = 1980.5", [(19, "`person.birthYear` holds integers; `1980.5` has a fraction", "pql-value", E)]),
    ("loyalty.points > 10.5", []),
    ('"x" = loyalty.points', [(0, '`loyalty.points` holds numbers; `"x"` is a string', "pql-value", E)]),
    ("person.name.firstName = 5", [(24, "`person.name.firstName` holds strings; `5` is a number", "pql-value", E)]),
    ('person.birthDate < "1980-01-01"',
     [(19, "`person.birthDate` is a date: `<` against a string compares text, not time; date(...) and relative "
           "time are outside the pmforge subset, send this as pql/text", "pql-value", E)]),
    ("person.birthDate > 1980", [(19, "`person.birthDate` holds dates; `1980` is a number", "pql-value", E)]),
    ('person.birthDate = "1980-02-30"', [(19, '`"1980-02-30"` is not a date (YYYY-MM-DD)', "pql-value", E)]),
    ('loyalty.joinDate = "2024-01-31T09:00:00Z"', []),
    ('loyalty.joinDate = "2024-01-31"',
     [(19, '`"2024-01-31"` is not a date-time (ISO 8601, e.g. 2024-01-31T09:00:00Z)', "pql-value", E)]),
    ('testProfile = "yes"', [(14, '`testProfile` holds booleans; `"yes"` is a string', "pql-value", E)]),
    ("testProfile > true", [(14, "`testProfile` is a boolean; `>` does not order booleans", "pql-value", E)]),
    ('person.name = "x"', [(14, "`person.name` is an object; compare one of its fields, not a value", "pql-value", E)]),
    ('homeAddress.country in "US"', [(23, '`in` needs a list, e.g. `["a", "b"]`', "pql-value", E)]),
    ('workAddress.country = ["US"]', [(22, "a list cannot be compared with `=`; use `in` or `notIn`", "pql-value", E)]),
    ('segmentMembership.get("ups").get("f7d8").status in ["realized", "bogus"]', []),
    ('identityMap.get("ECID").anything.isNotNull()', []),
    ('person.name.get("x").y = 1',
     [(0, "`.get()` looks up a key in a map; `person.name` is an object", "pql-field", E)]),
    ('person.birthYear.contains("19")',
     [(0, "`.contains()` compares strings; `person.birthYear` is an integer", "pql-field", E)]),
    ('person.name.lastName.startsWith(person.birthYear)',
     [(32, "`.startsWith()` compares strings; `person.birthYear` is an integer", "pql-field", E)]),
    ('person.gender.equals("FEMALE", false)', []),
    ('person.gender.equals("FEMALE")',
     [(21, '`"FEMALE"` is not an allowed value of `person.gender` '
           "(allowed: male, female, not_specified, non_specific)", "pql-value", E)]),
    ('person.taxId = "x"', [(0, "`person.taxId` is deprecated in XDM", "pql-field", W)]),
    ('_tenant.loyaltyTier = "gold" and _tenant.visits > 3', []),
    ('_tenant.loyaltyTer = "gold"',
     [(0, "unknown field `_tenant.loyaltyTer`; did you mean `_tenant.loyaltyTier`?", "pql-field", E)]),
    ('_tenant.loyaltyTier in ["bronze"]',
     [(24, '`"bronze"` is not an allowed value of `_tenant.loyaltyTier` (allowed: gold, silver)', "pql-value", E)]),
    ("_acme.points = 2", [(0, "tenant namespace `_acme` is not in the field catalog; declare its fields in a "
                              "catalog extension", "pql-field", W)]),
    ("person.gender.x = 1", [(0, "unknown field `person.gender.x`; did you mean `person.gender`?", "pql-field", E)]),
    ('a like "x"', [(2, "`like` is outside the PQL subset pmforge compiles; send it as pql/text",
                     "pql-unsupported", W)]),
    ("a =", [(3, "expected a field path or a value, found end of expression", "pql-syntax", E)]),
])
def test_check_text(catalog: Catalog, text: str, expected: list[tuple[int, str, str, str]]) -> None:
    assert check_text(text, catalog) == [PqlIssue(*issue) for issue in expected]


def test_offsets_point_into_multiline_text(catalog: Catalog) -> None:
    text = 'person.gender = "male"\n  and person.gendr = "x"'
    [issue] = check_text(text, catalog)
    assert text[issue.offset:].startswith("person.gendr")


def test_check_tree_has_no_offsets(catalog: Catalog) -> None:
    assert check_tree(compile_text('person.gender in ["female"]'), catalog) == []
    assert check_tree(compile_text('person.gender in ["femal"]'), catalog)[0].offset == 0
    assert check_tree({"nodeType": "select"}, catalog)[0].rule == "pql-unsupported"


def test_check_text_loads_the_builtin_catalog_by_default() -> None:
    assert check_text("person.gendr = 1")[0].message.startswith("unknown field `person.gendr`")


@pytest.mark.parametrize(("extra", "message"), [
    ({}, "field catalog: 'fields' is a required property (at top level)"),
    ({"fields": {"a": {"type": "text"}}}, "field catalog: 'text' is not one of "),
    ({"fields": {"bad-name": {"type": "string"}}}, "field catalog: 'bad-name' does not match "),
    ({"fields": {"a": {"type": "string", "items": "string"}}}, "field catalog: "),
    ({"fields": {"person.gender.x": {"type": "string"}}},
     "field catalog: `person.gender.x` lies under `person.gender`, which is a string, not an object"),
])
def test_bad_catalog_extensions_are_refused(extra: dict, message: str) -> None:
    with pytest.raises(PqlError) as caught:
        load_catalog(extra)
    assert caught.value.message.startswith(message)
    assert caught.value.rule == "pql-catalog"


def test_extension_parents_are_implied() -> None:
    catalog = Catalog([FieldInfo("_t.a.b", "string")])
    assert catalog.get("_t.a") == FieldInfo("_t.a", "object")
    assert "_t" in catalog and len(catalog) == 3
