"""A skeleton's file text, written once per course and filled per participant.

The canonical JSON of a skeleton (see ``skeleton``) is written once, with each slot's marker in it; per
participant only the slots' values are written and put between the fixed pieces. JSON writes a value the
same wherever it stands, up to the indentation of its lines, so the result is, byte for byte, the canonical
JSON of the filled document; a course whose first filling says otherwise keeps writing the whole document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from pmforge.skeleton import NONCE, Skeleton

_QUOTED_MARK = re.compile(f'"\ue000pmforge-slot-{NONCE}-([0-9]+)\ue000"')


def _slot_numbers(tree: dict[Any, Any]) -> list[int]:
    found = []
    for sub in tree.values():
        found += [sub] if isinstance(sub, int) else _slot_numbers(sub)
    return found


class SkeletonText:
    """The fixed pieces of a skeleton's canonical text, and for each hole its slot and indentation."""

    def __init__(self, pieces: Sequence[str], holes: Sequence[tuple[int, str]]) -> None:
        self.pieces, self.holes = list(pieces), list(holes)

    @classmethod
    def of(cls, skeleton: Skeleton, text: str) -> SkeletonText | None:
        """``text`` is the canonical JSON of ``skeleton.document``; None when its markers are not exactly its slots."""
        slots = _slot_numbers(skeleton.tree)
        pieces, holes, start = [], [], 0
        for match in _QUOTED_MARK.finditer(text):
            line = text[text.rfind("\n", 0, match.start()) + 1:match.start()]
            pieces.append(text[start:match.start()])
            holes.append((int(match.group(1)), "\n" + "\t" * (len(line) - len(line.lstrip("\t")))))
            start = match.end()
        pieces.append(text[start:])
        if sorted(number for number, _ in holes) != sorted(slots):
            return None  # a marker where no slot is (a key, say): this text cannot be filled by slots
        return cls(pieces, holes)

    def fill(self, values: Sequence[Any]) -> str:
        """The canonical text of the skeleton filled with ``values`` (a value for each slot number)."""
        parts = [self.pieces[0]]
        for (number, newline), piece in zip(self.holes, self.pieces[1:]):
            value = values[number]
            if isinstance(value, str):
                parts.append(json.dumps(value, ensure_ascii=False))
            else:  # written at the depth of its line: every line break it makes is indented that much further
                parts.append(json.dumps(value, indent="\t", ensure_ascii=False).replace("\n", newline))
            parts.append(piece)
        return "".join(parts)
