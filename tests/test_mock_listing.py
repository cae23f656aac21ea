"""Listing (with paging), reading and deleting segment definitions, and cancelling jobs, on the mock."""

from __future__ import annotations

import io
from typing import Any

import pytest

from pmforge.mock import MockServer, start_mock
from pmforge.mock.client import AepSession, send

ORG = "A1B2C3D4E5F6@AdobeOrg"
EXPRESSION = {"type": "PQL", "format": "pql/text", "value": 'person.gender in ["female"]'}
PROBLEM_404 = {"type": "/placeholder/type/uri", "status": 404, "title": "NotFoundError"}


def definition(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "expression": EXPRESSION, "schema": {"name": "_xdm.context.profile"}, **extra}


def create(session: AepSession, *names: str, sandbox: str | None = None) -> list[str]:
    ids = []
    for name in names:
        reply = session.post("/segment/definitions", definition(name), sandbox=sandbox)
        assert reply.status == 200, reply.body
        ids.append(reply.body["id"])
    return ids


@pytest.fixture()
def session(mock: MockServer) -> AepSession:
    return AepSession(mock.url, org=ORG, sandbox="alice-sbx")


def test_an_empty_sandbox_lists_nothing(session: AepSession) -> None:
    reply = session.get("/segment/definitions")
    assert (reply.status, reply.headers["content-type"], reply.body) == (200, "application/json", {
        "segments": [], "page": {"totalCount": 0, "totalPages": 0, "pageOffset": 0, "pageSize": 0},
        "link": {"next": ""}})


def test_pages_follow_link_next_to_the_end_in_creation_order(session: AepSession) -> None:
    names = [f"def {n}" for n in range(7)]
    ids = create(session, *names)
    create(session, "bob's", sandbox="bob-sbx")
    seen: list[tuple[list[str], dict[str, int], str]] = []
    path = "/segment/definitions?limit=3"
    while path:
        body = session.get(path).body
        seen.append(([d["name"] for d in body["segments"]], body["page"], body["link"]["next"]))
        path = body["link"]["next"]
    assert seen == [
        (names[0:3], {"totalCount": 7, "totalPages": 3, "pageOffset": 0, "pageSize": 3},
         "/segment/definitions?start=3&limit=3"),
        (names[3:6], {"totalCount": 7, "totalPages": 3, "pageOffset": 3, "pageSize": 3},
         "/segment/definitions?start=6&limit=3"),
        (names[6:7], {"totalCount": 7, "totalPages": 3, "pageOffset": 6, "pageSize": 1}, ""),
    ]
    listed = session.get("/segment/definitions").body["segments"]
    assert listed == [session.get(f"/segment/definitions/{i}").body for i in ids]


@pytest.mark.parametrize(
    ("query", "names", "offset", "next_link"),
    [
        ("page=1&limit=2", ["d2", "d3"], 2, "/segment/definitions?start=4&limit=2"),
        ("start=1&page=1&limit=2", ["d3", "d4"], 3, ""),
        ("start=9", [], 9, ""),
        ("limit=2&sort=name:desc", ["d4", "d3"], 0, "/segment/definitions?start=2&limit=2&sort=name%3Adesc"),
        ("start=2&limit=2&sort=name%3Adesc", ["d2", "d1"], 2, "/segment/definitions?start=4&limit=2&sort=name%3Adesc"),
        ("sort=description:asc,name:desc", ["d4", "d3", "d2", "d1", "d0"], 0, ""),
    ],
)
def test_start_page_limit_and_sort(session: AepSession, query: str, names: list[str], offset: int,
                                   next_link: str) -> None:
    create(session, "d0", "d1", "d2", "d3", "d4")
    body = session.get(f"/segment/definitions?{query}").body
    assert ([d["name"] for d in body["segments"]], body["page"]["pageOffset"], body["link"]["next"]) == (
        names, offset, next_link)


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("limit=0", "Query parameter limit must be an integer of at least 1, not '0'."),
        ("limit=ten", "Query parameter limit must be an integer of at least 1, not 'ten'."),
        ("start=-1", "Query parameter start must be an integer of at least 0, not '-1'."),
        ("page=1.5", "Query parameter page must be an integer of at least 0, not '1.5'."),
        ("sort=owner:asc", "Query parameter sort must be FIELD:asc or FIELD:desc, FIELD one of name, id, description, "
                           "creationTime, updateTime, updateEpoch; not 'owner:asc'."),
        ("sort=name:up", "Query parameter sort must be FIELD:asc or FIELD:desc, FIELD one of name, id, description, "
                         "creationTime, updateTime, updateEpoch; not 'name:up'."),
    ],
)
def test_bad_list_queries_are_400(session: AepSession, query: str, detail: str) -> None:
    reply = session.get(f"/segment/definitions?{query}")
    assert (reply.status, reply.body) == (400, {"type": "/placeholder/type/uri", "status": 400,
                                                "title": "BadRequestError", "detail": detail})


def test_max_page_size_cuts_a_bigger_limit() -> None:
    with start_mock(max_page_size=2) as mock:
        session = AepSession(mock.url, org=ORG)
        create(session, "a", "b", "c")
        body = session.get("/segment/definitions?limit=100").body
    assert ([d["name"] for d in body["segments"]], body["page"], body["link"]["next"]) == (
        ["a", "b"], {"totalCount": 3, "totalPages": 2, "pageOffset": 0, "pageSize": 2},
        "/segment/definitions?start=2&limit=2")


def test_delete_removes_the_definition_and_frees_its_name(mock: MockServer, session: AepSession) -> None:
    keep, gone = create(session, "keep", "gone")
    other = create(session, "gone", sandbox="bob-sbx")[0]
    reply = session.delete(f"/segment/definitions/{gone}")
    assert (reply.status, reply.body) == (200, {"status": True, "message": f"Segment definition {gone} deleted."})
    assert session.get(f"/segment/definitions/{gone}").status == 404
    assert [d["id"] for d in session.get("/segment/definitions").body["segments"]] == [keep]
    assert session.get(f"/segment/definitions/{other}", sandbox="bob-sbx").status == 200
    assert session.post("/segment/definitions", definition("gone")).status == 200


def test_delete_of_unknown_or_another_sandboxs_definition_is_404(mock: MockServer, session: AepSession) -> None:
    bobs = create(session, "bob's", sandbox="bob-sbx")[0]
    for target in ("nope", bobs):
        reply = session.delete(f"/segment/definitions/{target}")
        assert (reply.status, reply.body) == (404, {
            **PROBLEM_404, "detail": f"Segment definition {target!r} not found in sandbox 'alice-sbx'."})
    assert [d["name"] for d in mock.state.definitions()] == ["bob's"]


def test_cancel_moves_a_job_through_cancelling_to_cancelled(session: AepSession) -> None:
    segment = create(session, "women")[0]
    job = session.post("/segment/jobs", [{"segmentId": segment}]).body
    reply = session.delete(f"/segment/jobs/{job['id']}")
    assert (reply.status, reply.raw, reply.headers.get("content-length"), reply.headers.get("content-type")) == (
        204, b"", None, None)
    polled = [session.get(f"/segment/jobs/{job['id']}").body for _ in range(3)]
    assert [p["status"] for p in polled] == ["CANCELLING", "CANCELLED", "CANCELLED"]
    assert polled[-1]["errors"] == []
    assert "segmentedProfileCounter" not in polled[-1]["metrics"]
    assert polled[-1]["metrics"]["totalTime"]["endTimeInMs"] >= polled[-1]["metrics"]["totalTime"]["startTimeInMs"]
    assert session.delete(f"/segment/jobs/{job['id']}").status == 204  # again: nothing changes
    assert session.get(f"/segment/jobs/{job['id']}").body["status"] == "CANCELLED"


def test_cancelling_a_finished_job_leaves_it_finished() -> None:
    with start_mock(polls_to_finish=1) as mock:
        session = AepSession(mock.url, org=ORG)
        job = session.post("/segment/jobs", [{"segmentId": create(session, "w")[0]}]).body
        assert session.get(f"/segment/jobs/{job['id']}").body["status"] == "SUCCEEDED"
        assert session.delete(f"/segment/jobs/{job['id']}").status == 204
        assert session.get(f"/segment/jobs/{job['id']}").body["status"] == "SUCCEEDED"


def test_cancel_of_unknown_or_another_sandboxs_job_is_404(session: AepSession) -> None:
    segment = create(session, "women", sandbox="bob-sbx")[0]
    bobs = session.post("/segment/jobs", [{"segmentId": segment}], sandbox="bob-sbx").body["id"]
    for target in ("nope", bobs):
        reply = session.delete(f"/segment/jobs/{target}")
        assert (reply.status, reply.body) == (404, {
            **PROBLEM_404, "detail": f"Segment job {target!r} not found in sandbox 'alice-sbx'."})
    assert session.get(f"/segment/jobs/{bobs}", sandbox="bob-sbx").body["status"] == "PROCESSING"


def test_object_form_job_with_star_covers_every_definition_of_the_sandbox(session: AepSession) -> None:
    ids = create(session, "a", "b")
    create(session, "c", sandbox="bob-sbx")
    reply = session.post("/segment/jobs", {"schema": {"name": "_xdm.context.profile"},
                                           "segments": [{"segmentId": "*"}]})
    assert reply.status == 200
    assert [info["segmentId"] for info in reply.body["segments"]] == ids


def test_object_form_job_with_ids_names_the_unknown_one(session: AepSession) -> None:
    known = create(session, "a")[0]
    reply = session.post("/segment/jobs", {"schema": {"name": "_xdm.context.profile"},
                                           "segments": [{"segmentId": known}, {"segmentId": "nope"}]})
    assert reply.status == 400
    assert reply.body["errors"] == [{"path": "$.segments[1].segmentId",
                                     "message": "segment definition 'nope' not found in sandbox 'alice-sbx'"}]


def test_schema_by_id_is_accepted_and_reads_back_with_the_class_name(session: AepSession) -> None:
    reply = session.post("/segment/definitions",
                         {**definition("by id"), "schema": {"id": "https://ns.adobe.com/xdm/context/profile"}})
    assert reply.status == 200
    assert reply.body["schema"] == {"id": "https://ns.adobe.com/xdm/context/profile", "name": "_xdm.context.profile"}


def test_unknown_fields_are_accepted_and_noted_in_the_log() -> None:
    log = io.StringIO()
    with start_mock(quiet=False, log=log) as mock:
        session = AepSession(mock.url, org=ORG, sandbox="alice-sbx")
        created = session.post("/segment/definitions", definition(
            "alice", createdBy="alice", ttlInDays="90", expression={**EXPRESSION, "version": 2}))
        plain = session.post("/segment/definitions", definition("plain"))
        job = session.post("/segment/jobs", [{"segmentId": created.body["id"], "priority": "high"}])
        records = [(r.path, r.status, r.notes) for r in mock.records()]
    assert (created.status, created.body["createdBy"], created.body["ttlInDays"]) == (200, "alice", "90")
    assert (plain.status, job.status) == (200, 200)
    assert records[1:] == [
        ("/data/core/ups/segment/definitions", 200,
         ("accepted fields AEP's docs do not name: $.expression.version, $.createdBy, $.ttlInDays",)),
        ("/data/core/ups/segment/definitions", 200, ()),
        ("/data/core/ups/segment/jobs", 200, ("accepted fields AEP's docs do not name: $[0].priority",)),
    ]
    lines = log.getvalue().splitlines()
    assert lines[1].startswith("POST /data/core/ups/segment/definitions 200 ")
    assert lines[1].endswith(" sandbox=alice-sbx note: accepted fields AEP's docs do not name: "
                             "$.expression.version, $.createdBy, $.ttlInDays")
    assert lines[2].endswith("sandbox=alice-sbx")


def test_the_generators_own_check_stays_closed() -> None:
    """The mock's leniency is its own: what pmforge sends is still checked with the closed schema."""
    from pmforge.mock.validation import schema_errors

    assert schema_errors("segment-definition.schema.json", {**definition("x"), "nmae": "typo"}) != []
    assert schema_errors("aep-segment-definition.schema.json", {**definition("x"), "nmae": "typo"}) == []


def test_list_needs_the_gateways_headers(mock: MockServer) -> None:
    reply = send("GET", f"{mock.url}/data/core/ups/segment/definitions")
    assert (reply.status, reply.body) == (403, {"error_code": "403010", "message": "Oauth token is missing."})
