"""A collection read from many YAML files, seen by the lint rules as one Postman document.

Postman's v3 format spreads a collection over a folder of YAML files. It is read into the same
v2.1-shaped data a JSON export gives, and every path of that data keeps a ``Spot``: the YAML
file and node it came from (and, for a script line, where in the node's text the line starts).
Rules ask this document for positions exactly as they ask a JSON one, and get them in the YAML
files, down to the character of a string and into a JSON body written as a YAML block.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pmforge.lint.positions import Document, PathKey, Source, parse
from pmforge.problems import ERROR, Problem


# libyaml when PyYAML has it: its marks count characters as the Python composer's do.
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlFile:
    """One YAML file's text and the node of every value and key in it, by path."""

    source: Source
    nodes: dict[PathKey, yaml.Node] = field(default_factory=dict)
    key_nodes: dict[PathKey, yaml.Node] = field(default_factory=dict)
    _offsets: dict[tuple[PathKey, bool], list[int]] = field(default_factory=dict, repr=False)

    @classmethod
    def compose(cls, file: str, text: str) -> YamlFile:
        """The node tree of text that already loaded without a problem (so composing cannot fail)."""
        located = cls(Source(file, text))
        root = yaml.compose(text, Loader=_COMPOSER)
        if root is not None:
            located._walk(root, ())
        return located

    def _walk(self, node: yaml.Node, path: PathKey, outer: frozenset[int] = frozenset()) -> None:
        self.nodes[path] = node
        if id(node) in outer:
            return  # an alias inside the node it names: the loader has refused it
        outer |= {id(node)}
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                if isinstance(key, str) and path + (key,) not in self.nodes:  # the first of two equal keys is the one kept
                    self.key_nodes[path + (key,)] = key_node
                    self._walk(value_node, path + (key,), outer)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._walk(item, path + (index,), outer)

    def node(self, path: PathKey, *, key: bool = False) -> yaml.Node | None:
        return (self.key_nodes if key else self.nodes).get(path)

    def offset(self, path: PathKey, *, key: bool = False) -> int:
        """Offset of the node at ``path`` (its key with ``key=True``), or of its nearest ancestor."""
        node = self.node(path, key=key)
        while node is None and path:
            path = path[:-1]
            node = self.nodes.get(path)
        return node.start_mark.index if node is not None else 0

    def char_offsets(self, path: PathKey, *, key: bool = False) -> list[int]:
        """Offset in the file of each character of the string scalar at ``path``, plus one past its end."""
        if (path, key) not in self._offsets:
            node = self.node(path, key=key)
            self._offsets[path, key] = _scalar_offsets(self.source.text, node) if isinstance(node, yaml.ScalarNode) else []
        return self._offsets[path, key]


def _scalar_offsets(text: str, node: yaml.ScalarNode) -> list[int]:
    # The decoded value's characters appear in the source in order; what lies between them is
    # indentation, folding, quoting and escapes. Walk both, matching each character to the next
    # place it is written; a character an escape wrote takes the escape's place.
    at, end = node.start_mark.index, node.end_mark.index
    if node.style in ("|", ">"):
        at = text.find("\n", at, end) + 1 or end  # past the block's indicator line
    elif node.style in ("'", '"'):
        at += 1
    offsets = []
    for char in node.value:
        if node.style == '"' and text.startswith("\\", at) and text[at + 1:at + 2] not in ("\n", "\r", ""):
            offsets.append(at)
            at += {"x": 4, "u": 6, "U": 10}.get(text[at + 1], 2)
            continue
        if char in " \t\n":
            offsets.append(min(at, end))
            at += 1 if text.startswith(char, at) else 0
            continue
        found = text.find(char, at, end)
        offsets.append(found if found >= 0 else min(at, end))
        at = found + 1 if found >= 0 else at
    offsets.append(min(at, end))
    return offsets


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
