"""Participants from a roster: CSV with a header row, or a YAML list of mappings."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PureWindowsPath
from typing import Any

from pmforge.loading import ROSTER_ALIAS_LIMIT, load_yaml_text, read_text
from pmforge.problems import Problem
from pmforge.validation import schema_problems

# Characters that would make an ldap unusable as a folder name on some system,
# or that Postman would read as the start of a variable.
_UNSAFE = {"/": "a path separator", "\\": "a path separator", ":": "a colon", "*": "'*'", "?": "'?'",
           '"': "a double quote", "<": "'<'", ">": "'>'", "|": "'|'", "{": "a brace", "}": "a brace"}


_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class Participant:
    ldap: str
    sandbox: str
    values: dict[str, str] = field(default_factory=dict)  # every other column, by name
    line: int = 0

    def fields(self) -> dict[str, str]:
        """What ``${name}`` can refer to for this participant."""
        return {**self.values, "ldap": self.ldap, "sandbox": self.sandbox}


@dataclass
class Roster:
    file: str
    participants: list[Participant]
    columns: set[str]


def ldap_problem(ldap: str) -> str | None:
    """Why ``ldap`` cannot name a participant's folder and objects, or None."""
    if not ldap.strip():
        return "ldap is empty"
    if ldap != ldap.strip():
        return f"ldap {ldap!r} starts or ends with white space"
    if ldap in (".", ".."):
        return f"ldap {ldap!r} is not a usable folder name"
    if ".." in ldap:
        return f"ldap {ldap!r} contains '..'"
    for char in ldap:
        if char in _UNSAFE:
            return f"ldap {ldap!r} contains {_UNSAFE[char]}"
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            return f"ldap {ldap!r} contains a control character (U+{ord(char):04X})"
    if len(ldap.encode("utf-8")) > 200:
        return "ldap is longer than 200 bytes"
    return None


def example_roster_refusal(course_file: Path, named: str) -> str | None:
    """Why a course may not read ``named`` as its example roster, or None.

    A course can come from anyone (a pull request); it may name only a file in
    its own folder, so that it cannot make pmforge read and report another file.
    """
    given = PurePath(named)
    if given.is_absolute() or PureWindowsPath(named).is_absolute() or PureWindowsPath(named).drive or ".." in given.parts:
        return f"example_roster must name a file in the course's folder (a relative path without '..'), not {named!r}"
    folder = course_file.parent.resolve()
    if folder not in (folder / given).resolve().parents:
        return f"example_roster {named!r} leads out of the course's folder through a link"
    return None


def _cell_columns(line: str) -> list[int]:
    """1-based columns where each CSV cell of a physical line starts (quotes respected)."""
    columns, quoted = [1], False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            columns.append(index + 2)
    return columns


def _rows_from_csv(text: str, file: str) -> tuple[list[tuple[int, dict[str, Any], list[int]]], list[Problem]]:
    lines = text.splitlines()
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    try:
        header = next(reader, None)
    except csv.Error as error:
        return [], [Problem(file, 1, 1, f"CSV error: {error}", "roster")]
    if not header:
        return [], [Problem(file, 1, 1, "the roster is empty: expected a header row with an 'ldap' column", "roster")]
    header = [name.strip() for name in header]
    if "ldap" not in header:
        # Said before anything that quotes the header: a file without an ldap column may be no roster
        # at all (/etc/passwd, /proc/self/environ), and its first line must not reach a CI log.
        hint = next((name for name in header if name.lower() == "ldap"), None)
        extra = f" (found {hint!r}: column names are case-sensitive)" if hint else ""
        return [], [Problem(file, 1, 1, f"the roster has no 'ldap' column{extra}", "roster")]
    for index, name in enumerate(header):
        if name in header[:index]:
            problems.append(Problem(file, 1, _cell_columns(lines[0])[index], f"duplicate column {name!r}", "roster"))
    for index, name in enumerate(header):
        if not _COLUMN.fullmatch(name):
            problems.append(Problem(file, 1, _cell_columns(lines[0])[index], f"column name {name!r} is not a variable name (letters, digits, _ . -)", "roster"))
    if problems:
        return [], problems
    rows = []
    line = 2
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(Problem(file, reader.line_num, 1, f"CSV error: {error}", "roster"))
            break
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            problems.append(Problem(file, start, 1, f"row has {len(cells)} cells but the header names {len(header)}", "roster"))
            continue
        row = {name: cell for name, cell in zip(header, cells) if cell != "" or name == "ldap"}
        rows.append((start, row, _cell_columns(lines[start - 1]) if start <= len(lines) else [1]))
    return [(start, row, cols) for start, row, cols in rows], problems


def _rows_from_yaml(text: str, file: str) -> tuple[list[tuple[int, dict[str, Any], list[int]]], list[Problem]]:
    located, problems = load_yaml_text(text, file, alias_limit=ROSTER_ALIAS_LIMIT)
    if located is None:
        return [], problems
    data = located.data
    if isinstance(data, dict) and set(data) == {"participants"}:
        data, base = data["participants"], ("participants",)
    else:
        base = ()
    if not isinstance(data, list):
        return [], problems + [located.problem(base, "a YAML roster is a list of participants (mappings with an 'ldap' key)", "roster")]
    rows = []
    for index, item in enumerate(data):
        line, column = located.position(base + (index,))
        if not isinstance(item, dict):
            problems.append(Problem(file, line, column, "a participant is a mapping with an 'ldap' key", "roster"))
            continue
        rows.append((line, item, [column]))
    return rows, problems


def load_roster(path: Path, *, default_sandbox: str) -> tuple[Roster | None, list[Problem]]:
    """Read and check every row; a roster with any problem yields no participants."""
    file = str(path)
    text, problems = read_text(path, file)
    if text is None:
        return None, problems
    is_yaml = path.suffix.lower() in (".yaml", ".yml")
    rows, problems = (_rows_from_yaml if is_yaml else _rows_from_csv)(text, file)
    participants: list[Participant] = []
    seen: dict[str, int] = {}
    columns: set[str] = set()
    for line, row, cell_columns in rows:
        keys = list(row)

        def locate(sub: tuple[Any, ...], message: str, rule: str, at_key: bool, line: int = line) -> Problem:
            index = keys.index(sub[0]) if sub and sub[0] in keys else 0
            column = cell_columns[index] if not is_yaml and index < len(cell_columns) else cell_columns[0]
            return Problem(file, line, column, message, rule)

        row_problems = schema_problems(row, "roster.schema.json", locate, rule="roster")
        ldap = row.get("ldap")
        if isinstance(ldap, str):
            why = ldap_problem(ldap)
            if why:
                row_problems.append(locate(("ldap",), why, "unsafe-value", False))
            else:
                key = unicodedata.normalize("NFC", ldap).casefold()
                if key in seen:
                    row_problems.append(locate(("ldap",), f"ldap {ldap!r} duplicates the participant on line {seen[key]} (ignoring case)", "duplicate-participant", False))
                else:
                    seen[key] = line
        problems += row_problems
        if row_problems:
            continue
        values = {key: value for key, value in row.items() if key not in ("ldap", "sandbox")}
        columns |= set(row)
        participants.append(Participant(ldap, row.get("sandbox") or default_sandbox, values, line))
    if not participants and not problems:
        problems.append(Problem(file, 1, 1, "the roster names no participant", "roster"))
    if problems:
        return None, problems
    return Roster(file, participants, columns), []
