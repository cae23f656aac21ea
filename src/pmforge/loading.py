"""Read YAML and remember where every value came from.

PyYAML keeps the last of two equal keys without a word, and its data carries no
line numbers. So we compose the node tree once, refuse duplicate keys there,
construct plain data from it, and keep a table from each value's path
(``("folders", 0, "requests", 1, "body")``) to its 1-based line and column.
"""

from __future__ import annotations

import bisect
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from pmforge.problems import Problem, within_text
from pmforge.rules import default_level
from pmforge.yaml_scalars import scalar_offsets

PathKey = tuple[Any, ...]
# Deeper nesting than any course or roster needs; below it every recursive step
# after loading (schemas, rendering, JSON) stays far from Python's recursion limit.
MAX_DEPTH = 100
_SURROGATE = re.compile("[\ud800-\udfff]")


def _line_column(line_starts: list[int], index: int) -> tuple[int, int]:
    line = bisect.bisect_right(line_starts, index)
    return line, index - line_starts[line - 1] + 1


@dataclass
class Located:
    """Data loaded from a file, with the position of every value in it.

    Positions are 1-based (line, column), lines counted at LF as editors count them. Inside a
    string, :meth:`offset_position` finds the exact character, whatever the scalar's style: the
    scalar is decoded again from the text (pmforge.yaml_scalars) when a problem asks for it.
    """

    file: str
    data: Any
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    text: str = ""
    line_starts: list[int] = field(default_factory=lambda: [0], repr=False)  # offset of each line's first character
    _offsets: dict[tuple[PathKey, bool], list[int] | None] = field(default_factory=dict, repr=False, compare=False)

    def position(self, path: Iterable[Any], *, key: bool = False) -> tuple[int, int]:
        """Position of the value at ``path``, or of its nearest ancestor that has one.

        With ``key=True`` and a mapping entry at ``path``, the key's position is
        preferred: an unknown key is best shown where the key is written.
        """
        path = tuple(path)
        if key and path in self.key_positions:
            return self.key_positions[path]
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (1, 1))

    def offset_position(self, path: PathKey, offset: int, *, key: bool = False) -> tuple[int, int]:
        """Position of character ``offset`` inside the string scalar at ``path`` (inside its key
        with ``key=True``), exact in every scalar style: a character an escape wrote is at its
        backslash, a space or newline that folding or a block made of a line break is at that line
        break, and ``offset`` at or past the end is where the string's text ends (a closing quote).
        Anything that is not a string scalar gives :meth:`position`."""
        offsets = self.char_offsets(path, key=key)
        if not offsets:
            return self.position(path, key=key)
        return self.line_column(offsets[max(0, min(offset, len(offsets) - 1))])

    def char_offsets(self, path: PathKey, *, key: bool = False) -> list[int]:
        """Offset in :attr:`text` of each character of the string at ``path`` (its key with
        ``key=True``), plus one where its text ends; empty when ``path`` holds no string scalar."""
        cache = (path, key)
        if cache not in self._offsets:
            self._offsets[cache] = self._char_offsets(path, key)
        return self._offsets[cache] or []

    def _char_offsets(self, path: PathKey, key: bool) -> list[int] | None:
        where = (self.key_positions if key else self.positions).get(path)
        if where is None:
            return None
        value: Any = path[-1] if key else self.data
        for part in () if key else path:
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):  # data a reader changed after loading
                return None
        if not isinstance(value, str):
            return None
        return scalar_offsets(self.text, self.index(where), value)

    def index(self, where: tuple[int, int]) -> int:
        """The offset in :attr:`text` of a (line, column) position."""
        return self.line_starts[where[0] - 1] + where[1] - 1

    def line_column(self, index: int) -> tuple[int, int]:
        """The (line, column) position of an offset in :attr:`text`."""
        return _line_column(self.line_starts, index)

    def problem(self, path: Iterable[Any], message: str, rule: str, *, key: bool = False) -> Problem:
        """A problem of ``rule`` at its registered default level, at the value (or ``key``) at ``path``."""
        line, column = self.position(path, key=key)
        return Problem(self.file, line, column, message, rule, default_level(rule))


class _TooDeep(yaml.MarkedYAMLError):
    pass


class _Loader(yaml.SafeLoader):
    """A private SafeLoader, so PyYAML's global loader stays untouched."""

    depth = 0

    def __init__(self, text: str) -> None:
        super().__init__(text)
        # PyYAML also counts U+0085, U+2028, U+2029 and a lone CR as line breaks; editors, and
        # pmforge's JSON reader, count LF only. Positions are taken from the character index.
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def position(self, mark: yaml.Mark) -> tuple[int, int]:
        return _line_column(self.line_starts, mark.index)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        # PyYAML composes nested collections recursively: stop before Python's stack does.
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _TooDeep(None, None, f"nested deeper than {MAX_DEPTH} levels", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


# Dates become strings: JSON has no date type, and a body field written
# 2024-01-31 means the string a course author sees.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _mark(loader: _Loader, node: yaml.Node) -> tuple[int, int]:
    return loader.position(node.start_mark)


def _scalar(loader: _Loader, node: yaml.Node, file: str, problems: list[Problem]) -> Any:
    """Construct a scalar; a value Python or UTF-8 cannot hold is a problem at its place, and None."""
    line, column = _mark(loader, node)
    try:
        value = loader.construct_object(node, deep=True)
    except ValueError as error:  # !!int abc, or an integer past Python's 4,300 digits
        kind = node.tag.rsplit(":", 1)[-1]
        if "digits" in str(error):
            message = f"an integer of {len(node.value)} characters is too long; write it in quotes if it is text"
        else:
            message = f"cannot read {node.value[:40]!r} as {kind}"
        problems.append(Problem(file, line, column, message, "yaml-syntax"))
        return None
    if isinstance(value, str) and (surrogate := _SURROGATE.search(value)):
        # Only an escape ("\ud800") can write one; no file or JSON encoder can carry it.
        code = f"\\u{ord(surrogate.group()):04x}"
        problems.append(Problem(file, line, column, f"{code} is half of a UTF-16 surrogate pair, not a character", "yaml-syntax"))
        return None
    return value


def _walk(
    loader: _Loader,
    node: yaml.Node,
    path: PathKey,
    located: Located,
    problems: list[Problem],
) -> Any:
    if len(path) > MAX_DEPTH:
        # The composer caps written nesting; only aliases reach deeper, an alias inside its own anchor without end.
        raise _TooDeep(None, None, f"nested deeper than {MAX_DEPTH} levels through aliases", node.start_mark)
    located.positions[path] = _mark(loader, node)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        first_seen: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                line, column = _mark(loader, key_node)
                problems.append(Problem(located.file, line, column, "a key must be a string, not a list or mapping", "yaml-syntax"))
                continue
            key = _scalar(loader, key_node, located.file, problems)
            if key is None and key_node.tag != "tag:yaml.org,2002:null":
                continue  # already reported
            if not isinstance(key, str):
                # Everything pmforge reads becomes JSON, whose keys are strings.
                line, column = _mark(loader, key_node)
                problems.append(Problem(located.file, line, column, f"a key must be a string: write {str(key)!r} in quotes", "yaml-syntax"))
                continue
            if key in first_seen:
                line, column = _mark(loader, key_node)
                first_line = _mark(loader, first_seen[key])[0]
                problems.append(
                    Problem(located.file, line, column, f"duplicate key {key!r} (first defined on line {first_line})", "duplicate-key")
                )
                continue
            first_seen[key] = key_node
            located.key_positions[path + (key,)] = _mark(loader, key_node)
            result[key] = _walk(loader, value_node, path + (key,), located, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(loader, item, path + (index,), located, problems) for index, item in enumerate(node.value)]
    return _scalar(loader, node, located.file, problems)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _alias_problem(loader: _Loader, root: yaml.Node, file: str, limit: int) -> Problem | None:
    """An alias bomb: anchors repeated by aliases until the data would hold more than ``limit`` extra values.

    The composed node graph shares every aliased node, so measuring its expanded
    size is cheap; building the data (a copy per path) is what would eat memory.
    A node that contains its own alias counts once here (a cycle is not a bomb's size).
    """
    sizes: dict[int, int] = {}
    uses: dict[int, int] = {}
    nodes: dict[int, yaml.Node] = {}
    ancestors: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            sizes[key] = 1 + sum(sizes.get(id(child), 1) for child in _children(node))
            ancestors.discard(key)
            continue
        if key in sizes or key in ancestors:
            continue
        ancestors.add(key)
        nodes[key] = node
        stack.append((node, True))
        for child in _children(node):
            uses[id(child)] = uses.get(id(child), 0) + 1
            stack.append((child, False))
    extra = sizes[id(root)] - len(sizes)
    if extra <= limit:
        return None
    # Point at the anchor whose repetition weighs most.
    heaviest = max((key for key in uses if uses[key] > 1 and key in sizes), key=lambda key: sizes[key] * uses[key])
    line, column = _mark(loader, nodes[heaviest])
    return Problem(file, line, column, f"aliases would expand this file by more than {limit:,} values (the anchor here is used {uses[heaviest]} times); write the values out, or use fewer aliases", "yaml-syntax")


COURSE_ALIAS_LIMIT = 100_000
ROSTER_ALIAS_LIMIT = 1_000_000


def load_yaml_text(text: str, file: str, *, alias_limit: int = COURSE_ALIAS_LIMIT) -> tuple[Located | None, list[Problem]]:
    """Parse YAML text; return the located data, or None and the syntax problem."""
    problems: list[Problem] = []
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as error:
        # The reader checks every character before parsing starts; a raw control character stops it.
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        what = f"control character U+{error.character:04X}" if error.character < 0x20 or 0x7F <= error.character < 0xA0 else f"character U+{error.character:04X}"
        return None, [Problem(file, line, column, f"{what} is not allowed in YAML; write it as an escape in a double-quoted string", "yaml-syntax")]
    located = Located(file=file, data=None, text=text, line_starts=loader.line_starts)
    try:
        node = loader.get_single_node()
        bomb = _alias_problem(loader, node, file, alias_limit) if node is not None else None
        if bomb is not None:
            return None, [bomb]
        if node is not None:
            located.data = _walk(loader, node, (), located, problems)
    except _TooDeep as error:
        line, column = loader.position(error.problem_mark)
        return None, [Problem(file, line, column, f"{error.problem}, pmforge's limit", "yaml-syntax")]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = within_text(text, *loader.position(mark)) if mark else (1, 1)
        message = " ".join(part for part in (error.context, error.problem) if part)
        return None, [Problem(file, line, column, f"YAML syntax error: {message}", "yaml-syntax")]
    except yaml.YAMLError as error:
        return None, [Problem(file, 1, 1, f"YAML error: {error}", "yaml-syntax")]
    finally:
        loader.dispose()
    return located, problems


MiB = 1024 * 1024
COURSE_BYTES = 4 * MiB  # the bundled course is 9 KB
INPUT_BYTES = 64 * MiB  # rosters (50,000 participants are about 3 MB), exported collections and environments


def is_folder(path: Path) -> bool:
    """``path.is_dir()``, False where the system refuses to look (a name too long, no permission): reading the
    path then says why, as a problem."""
    try:
        return path.is_dir()
    except OSError:
        return False


def is_regular(path: Path) -> bool:
    """``path.is_file()``, False where the system refuses to look."""
    try:
        return path.is_file()
    except OSError:
        return False


def read_text(path: Path, file: str, *, limit: int = INPUT_BYTES) -> tuple[str | None, list[Problem]]:
    """Read a UTF-8 file of at most ``limit`` bytes; a missing, unreadable, oversized or non-UTF-8 file,
    or one that is not a regular file (a FIFO, /dev/zero), is a problem, not an exception."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer that never comes.
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return None, [Problem(file, 0, 0, "no such file", "file-not-found")]
    except IsADirectoryError:
        return None, [Problem(file, 0, 0, "is a directory, not a file", "file-not-found")]
    except OSError as error:
        return None, [Problem(file, 0, 0, f"cannot read: {error.strerror}", "file-not-found")]
    try:
        status = os.fstat(handle)
        if stat.S_ISDIR(status.st_mode):
            return None, [Problem(file, 0, 0, "is a directory, not a file", "file-not-found")]
        if not stat.S_ISREG(status.st_mode):
            return None, [Problem(file, 0, 0, "is not a regular file (a device, pipe or socket); give a file", "file-not-found")]
        too_big = Problem(file, 0, 0, f"is larger than {limit // MiB} MB, more than pmforge reads", "file-too-large")
        if status.st_size > limit:
            return None, [too_big]
        with os.fdopen(handle, "rb", closefd=False) as stream:
            raw = stream.read(limit + 1)  # a file can grow after fstat
        if len(raw) > limit:
            return None, [too_big]
    except OSError as error:
        return None, [Problem(file, 0, 0, f"cannot read: {error.strerror}", "file-not-found")]
    finally:
        os.close(handle)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return None, [Problem(file, line, column, f"not UTF-8: byte 0x{raw[error.start]:02x} cannot be decoded", "encoding")]
    return text, []


def load_yaml_file(path: Path, *, limit: int = COURSE_BYTES) -> tuple[Located | None, list[Problem]]:
    text, problems = read_text(path, str(path), limit=limit)
    if text is None:
        return None, problems
    return load_yaml_text(text, str(path))
