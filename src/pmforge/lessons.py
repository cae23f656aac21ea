"""What a course teaches, step by step: the words of handouts, the class page and the collection's documentation.

Everything here is read from the course model. Markdown written from a course
or roster value goes through ``md_text``, ``md_code`` or ``md_block``, so a
name can never become a link, a heading or raw HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from pmforge.checks import used_variables
from pmforge.model import PLACEHOLDER, Course, EnvVar, Folder, Item, Request
from pmforge.outcome import counted
from pmforge.pql import PqlError, explain
from pmforge.pql.tree import decode

# The characters that can start markup in running text (CommonMark and GFM):
# emphasis, code, links, raw HTML, entities, table cells, strikethrough, headings.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~#!])")
_BACKTICKS = re.compile(r"`+")


def md_text(value: object) -> str:
    """``value`` as literal Markdown text on one line: every special character escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def md_code(value: object) -> str:
    """``value`` as an inline code span, whatever backticks it holds."""
    text = " ".join(str(value).split("\n"))
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_block(value: object, language: str = "") -> str:
    """``value`` as a fenced code block, the fence longer than any backtick run inside."""
    text = str(value).rstrip("\n")
    fence = "`" * max(3, max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    return f"{fence}{language}\n{text}\n{fence}"


@dataclass
class Step:
    """One request of the course, described for a learner (no participant's values)."""

    number: int
    name: str
    folder: str
    method: str
    url: str
    does: str  # the author's description, or a sentence written from the request
    pql: str | None
    body_kind: str | None
    keeps: list[tuple[str, list[str]]] = field(default_factory=list)
    success: list[str] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        """The step as plain data, for templates and the class manifest."""
        return {
            "number": self.number, "name": self.name, "folder": self.folder, "method": self.method, "url": self.url,
            "does": self.does, "pql": self.pql, "body_kind": self.body_kind,
            "keeps": [{"variable": variable, "paths": paths} for variable, paths in self.keeps],
            "success": list(self.success),
        }


def expression_text(body: Any) -> str | None:
    """The PQL of a body's segment expression, as the course writes it (a tree is explained back to text)."""
    if not isinstance(body, dict) or not isinstance(body.get("expression"), dict):
        return None
    expression = body["expression"]
    if isinstance(expression.get("pql"), str):
        return expression["pql"]
    value = expression.get("value")
    if isinstance(value, str) and expression.get("format") != "pql/json":
        return value
    try:
        tree = decode(value) if isinstance(value, str) else value  # within pmforge's limits: lint reports the rest
        return explain(tree) if isinstance(tree, dict) else None
    except (PqlError, ValueError, TypeError, KeyError):
        return None


_SENDS = {
    "json": "a JSON body", "form": "a form (x-www-form-urlencoded)", "raw": "a raw body",
    "formdata": "multipart form data", "file": "a file",
}


def _does(request: Request, pql: str | None) -> str:
    if request.description:
        return request.description
    sentence = f"Sends a {request.method} request"
    if pql is not None:
        sentence += " with a segment expression"
    elif request.body_kind:
        sentence += f" with {_SENDS[request.body_kind]}"
    return sentence + "."


def _success(request: Request) -> list[str]:
    lines = []
    if request.expect_status is not None:
        lines.append(f"The status is {request.expect_status}.")
    if request.expect_fields:
        lines.append(f"The response has {', '.join(request.expect_fields)}.")
    poll = request.poll
    if poll is not None:
        seconds = f"{poll.interval_ms / 1000:g} s"
        line = f"Postman sends it again every {seconds} (at most {counted(poll.max_polls, 'time')}) until {poll.field} is {' or '.join(poll.until)}"
        if poll.fail:
            line += f"; {' or '.join(poll.fail)} means it failed"
        lines.append(line + ".")
    return lines


ALL_TESTS_PASS = "Every test in the Test Results tab passes."


def _keep_lines(request: Request) -> list[str]:
    return [f"{md_code(variable)} is kept from the response's {' or '.join(md_code(path) for path in paths)}." for variable, paths in request.keep.items()]


def _folders(items: list[Item], folder: str) -> Iterator[tuple[str, Request]]:
    for item in items:
        if isinstance(item, Folder):
            yield from _folders(item.items, item.name)
        else:
            yield folder, item


def course_steps(course: Course) -> list[Step]:
    """Every request of the course, in collection order, numbered from 1."""
    steps = []
    for number, (folder, request) in enumerate(_folders(course.items, ""), start=1):
        pql = expression_text(request.body)
        steps.append(Step(
            number=number, name=request.name, folder=folder, method=request.method, url=request.url,
            does=_does(request, pql), pql=pql, body_kind=request.body_kind,
            keeps=list(request.keep.items()), success=[*_success(request), ALL_TESTS_PASS],
        ))
    return steps


# --- descriptions written into the collection (Postman's documentation pane) ---

def request_markdown(request: Request) -> str:
    """What the step does, the PQL as text, what to check."""
    pql = expression_text(request.body)
    parts = [request.description or md_text(_does(request, pql)), f"**{md_text(request.method)}** {md_code(request.url)}"]
    if pql is not None:
        parts += ["**Segment expression (PQL)**, as the course writes it; the body carries it as the expression's value:", md_block(pql)]
    checks = [*(md_text(line) for line in _success(request)), *_keep_lines(request), ALL_TESTS_PASS]
    parts += ["**What to check**", "\n".join(f"- {line}" for line in checks)]
    return "\n\n".join(parts)


def folder_markdown(folder: Folder) -> str:
    listing = "\n".join(f"{index}. {md_text(request.name)}" for index, (_, request) in enumerate(_folders(folder.items, folder.name), start=1))
    intro = folder.description or "Run these requests in order:"
    return f"{intro}\n\n{listing}" if listing else intro


def collection_markdown(course: Course, fill_in: list[str]) -> str:
    steps = "\n".join(f"{step.number}. {md_text(step.name)}" for step in course_steps(course))
    parts = [course.description or f"The exercise {md_text(course.name)}, one request after the other."]
    if fill_in:
        parts.append("Before the first request, fill in " + ", ".join(md_code(name) for name in fill_in) + " in your environment.")
    parts += ["**Steps**", steps]
    return "\n\n".join(parts)


def filled_by_pmforge(value: str) -> bool:
    """Whether an environment value holds a participant's value (``${...}``)."""
    return any(match.group(1) is not None for match in PLACEHOLDER.finditer(value))


def environment_in_use(course: Course) -> list[EnvVar]:
    """The course's environment without the variables nothing uses (unless kept on purpose)."""
    used = used_variables(course)
    return [variable for variable in course.environment if variable.key in used or variable.kept]


def learner_fills(course: Course) -> list[EnvVar]:
    """Variables the learner types in: empty in the course, and set by no request."""
    kept = {variable for request in course.requests() for variable in request.keep}
    return [variable for variable in environment_in_use(course) if variable.value == "" and variable.key not in kept]
