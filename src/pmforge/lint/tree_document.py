"""A collection read from many YAML files, seen by the lint rules as one Postman document.

Postman's v3 format spreads a collection over a folder of YAML files. It is read into the same
v2.1-shaped data a JSON export gives, and every path of that data keeps a ``Spot``: the YAML
file and node it came from (and, for a script line, where in the node's text the line starts).
Rules ask this document for positions exactly as they ask a JSON one, and get them in the YAML
files, down to the character of a string and into a JSON body written as a YAML block.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pmforge.lint.positions import Document, PathKey, Source, parse
from pmforge.loading import Located
from pmforge.problems import ERROR, Problem


@dataclass
class YamlFile:
    """One YAML file's text and where each value and key in it is written (None: no file, as for a
    folder without a definition). Positions come from the one YAML position mapper,
    :class:`pmforge.loading.Located`, composed when the file was loaded: a file is read once."""

    source: Source
    located: Located | None = None

    def offset(self, path: PathKey, *, key: bool = False) -> int:
        """Offset of the value at ``path`` (its key with ``key=True``), or of its nearest ancestor."""
        if self.located is None:
            return 0
        return self.located.index(self.located.position(path, key=key))

    def char_offsets(self, path: PathKey, *, key: bool = False) -> list[int]:
        """Offset in the file of each character of the string scalar at ``path``, plus one past its end."""
        return self.located.char_offsets(path, key=key) if self.located is not None else []


@dataclass(frozen=True)
class Spot:
    """Where a value of the v2.1-shaped data was written: a node (or a key) of a YAML file, and for
    a string made from part of a node's text (a script line), the character of that text it starts at."""

    file: YamlFile
    path: PathKey = ()
    key: bool = False
    start: int = 0


class TreeDocument(Document):
    """v2.1-shaped data whose positions are spots in YAML files."""

    def __init__(self, folder: str, data: Any, spots: dict[PathKey, Spot], key_spots: dict[PathKey, Spot]) -> None:
        super().__init__(Source(folder, ""), data)
        self.spots = spots
        self.key_spots = key_spots

    def _locate(self, path: PathKey, *, key: bool = False, index: int | None = None) -> tuple[YamlFile, int]:
        if key and path in self.key_spots:
            spot = self.key_spots[path]
            return spot.file, spot.file.offset(spot.path, key=spot.key)
        exact = path in self.spots
        while path not in self.spots and path:
            path = path[:-1]
        spot = self.spots[path]
        if exact and (index is not None or spot.start):
            offsets = spot.file.char_offsets(spot.path, key=spot.key)
            if offsets:
                return spot.file, offsets[min(spot.start + (index or 0), len(offsets) - 1)]
        return spot.file, spot.file.offset(spot.path, key=spot.key)

    def position(self, path: PathKey, *, key: bool = False, index: int | None = None) -> tuple[int, int]:
        file, offset = self._locate(path, key=key, index=index)
        return file.source.line_column(offset)

    def where(self, path: PathKey) -> str:
        """``FILE:LINE``, the file relative to the collection's folder: a v3 collection is many files."""
        file, offset = self._locate(path)
        relative = os.path.relpath(file.source.file, self.source.file)
        return f"{Path(relative).as_posix()}:{file.source.line_column(offset)[0]}"

    def problem(self, path: PathKey, message: str, rule: str, *, severity: str = ERROR, key: bool = False,
                index: int | None = None) -> Problem:
        file, offset = self._locate(path, key=key, index=index)
        line, column = file.source.line_column(offset)
        return Problem(file.source.file, line, column, message, rule, severity)

    def inner(self, path: PathKey, *, variables: bool = False) -> Document:
        """The string at ``path`` parsed as JSON, its positions in the YAML file that holds it."""
        spot = self.spots[path]
        offsets = spot.file.char_offsets(spot.path, key=spot.key) or [spot.file.offset(spot.path)]
        value: Any = self.data
        for part in path:
            value = value[part]

        def to_source(offset: int) -> int:
            return offsets[min(spot.start + offset, len(offsets) - 1)]

        return parse(spot.file.source, value, to_source=to_source, variables=variables)
