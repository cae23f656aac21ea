"""Secret values written into a collection, found by value in its parsed strings.

One search for the course checks (``build``/``validate``, on each rendered
collection) and for ``pmforge lint`` (secrets of the environments it is given).
Searching the parsed strings, not the JSON text, means escaping cannot hide a
value (a quote, backslash, tab or newline in it) and the position is that of
the field holding it.

The rule, so that a secret which is also a word raises no false alarm:
- a value is found only as a whole token: not inside a longer word
  (``secret`` is not found in ``client_secret``, nor ``test`` in ``latest``);
- a value shorter than ``MIN_LENGTH`` characters is not looked for at all, and
  the caller says so with a warning: a collection is full of short words
  (``test``, ``POST``, ``status``), and no credential worth guarding is that
  short (IMS client secrets and tokens run to dozens of characters).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable

from pmforge.checks import strings

_SECRET_NAME = re.compile(r"secret|token|password|passwd|private|credential", re.IGNORECASE)


def looks_secret(name: str) -> bool:
    """Whether a variable's name says it holds a credential (CLIENT_SECRET, ACCESS_TOKEN, PRIVATE_KEY…).

    For values whose type nobody declared: an import marks such variables secret, a handout hides them, and a
    build types a roster column the course does not declare secret in the environment (and searches for it).
    """
    return bool(_SECRET_NAME.search(name))

PathKey = tuple[Any, ...]
MIN_LENGTH = 8


@dataclass(frozen=True)
class Secret:
    name: str
    value: str

    @property
    def searchable(self) -> bool:
        return len(self.value.strip()) >= MIN_LENGTH

    def unsearched(self, whose: str = "") -> str:
        """Why a value too short to search is not looked for; ``build`` and ``lint`` say it alike."""
        return f"secret {self.name}{whose} is {len(self.value)} characters long, too short to tell from a word; the collection is not searched for it"

    def pattern(self) -> re.Pattern[str]:
        before = r"(?<!\w)" if re.match(r"\w", self.value[0]) else ""
        after = r"(?!\w)" if re.match(r"\w", self.value[-1]) else ""
        return re.compile(before + re.escape(self.value) + after)


@dataclass(frozen=True)
class Leak:
    secret: Secret
    path: PathKey  # of the string holding the value
    offset: int  # of the value in that string


def environment_secrets(environment: Any) -> list[Secret]:
    """The variables of a Postman environment typed ``secret`` that have a value."""
    entries = environment.get("values") if isinstance(environment, dict) else None
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("type") == "secret" and isinstance(entry.get("key"), str):
            value = entry.get("value")
            if isinstance(value, str) and value.strip():
                found.append(Secret(entry["key"], value))
    return found


@dataclass(frozen=True)
class Filled:
    """A document filled from a course's skeleton, as the secret search reads it.

    ``shared``: every string the document shares with every participant's (the skeleton's strings, and the
    strings inside those that are JSON), joined once per course (``shared_strings``); ``own``: the values this
    participant's slots hold. A value that is in neither cannot be in the document.
    """

    shared: str
    own: list[Any]


def shared_strings(skeleton: Any) -> str:
    """The strings of ``skeleton`` and those inside its JSON strings, joined: one substring test per value.

    The joins can only add matches across two strings, never hide one: at worst an exact search for nothing.
    """
    found = []
    for _, string in strings(skeleton, ()):
        found.append(string)
        if _may_be_json(string):
            found += _json_strings(string)
    return "\0".join(found)


def find_leaks(data: Any, secrets: Iterable[Secret], *, text: str | None = None, filled: Filled | None = None) -> list[Leak]:
    """Every string of ``data`` holding a searchable secret's value, in document order.

    A string that is itself JSON (a raw body) is searched in its parsed strings too, where
    the value sits escaped; the offset is then that of the escaped value in the string.
    ``text``, the JSON that ``data`` was written as (``ensure_ascii=False``), lets a value
    that cannot be there be skipped without walking: escaping a string escapes each
    character alone, so the escaped value is in the text wherever the value is in a string
    (twice escaped in a raw body, so the check is for the value escaped once, or plain).
    ``filled`` does the same for a document filled from a skeleton, more cheaply and exactly:
    one substring test of the shared strings, and the participant's own values searched.
    """
    wanted = [secret for secret in secrets if secret.searchable]
    if filled is not None:
        wanted = [secret for secret in wanted if secret.value in filled.shared or _leaks(filled.own, [secret])]
    elif text is not None:
        wanted = [secret for secret in wanted if any(form in text for form in _written_forms(secret.value))]
    return _leaks(data, wanted) if wanted else []


def _leaks(data: Any, wanted: list[Secret]) -> list[Leak]:
    patterns: dict[Secret, re.Pattern[str]] = {}

    def pattern(secret: Secret) -> re.Pattern[str]:  # compiled at the first string holding the value, if any does
        if secret not in patterns:
            patterns[secret] = secret.pattern()
        return patterns[secret]

    leaks = []
    for path, string in strings(data, ()):
        inner: list[str] | None = None
        for secret in wanted:
            if secret.value in string and (match := pattern(secret).search(string)):
                leaks.append(Leak(secret, path, match.start()))
                continue
            if not _may_be_json(string):
                continue
            if inner is None:
                inner = _json_strings(string)
            if any(secret.value in text and pattern(secret).search(text) for text in inner):
                leaks.append(Leak(secret, path, _escaped_offset(string, secret.value)))
    return leaks


def _escaped(value: str, *, ascii: bool = False) -> str:
    return json.dumps(value, ensure_ascii=ascii)[1:-1]


def _written_forms(value: str) -> set[str]:
    """How ``value`` can appear in JSON text: plain, escaped, escaped twice (in a raw body)."""
    once = {_escaped(value), _escaped(value, ascii=True)}
    return {value} | once | {_escaped(form) for form in once}


def _may_be_json(string: str) -> bool:
    """Whether a string may be a JSON document (a raw body): an object, an array, or a JSON string in quotes."""
    return string.lstrip()[:1] in ("{", "[", '"')


def _json_strings(string: str) -> list[str]:
    try:
        parsed = json.loads(string)
    except (ValueError, RecursionError):
        return []
    return [text for _, text in strings(parsed, ())]


def _escaped_offset(string: str, value: str) -> int:
    for form in (_escaped(value), _escaped(value, ascii=True)):
        if form in string:
            return string.index(form)
    return 0
