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
from pmforge.names import WINDOWS_RESERVED
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
    if ldap.endswith("."):
        return f"ldap {ldap!r} ends with a dot, which Windows drops from a folder name"
    if WINDOWS_RESERVED.fullmatch(ldap):
        return f"ldap {ldap!r} is a device name on Windows ({ldap.split('.')[0].upper()}), not a usable folder name"
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



Position = tuple[int, int]


def _cell_positions(text: str) -> tuple[list[list[Position]], Position | None]:
    """Where each cell of each CSV record starts, read as Python's csv reader reads (``newline=""``).

    Also where an unterminated quoted cell opened, or None: the csv reader
    would silently run that cell on to the end of the file.
    """
    records: list[list[Position]] = []
    cells: list[Position] = []
    line, column, state, opened = 1, 1, "record", (1, 1)
    for at, char in enumerate(text):
        ends_line = char == "\n" or (char == "\r" and text[at + 1:at + 2] != "\n")
        if state == "quoted":
            state = "quote" if char == '"' else state
        elif char in "\r\n":
            if ends_line:
                records.append(cells)
                cells, state = [], "record"
        else:
            if state == "record":
                cells.append((line, column))
                state = "cell"
            if state == "quote" and char == '"':
                state = "quoted"  # a doubled quote inside quotes
            elif char == ",":
                cells.append((line, column + 1))
                state = "cell"
            elif state == "cell" and char == '"':
                state, opened = "quoted", (line, column)
            else:
                state = "field"
        line, column = (line + 1, 1) if ends_line else (line, column + 1)
    if state != "record":
        records.append(cells)
    return records, opened if state == "quoted" else None


# A row: the line it starts on, its cells by column name, and where each of them (and, under "", the row) starts.
Row = tuple[int, dict[str, Any], dict[str, Position]]


def _rows_from_csv(text: str, file: str) -> tuple[list[Row], list[Problem]]:
    positions, unterminated = _cell_positions(text)
    if unterminated:
        line, column = unterminated
        return [], [Problem(file, line, column, "this quoted cell is never closed: its quote runs on to the end of the file", "roster")]
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records or not records[0]:
        return [], [Problem(file, 1, 1, "the roster is empty: expected a header row with an 'ldap' column", "roster")]
    header = [name.strip() for name in records[0]]
    if "ldap" not in header:
        # Said before anything that quotes the header: a file without an ldap column may be no roster
        # at all (/etc/passwd, /proc/self/environ), and its first line must not reach a CI log.
        hint = next((name for name in header if name.lower() == "ldap"), None)
        extra = f" (found {hint!r}: column names are case-sensitive)" if hint else ""
        return [], [Problem(file, 1, 1, f"the roster has no 'ldap' column{extra}", "roster")]
    problems: list[Problem] = []
    for index, name in enumerate(header):
        if name in header[:index]:
            problems.append(Problem(file, *positions[0][index], f"duplicate column {name!r}", "roster"))
    for index, name in enumerate(header):
        if not _COLUMN.fullmatch(name):
            problems.append(Problem(file, *positions[0][index], f"column name {name!r} is not a variable name (letters, digits, _ . -)", "roster"))
    if problems:
        return [], problems
    rows: list[Row] = []
    for cells, starts in zip(records[1:], positions[1:]):
        if not any(cell.strip() for cell in cells):
            continue
        line = starts[0][0]
        if len(cells) > len(header):
            problems.append(Problem(file, *starts[len(header)], f"row has {len(cells)} cells but the header names {len(header)}", "roster"))
            continue
        row = {name: cell for name, cell in zip(header, cells) if cell != "" or name == "ldap"}
        rows.append((line, row, {"": (line, 1), **dict(zip(header, starts))}))
    return rows, problems


def _rows_from_yaml(text: str, file: str) -> tuple[list[Row], list[Problem]]:
    located, problems = load_yaml_text(text, file, alias_limit=ROSTER_ALIAS_LIMIT)
    if located is None or problems:  # a value the reader refused would only be reported again as missing
        return [], problems
    data = located.data
    if isinstance(data, dict) and set(data) == {"participants"}:
        data, base = data["participants"], ("participants",)
    else:
        base = ()
    if not isinstance(data, list):
        return [], problems + [located.problem(base, "a YAML roster is a list of participants (mappings with an 'ldap' key)", "roster")]
    rows: list[Row] = []
    for index, item in enumerate(data):
        line, column = located.position(base + (index,))
        if not isinstance(item, dict):
            problems.append(Problem(file, line, column, "a participant is a mapping with an 'ldap' key", "roster"))
            continue
        rows.append((line, item, {"": (line, column)}))
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
    seen: dict[str, tuple[int, str]] = {}
    columns: set[str] = set()
    for line, row, cells in rows:
        def locate(sub: tuple[Any, ...], message: str, rule: str, at_key: bool, cells: dict[str, Position] = cells) -> Problem:
            return Problem(file, *cells.get(sub[0] if sub else "", cells[""]), message, rule)

        row_problems = schema_problems(row, "roster.schema.json", locate, rule="roster")
        ldap = row.get("ldap")
        if isinstance(ldap, str):
            why = ldap_problem(ldap)
            if why:
                row_problems.append(locate(("ldap",), why, "unsafe-value", False))
            else:
                # Fullwidth and other compatibility forms (ａｌｉｃｅ) read as the same name to people.
                key = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", ldap).casefold())
                if key in seen:
                    first_line, first = seen[key]
                    how = "ignoring case" if unicodedata.normalize("NFC", ldap).casefold() == unicodedata.normalize("NFC", first).casefold() else "ignoring case and Unicode compatibility forms such as fullwidth letters"
                    row_problems.append(locate(("ldap",), f"ldap {ldap!r} duplicates the participant on line {first_line} ({how})", "duplicate-participant", False))
                else:
                    seen[key] = (line, ldap)
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
