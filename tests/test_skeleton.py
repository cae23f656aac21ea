"""The collection rendered once with slots, filled per participant, is the collection rendered for that participant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pmforge import building
from pmforge.rendering import Renderer, canonical, derived_id
from pmforge.roster import Participant
from pmforge.skeleton import Skeleton, Slots
from pmforge.skeleton_text import SkeletonText

DATA = Path(__file__).resolve().parent / "data"
PARTICIPANTS = [Participant("alice", "dev", {}), Participant('zoë "quoted" \\ back', "prod", {"API_KEY": "k\n"})]


def _full_render(renderer: Renderer, participant: Participant) -> dict:
    # The template rendered for this participant alone, as before slots.
    collection_id, _ = renderer.ids(participant)
    renderer._item_id = lambda names: str(derived_id(collection_id, "\0".join(names)))
    from pmforge.rendering import _body
    bodies = [_body(request, body, participant.fields()) for request, body in renderer.requests]
    return renderer._collection(str(collection_id), bodies)


@pytest.mark.parametrize("course", [None, DATA], ids=["bundled", "tests-data"])
def test_slots_filled_are_the_full_render(course: Path | None) -> None:
    plan, problems = building.plan(course, None)
    assert plan is not None, problems
    renderer = plan.renderer
    assert renderer._skeleton() is not None  # the fast path is the one taken
    for participant in PARTICIPANTS:
        filled = renderer.render(participant).collection
        assert filled == _full_render(renderer, participant)


def test_filling_shares_what_does_not_change_and_copies_the_way_to_a_slot() -> None:
    slots = Slots()
    document = {"a": {"big": [1, 2, 3]}, "b": [{"id": slots(lambda c: c)}]}
    skeleton = Skeleton.find(document, slots)
    assert skeleton is not None
    one, two = skeleton.fill("x"), skeleton.fill("y")
    assert (one, two) == ({"a": {"big": [1, 2, 3]}, "b": [{"id": "x"}]}, {"a": {"big": [1, 2, 3]}, "b": [{"id": "y"}]})
    assert one["a"] is document["a"] and one["b"] is not document["b"]


def test_a_marker_inside_a_longer_string_is_no_slot() -> None:
    slots = Slots()
    assert Skeleton.find({"name": "id " + slots(lambda c: c)}, slots) is None


@pytest.mark.parametrize("course", [None, DATA], ids=["bundled", "tests-data"])
def test_the_text_filled_per_participant_is_the_canonical_json_of_the_full_render(course: Path | None) -> None:
    plan, problems = building.plan(course, None)
    assert plan is not None, problems
    renderer = plan.renderer
    participants = [*PARTICIPANTS, Participant("bob", "dev", {"API_KEY": "k", "EXTRA": "\t{{x}}\u2028"})]
    for participant in participants:
        rendered = renderer.render(participant)
        _, environment_id = renderer.ids(participant)
        environment = renderer._environment_document(str(environment_id), f"{renderer.course.name} - {participant.ldap}",
                                                     renderer.environment_values(participant))
        assert rendered.collection_text == canonical(_full_render(renderer, participant))
        assert (rendered.environment, rendered.environment_text) == (environment, canonical(environment))
    # The fast paths are the ones taken: the text once per course, the environment once per list of names.
    assert renderer._written_made and rendered.search is not None
    lists = {tuple(value["key"] for value in renderer.environment_values(participant)) for participant in participants}
    assert len(lists) == 2 and lists <= set(renderer._environments) and all(renderer._environments.values())


def test_a_value_that_is_no_string_is_written_at_the_depth_of_its_slot() -> None:
    slots = Slots()
    document = {"a": [{"form": slots(lambda c: c[0]), "n": 1}], "b": slots(lambda c: c[1]), "c": [slots(lambda c: c[2])]}
    skeleton = Skeleton.find(document, slots)
    assert skeleton is not None
    text = SkeletonText.of(skeleton, canonical(skeleton.document))
    assert text is not None
    for values in (([{"key": "k", "value": 'v"\n'}, {}], {"x": [1, 2.5, None, True]}, "zoë"), ("", [], [[[]], {"a": {}}])):
        assert text.fill(skeleton.values(values)) == canonical(skeleton.filled(skeleton.values(values)))


def test_a_marker_that_is_no_slot_gives_no_text() -> None:
    slots = Slots()
    marker = slots(lambda c: c)
    skeleton = Skeleton.find({"id": marker}, slots)
    assert skeleton is not None
    assert SkeletonText.of(skeleton, canonical({"id": marker, marker: 1})) is None


@pytest.mark.parametrize("looks", ["a\ue0010\ue001b", "a \ue000pmforge-slot-0\ue000"], ids=["source-map", "slot"])
def test_course_text_that_looks_like_a_marker_is_written_as_it_is(cli, tmp_path: Path, looks: str) -> None:
    # The renderer's markers carry a word drawn per process, so no course can spell one. Before, the first value
    # became the collection's name in the reply script, and the second cost the course its skeleton.
    text = (DATA / "course.yaml").read_text(encoding="utf-8")
    written = json.dumps(looks)  # JSON's escapes are YAML's in a double-quoted scalar
    text = text.replace('x-sandbox-name: "{{SANDBOX_NAME}}"\n', f'x-sandbox-name: "{{{{SANDBOX_NAME}}}}"\n  X-Note: {written}\n', 1)
    (tmp_path / "course.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "roster.csv").write_text("ldap\nalice\n", encoding="utf-8")
    result = cli("build", str(tmp_path / "course.yaml"), "--roster", str(tmp_path / "roster.csv"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    collection = json.loads((tmp_path / "out" / "alice" / "Test Course.postman_collection.json").read_text(encoding="utf-8"))
    notes = [header["value"] for folder in collection["item"] for item in folder["item"]
             for header in item["request"]["header"] if header["key"] == "X-Note"]
    assert notes == [looks, looks]  # one per request
    plan, _ = building.plan(tmp_path / "course.yaml", tmp_path / "roster.csv")
    assert plan is not None
    renderer = plan.renderer
    participant = plan.roster.participants[0]
    assert renderer._skeleton() is not None  # the fast path is taken
    assert renderer.render(participant).collection_text == canonical(_full_render(renderer, participant))
