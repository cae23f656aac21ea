"""Ids are derived from names (the same inputs give the same ids) and take the UUID version 4 form."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any, Iterator

from pmforge import building
from pmforge.rendering import NAMESPACE, derived_id

V4_FORM = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def ids(document: Any) -> Iterator[str]:
    if isinstance(document, dict):
        for key, value in document.items():
            if key in ("id", "_postman_id"):
                yield value
            yield from ids(value)
    elif isinstance(document, list):
        for value in document:
            yield from ids(value)


def test_derived_id_is_uuid5s_hash_marked_version_4() -> None:
    name = "collection\0course\0zoë"
    five, derived = uuid.uuid5(NAMESPACE, name), derived_id(NAMESPACE, name)
    assert (derived.version, derived.variant) == (4, uuid.RFC_4122)
    assert derived.hex[:12] + derived.hex[13:] == five.hex[:12] + five.hex[13:]  # only the version nibble moves
    assert derived == derived_id(NAMESPACE, name) != derived_id(NAMESPACE, name + " ")


def test_every_id_in_a_build_is_version_4_shaped_and_unique(tmp_path: Path) -> None:
    result = building.build(None, None, tmp_path / "out")
    assert result.problems == []
    found = [found_id for path in sorted((tmp_path / "out").glob("*/*.json"))
             for found_id in ids(json.loads(path.read_text(encoding="utf-8")))]
    assert len(found) == 3 * (1 + 1 + 2 + 4)  # per participant: environment, collection, 2 folders, 4 requests
    assert [found_id for found_id in found if not V4_FORM.fullmatch(found_id)] == []
    assert len(set(found)) == len(found)
