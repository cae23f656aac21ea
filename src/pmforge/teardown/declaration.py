"""A course's ``teardown:`` section as plain objects, and the checks that need the whole course.

The section says what the trainer's teardown collection does, for any API: which course request
gets a token, which list to page through, which fields of an item make it a participant's, and
how to delete one by id. Nothing here knows about AEP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pmforge.checks import POSTMAN_VARIABLE, strings
from pmforge.model import PLACEHOLDER, Course, EnvVar, Request
from pmforge.problems import Problem

ID_VARIABLE = "TEARDOWN_ID"
PARTICIPANT_COLUMNS = ("ldap", "sandbox")
DEFAULT_MAX_PAGES = 100
DEFAULT_RETRIES = 3
TOKEN_BODIES = (None, "form", "json", "raw")


@dataclass(frozen=True)
class Find:
    name: str
    url: str
    items: str
    match: dict[str, str]
    id: str
    next: str | None
    next_base: str
    max_pages: int


@dataclass(frozen=True)
class Delete:
    name: str
    method: str
    url: str
    status: int


@dataclass(frozen=True)
class Teardown:
    description: str
    environment: list[EnvVar]
    token: Request
    headers: dict[str, str]
    data: dict[str, str]
    find: Find
    delete: Delete
    retries: int

    @property
    def token_variables(self) -> list[str]:
        return list(self.token.keep)


def _headers(raw: dict[str, Any]) -> dict[str, str]:
    """name: value of the headers sent (null and disabled ones are not)."""
    sent = {}
    for key, value in raw.items():
        if isinstance(value, dict):
            if not value.get("disabled"):
                sent[key] = value["value"]
        elif value is not None:
            sent[key] = value
    return sent


_OWN_LIST = ("url", "items", "next", "next_base")


def _listing(find: dict[str, Any], requests: dict[str, Request], source: Any,
             at: tuple[str, ...]) -> tuple[dict[str, Any] | None, list[Problem]]:
    """What the find pages through and keeps (url, items, next, next_base, match): its own, or the list of
    the course request its ``listing:`` names, whose ``exists:`` pages through the same list on a second run
    (its ``where:`` fields join ``match``, which says what it says first)."""
    if "listing" not in find:
        missing = [key for key in ("url", "items") if key not in find]
        if missing:
            return None, [source.problem(at, f"find needs {' and '.join(missing)}, or a listing: naming a course request "
                                             "whose exists: list it pages through", "teardown", key=True)]
        return {"url": find["url"], "items": find["items"], "next": find.get("next"),
                "next_base": find.get("next_base", ""), "match": dict(find["match"])}, []
    name = find["listing"]
    given = [key for key in _OWN_LIST if key in find]
    request = requests.get(name)
    why = (f"{given[0]} comes with the listing (the exists: of {name!r}); give one or the other" if given
           else f"no request of the course is named {name!r}" if request is None
           else f"request {name!r} has no exists: whose list to page through" if request.exists is None
           else f"the exists: of {name!r} reads next relative to its list URL, which the teardown cannot: give it "
                "a next_base" if request.exists.next and not request.exists.next_base else None)
    if why is not None:
        return None, [source.problem(at + ((given[0],) if given else ("listing",)), why, "teardown")]
    exists = request.exists
    assert exists is not None
    return {"url": exists.list_url, "items": exists.items, "next": exists.next, "next_base": exists.next_base or "",
            "match": {**find["match"], **{path: value for path, value in exists.where.items() if path not in find["match"]}}}, []


def read_teardown(course: Course, *, roster_columns: set[str]) -> tuple[Teardown | None, list[Problem]]:
    """The course's teardown, or the problems that keep it from being written."""
    source = course.source
    raw = source.data.get("teardown")
    if raw is None:
        return None, [Problem(course.file, 1, 1, "the course declares no teardown: section", "teardown")]
    base = ("teardown",)
    problems: list[Problem] = []
    requests = {request.name: request for request in course.requests()}
    token = requests.get(raw["token"])
    if token is None:
        problems.append(source.problem(base + ("token",), f"no request of the course is named {raw['token']!r}", "teardown"))
    else:
        if not token.keep:
            problems.append(source.problem(base + ("token",), f"request {token.name!r} keeps nothing: the token must be kept in a variable", "teardown"))
        if token.body_kind not in TOKEN_BODIES:
            problems.append(source.problem(base + ("token",), f"request {token.name!r} has a {token.body_kind} body; a token request has a form, JSON or raw body, or none", "teardown"))
        attribute = "body" if token.body_kind == "json" else token.body_kind
        for path, text in strings(getattr(token, attribute) if attribute else None, token.path + (attribute,)):
            if any(match.group(1) is not None for match in PLACEHOLDER.finditer(text)):
                problems.append(source.problem(path, "the teardown's token request cannot hold a participant value (${...}): the trainer sends it", "teardown"))
    variables = {variable.key: variable for variable in course.environment}
    # By default, every variable of the course that is the same for every participant.
    names = raw.get("environment", [key for key, variable in variables.items() if not PLACEHOLDER.search(variable.value)])
    for index, key in enumerate(names):
        if key not in variables:
            problems.append(source.problem(base + ("environment", index), f"{key!r} is not a variable of the course's environment", "teardown"))
        elif PLACEHOLDER.search(variables[key].value):
            problems.append(source.problem(base + ("environment", index), f"{key!r} holds a participant's value ({variables[key].value!r}); put it in the teardown's data instead", "teardown"))
    known = set(PARTICIPANT_COLUMNS) | roster_columns
    for path, text in strings(raw.get("data", {}), base + ("data",)):
        for match in PLACEHOLDER.finditer(text):
            if match.group(1) is not None and match.group(1) not in known:
                problems.append(source.problem(path, f"unknown participant value ${{{match.group(1)}}}; known: {', '.join(sorted(known))}", "placeholder"))
    elsewhere = {key: value for key, value in raw.items() if key not in ("data", "description")}
    for path, text in strings(elsewhere, base):
        if any(match.group(1) is not None for match in PLACEHOLDER.finditer(text)):
            problems.append(source.problem(path, "participant values (${...}) belong in the teardown's data only; use its {{COLUMN}}", "placeholder"))
    find, delete = raw["find"], raw["delete"]
    listing, found = _listing(find, requests, source, base + ("find",))
    problems += found
    # The Postman variables a listing: brings are checked as the teardown's own, at the listing: line (the course's
    # checks refuse a participant value there already).
    brought = ([(base + ("find", "listing"), text) for _, text in strings({key: listing[key] for key in ("url", "next_base", "match")}, ())]
               if listing is not None and "listing" in find else [])
    if f"{{{{{ID_VARIABLE}}}}}" not in delete["url"]:
        problems.append(source.problem(base + ("delete", "url"), f"the delete url must hold {{{{{ID_VARIABLE}}}}}, the id of the item found", "teardown"))
    find_name = find.get("name", "Find")
    delete_name = delete.get("name", "Delete")
    taken = [raw["token"]]
    for key, name in (("find", find_name), ("delete", delete_name)):
        if name in taken:
            problems.append(source.problem(base + (key, "name") if "name" in raw[key] else base + (key,), f"request name {name!r} is taken: setNextRequest finds requests by name", "duplicate-name"))
        taken.append(name)
    defined = ({variables[key].key for key in names if key in variables} | set(PARTICIPANT_COLUMNS) | set(raw.get("data", {}))
               | {ID_VARIABLE} | (set(token.keep) if token else set()))
    for path, text in [*strings({key: raw[key] for key in ("headers", "find", "delete") if key in raw}, base), *brought]:
        for match in POSTMAN_VARIABLE.finditer(text):
            if match.group(1).strip() not in defined:
                problems.append(source.problem(path, f"Postman variable {{{{{match.group(1)}}}}} is neither in the teardown's environment or data nor kept by its token request", "undefined-variable"))
    if problems or token is None or listing is None:
        return None, problems
    teardown = Teardown(
        description=raw.get("description", ""),
        environment=[variables[key] for key in names],
        token=token,
        headers=_headers(raw.get("headers", {})),
        data=dict(raw.get("data", {})),
        find=Find(name=find_name, url=listing["url"], items=listing["items"], match=listing["match"], id=find.get("id", "id"),
                  next=listing["next"], next_base=listing["next_base"], max_pages=find.get("max_pages", DEFAULT_MAX_PAGES)),
        delete=Delete(name=delete_name, method=delete.get("method", "DELETE"), url=delete["url"],
                      status=delete.get("expect", {}).get("status", 200)),
        retries=raw.get("retries", DEFAULT_RETRIES),
    )
    return teardown, []
