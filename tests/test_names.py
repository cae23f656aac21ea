"""File names made of a course's names: one spelling (Postman's) for the v3 tree and the flat files.

That the spelling is Postman's own is checked against the real ``postman collection migrate`` in
test_postman_cli_v3.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pmforge.names import file_name, file_stem
from tests.conftest import DATA


@pytest.mark.parametrize("name, expected", [
    ("Step 1 - Profile: Create A Segment Definition", "Step 1 - Profile- Create A Segment Definition"),
    ('a/b\\c:d*e?f"g<h>i|j', "a-b-c-d-e-f-g-h-i-j"),
    ("tab\tname\x01", "tab-name-"),
    ("  spaced out  ", "spaced out"),
    ("dots.", "dots."),
    ("..", "--"),
    (".resources", "----------"),
    ("zoë's", "zoë's"),
    # C0 control characters go; DEL, C1 controls and format characters stay, as migrate keeps them.
    ("del\x7fend", "del\x7fend"),
    ("c1\x85\u200bend", "c1\x85\u200bend"),
    # JavaScript's trim() first, then the replacement: a tab around goes, \x1f and \x85 around stay.
    ("\tA\tB\t\n", "A-B"),
    ("\x01C\x1f", "-C-"),
    ("\ufeffD\x85", "D\x85"),
    ("E\u3000 ", "E"),
])
def test_file_names_follow_postmans_rules(name: str, expected: str) -> None:
    assert file_name(name) == expected


@pytest.mark.parametrize("name, expected", [
    ("_Adobe Experience Platform Enablement", "_Adobe Experience Platform Enablement"),
    ("Formats: v3 / git?", "Formats- v3 - git-"),
    ("del\x7fend\x01", "del\x7fend-"),
    ("  .hidden. ", "hidden"),
    ("...", "collection"),
    ("nul", "nul_"),
    ("Com1.course", "Com1_.course"),  # Com1.course_ was still the device COM1 on Windows
    ("con.txt", "con_.txt"),
    ("..", "--"),
])
def test_flat_file_stems_are_postmans_spelling_made_safe_on_windows(name: str, expected: str) -> None:
    assert file_stem(name) == expected


def test_both_formats_spell_the_collection_alike(cli, tmp_path: Path) -> None:
    assert cli("build", str(DATA / "v3"), "--collection-format", "both").exit_code == 0
    participant = tmp_path / "out" / "zoë"
    assert sorted(path.name for path in participant.glob("*.json")) == [
        "Formats- v3 - git-.postman_collection.json", "Formats- v3 - git-.postman_environment.json"]
    assert [path.name for path in (participant / "postman" / "collections").iterdir()] == ["Formats- v3 - git-"]
