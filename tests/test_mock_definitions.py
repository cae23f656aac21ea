"""Creating and reading segment definitions on the mock."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import pytest

from pmforge.mock import MockServer, check_pql_text
from pmforge.mock.client import AepSession, send

ORG = "A1B2C3D4E5F6@AdobeOrg"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# The course's tree (REFERENCE.md §3.4): person.gender in ["female"].
COURSE_TREE = {
    "nodeType": "fnApply", "fnName": "in",
    "params": [
        {"nodeType": "fieldLookup", "fieldName": "gender",
         "object": {"nodeType": "fieldLookup", "fieldName": "person",
                    "object": {"nodeType": "literal", "literalType": "XDMObject", "value": "profile"}}},
        {"nodeType": "literal", "literalType": "List", "value": ["female"]},
    ],
}
PROBLEM = {"type": "/placeholder/type/uri", "status": 400, "title": "BadRequestError"}


def course_body(name: str = "alice - API - All Female Customer", *, tree: Any = COURSE_TREE) -> dict[str, Any]:
    value = tree if isinstance(tree, str) else json.dumps(tree, separators=(",", ":"))
    return {"name": name, "expression": {"type": "PQL", "format": "pql/json", "value": value},
            "createdBy": "alice", "schema": {"name": "_xdm.context.profile"}, "ttlInDays": 90}


@pytest.fixture()
def session(mock: MockServer) -> AepSession:
    return AepSession(mock.url, org=ORG, sandbox="alice-sbx")


def test_course_definition_is_created(mock: MockServer, session: AepSession) -> None:
    body = course_body()
    reply = session.post("/segment/definitions", body)
    assert reply.status == 200
    created = reply.body
    assert UUID.match(created["id"])
    assert reply.headers["x-location"] == f"{mock.url}/data/core/ups/segment/definitions/{created['id']}"
    assert created["imsOrgId"] == ORG
    assert created["sandbox"]["sandboxName"] == "alice-sbx"
    assert created["sandbox"]["type"] == "development"
    assert created["sandbox"]["default"] is False
    assert UUID.match(created["sandbox"]["sandboxId"])
    for key in ("name", "expression", "schema", "createdBy", "ttlInDays"):
        assert created[key] == body[key]
    assert UUID.match(created["mergePolicyId"])
    assert created["evaluationInfo"] == {"batch": {"enabled": True}, "continuous": {"enabled": False},
                                         "synchronous": {"enabled": False}}
    assert created["creationTime"] == created["updateTime"]
    assert created["updateEpoch"] == created["updateTime"] // 1000
    assert created["profileInstanceId"] == "ups"


def test_prod_is_the_default_production_sandbox(session: AepSession) -> None:
    created = session.post("/segment/definitions", course_body(), sandbox="prod").body
    assert created["sandbox"]["type"] == "production"
    assert created["sandbox"]["default"] is True


def test_pql_text_is_accepted(session: AepSession) -> None:
    body = {"name": "text one", "expression": {"type": "PQL", "format": "pql/text",
                                               "value": 'workAddress.country = "US"'},
            "schema": {"name": "_xdm.context.profile"}}
    assert session.post("/segment/definitions", body).status == 200


@pytest.mark.parametrize(
    ("text", "status", "message"),
    [
        ('person.gender in ["female"', 400, "invalid PQL at character 27: expected `,` or `]` in the list, found end of expression"),
        ('person.name.lastName like "%son"', 200, None),  # beyond the compiler's subset: AEP judges it
        ('person.gender in ["female"] and homeAddress.city = "Basel"', 200, None),
    ],
)
def test_pql_text_goes_through_the_generators_compiler(session: AepSession, text: str, status: int, message: str | None) -> None:
    assert check_pql_text(text) == message
    body = {"name": f"text {text}", "expression": {"type": "PQL", "format": "pql/text", "value": text},
            "schema": {"name": "_xdm.context.profile"}}
    assert session.post("/segment/definitions", body).status == status


def test_blank_pql_text_goes_through_check_pql_text(session: AepSession) -> None:
    assert check_pql_text("   ") == "PQL text is blank"
    assert check_pql_text('a = "b"') is None
    body = {"name": "blank", "expression": {"type": "PQL", "format": "pql/text", "value": "  "},
            "schema": {"name": "_xdm.context.profile"}}
    reply = session.post("/segment/definitions", body)
    assert (reply.status, reply.body) == (400, {
        **PROBLEM, "detail": "Invalid segment definition: $.expression.value: PQL text is blank",
        "errors": [{"path": "$.expression.value", "message": "PQL text is blank"}]})


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (course_body(tree='{"nodeType": '),
         [("$.expression.value", "pql/json value is not valid JSON: Expecting value: line 1 column 14 (char 13)")]),
        (course_body(tree={**COURSE_TREE, "nodeType": "fnCall"}),
         [("$.expression.value", "invalid PQL tree at $.nodeType: 'fnCall' is not one of ['fnApply', "
                                 "'fieldLookup', 'literal', 'parameterReference', 'select', 'varDecl', 'varRef', "
                                 "'lambda', 'occurs', 'timeQualification', 'duration', 'chain', 'element']")]),
        (course_body(tree={"nodeType": "fnApply", "fnName": "in"}),
         [("$.expression.value", "invalid PQL tree at $: 'params' is a required property")]),
        (course_body(tree=[1, 2]),
         [("$.expression.value", "invalid PQL tree at $: [1, 2] is not of type 'object'")]),
        ({**course_body(), "description": 7}, [("$.description", "7 is not of type 'string'")]),
        ({key: value for key, value in course_body().items() if key != "name"},
         [("$", "'name' is a required property")]),
        ({**course_body(), "schema": {"name": "_xdm.context.experienceevent"}},
         [("$.schema.name", "'_xdm.context.profile' was expected")]),
        ({**course_body(), "expression": {"type": "ARL", "format": "pql/json", "value": "{}"}},
         [("$.expression.type", "'PQL' was expected")]),
        ({**course_body(), "schema": {}},
         [("$.schema", "{} is not valid under any of the given schemas")]),
        ({**course_body(), "schema": {"id": "https://ns.adobe.com/xdm/context/experienceevent"}},
         [("$.schema.id", "'https://ns.adobe.com/xdm/context/profile' was expected")]),
        ({**course_body(), "expression": {"type": "PQL", "format": "pql/xml", "value": "{}"}},
         [("$.expression.format", "'pql/xml' is not one of ['pql/json', 'pql/text']")]),
        ({**course_body(), "description": 7, "name": ""},
         [("$.description", "7 is not of type 'string'"), ("$.name", "'' should be non-empty")]),
    ],
    ids=["pql-not-json", "unknown-nodeType", "fnApply-without-params", "tree-not-object", "description-number",
         "no-name", "wrong-schema", "arl", "empty-schema", "wrong-schema-id", "unknown-format", "two-errors"],
)
def test_bad_definition_bodies(mock: MockServer, session: AepSession, body: Any,
                               errors: list[tuple[str, str]]) -> None:
    reply = session.post("/segment/definitions", body)
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    assert (reply.status, reply.body) == (400, {
        **PROBLEM, "detail": f"Invalid segment definition: {errors[0][0]}: {errors[0][1]}{more}",
        "errors": [{"path": path, "message": message} for path, message in errors]})
    assert mock.state.definitions() == []


@pytest.mark.parametrize(
    ("raw", "message"),
    [(None, "a JSON request body is required"),
     ('{"name": ', "the request body is not valid JSON: Expecting value: line 1 column 10 (char 9)")],
)
def test_missing_or_broken_json_body(mock: MockServer, session: AepSession, raw: str | None, message: str) -> None:
    reply = send("POST", f"{mock.url}/data/core/ups/segment/definitions", raw, headers=session.headers())
    assert (reply.status, reply.body) == (400, {
        **PROBLEM, "detail": f"Invalid segment definition: $: {message}",
        "errors": [{"path": "$", "message": message}]})


def test_duplicate_name_in_the_same_sandbox_is_422(mock: MockServer, session: AepSession) -> None:
    assert session.post("/segment/definitions", course_body("ldap - API - All Female Customer")).status == 200
    reply = session.post("/segment/definitions", course_body("ldap - API - All Female Customer"))
    assert (reply.status, reply.body) == (422, {
        "type": "/placeholder/type/uri", "status": 422, "title": "UnprocessableEntityError",
        "detail": "A segment definition named 'ldap - API - All Female Customer' already exists in sandbox "
                  "'alice-sbx'. To change it, use PATCH.",
        "errors": [{"path": "$.name", "message": "already exists"}]})
    assert len(mock.state.definitions()) == 1


def test_same_name_in_another_sandbox_or_org_is_fine(mock: MockServer, session: AepSession) -> None:
    name = "ldap - API - All Female Customer"
    assert session.post("/segment/definitions", course_body(name)).status == 200
    assert session.post("/segment/definitions", course_body(name), sandbox="bob-sbx").status == 200
    other_org = AepSession(mock.url, org="F6E5D4C3B2A1@AdobeOrg", sandbox="alice-sbx")
    assert other_org.post("/segment/definitions", course_body(name)).status == 200
    summary = [(d["imsOrgId"], d["sandbox"]["sandboxName"], d["name"], d["createdBy"])
               for d in mock.state.definitions()]
    assert summary == [(ORG, "alice-sbx", name, "alice"), (ORG, "bob-sbx", name, "alice"),
                       ("F6E5D4C3B2A1@AdobeOrg", "alice-sbx", name, "alice")]
    assert [d["sandbox"]["sandboxName"] for d in mock.state.definitions(ORG, "bob-sbx")] == ["bob-sbx"]


def test_get_returns_the_created_definition(session: AepSession) -> None:
    created = session.post("/segment/definitions", course_body()).body
    reply = session.get(f"/segment/definitions/{created['id']}")
    assert (reply.status, reply.body) == (200, created)


def test_get_from_another_sandbox_is_404(session: AepSession) -> None:
    created = session.post("/segment/definitions", course_body()).body
    reply = session.get(f"/segment/definitions/{created['id']}", sandbox="bob-sbx")
    assert (reply.status, reply.body) == (404, {
        "type": "/placeholder/type/uri", "status": 404, "title": "NotFoundError",
        "detail": f"Segment definition '{created['id']}' not found in sandbox 'bob-sbx'."})


def test_get_unknown_definition_is_404(session: AepSession) -> None:
    reply = session.get("/segment/definitions/00000000-0000-0000-0000-000000000000")
    assert reply.status == 404
    assert reply.body["title"] == "NotFoundError"


def test_concurrent_creates_of_one_name_store_it_once(mock: MockServer, session: AepSession) -> None:
    statuses: list[int] = []
    lock = threading.Lock()

    def create() -> None:
        status = session.post("/segment/definitions", course_body("raced")).status
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=create) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [422] * 15
    assert len(mock.state.definitions()) == 1
