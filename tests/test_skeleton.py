"""The collection rendered once with slots, filled per participant, is the collection rendered for that participant."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmforge import building
from pmforge.rendering import Renderer, derived_id
from pmforge.roster import Participant
from pmforge.skeleton import Skeleton, Slots

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
