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
    for path, text in strings({key: raw[key] for key in ("headers", "find", "delete") if key in raw}, base):
        for match in POSTMAN_VARIABLE.finditer(text):
            if match.group(1).strip() not in defined:
                problems.append(source.problem(path, f"Postman variable {{{{{match.group(1)}}}}} is neither in the teardown's environment or data nor kept by its token request", "undefined-variable"))
    if problems or token is None:
        return None, problems
    teardown = Teardown(
        description=raw.get("description", ""),
        environment=[variables[key] for key in names],
        token=token,
        headers=_headers(raw.get("headers", {})),
        data=dict(raw.get("data", {})),
        find=Find(name=find_name, url=find["url"], items=find["items"], match=dict(find["match"]), id=find.get("id", "id"),
                  next=find.get("next"), next_base=find.get("next_base", ""), max_pages=find.get("max_pages", DEFAULT_MAX_PAGES)),
        delete=Delete(name=delete_name, method=delete.get("method", "DELETE"), url=delete["url"],
                      status=delete.get("expect", {}).get("status", 200)),
        retries=raw.get("retries", DEFAULT_RETRIES),
    )
    return teardown, []
