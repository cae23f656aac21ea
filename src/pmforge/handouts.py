"""Handouts for learners, one zip each, and the class page for the trainer (``build --handouts``).

The pages come from Jinja templates in ``templates/``, in the same sandbox
with strict undefined names as the collections. HTML is autoescaped; Markdown
goes through the filters of ``lessons``. Templates receive plain data only.
No secret value reaches a page: a secret shows as "not shown".
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Sequence
from urllib.parse import quote

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from pmforge import lessons
from pmforge.checks import strings
from pmforge.leaks import looks_secret
from pmforge.model import BODY_KEYS, Course, Request
from pmforge.problems import Problem
from pmforge.rendering import fill
from pmforge.resources import data_dir
from pmforge.roster import Participant

HANDOUT_HTML, HANDOUT_MD = "handout.html.j2", "handout.md.j2"
MANIFEST = "class.json"  # what the class page is made of, kept so it can be drawn again later
FORMATS = ("v2.1", "v3")
# Roster columns a page never shows, whatever the course says about them.
_NO_DESCRIPTION = "Not described by the course: ask your trainer where this value comes from."


class HandoutError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def href(relative: str) -> str:
    """A relative link to ``relative`` (a path with /), every segment percent-encoded."""
    return "/".join(quote(segment, safe="") for segment in relative.split("/"))


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        autoescape=lambda name: bool(name) and name.endswith(".html.j2"),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(md=lessons.md_text, code=lessons.md_code, block=lessons.md_block, href=href)
    return env


_ENV: SandboxedEnvironment | None = None


def render(name: str, context: dict[str, Any]) -> str:
    """Render one page template; a broken template is a problem, not a traceback."""
    global _ENV
    if _ENV is None:
        _ENV = _environment()
    try:
        return _ENV.get_template(name).render(context)
    except jinja2.TemplateError as error:
        line = getattr(error, "lineno", None) or 0
        raise HandoutError(Problem(str(data_dir("templates") / name), line, 1 if line else 0, f"template error: {error}", "template")) from None


def import_options(files: Iterable[str], formats: Sequence[str]) -> list[dict[str, Any]]:
    """How to bring a participant's files into Postman, one entry per collection format built.

    ``files`` are paths relative to the participant's folder. v2.1 is imported
    as two files in the app; v3 is the folder a git workspace reads.
    """
    files = sorted(files)
    options = []
    for fmt in formats:
        if fmt == "v2.1":
            chosen = [name for name in files if "/" not in name and name.endswith((".postman_collection.json", ".postman_environment.json"))]
            options.append({"format": fmt, "files": [{"name": name, "href": href(name)} for name in chosen]})
        elif fmt == "v3":
            folders = sorted({name.split("/", 1)[0] for name in files if "/" in name})
            options.append({"format": fmt, "folders": [{"name": folder + "/", "href": href(folder) + "/"} for folder in folders]})
        else:
            raise ValueError(f"unknown collection format {fmt!r}; known: {', '.join(FORMATS)}")
    return options


def _filled_in_bodies(requests: list[Request], fields: dict[str, str]) -> list[dict[str, str]]:
    filled = []
    for request in requests:
        for key in BODY_KEYS:
            for path, text in strings(getattr(request, key), ()):
                if lessons.filled_by_pmforge(text):
                    where = ".".join(str(part) for part in path) or key
                    filled.append({"name": f"{where} in “{request.name}”", "value": fill(text, fields)})
    return filled


def _sends(request: Request, fields: dict[str, str]) -> str | None:
    kind = request.body_kind
    if kind == "json":
        return json.dumps(fill(request.body, fields), indent=2, ensure_ascii=False)
    if kind in ("form", "formdata"):
        pairs = request.form.items() if kind == "form" else [(entry.get("key", ""), entry.get("value", entry.get("src", ""))) for entry in request.formdata or []]
        return "\n".join(f"{key}: {fill(value, fields)}" for key, value in pairs)
    if kind == "raw":
        return fill(request.raw, fields)
    if kind == "file":
        return json.dumps(request.file, ensure_ascii=False)
    return None


class Handouts:
    """The pages of one build: ``add`` each participant, then ``class_files`` once."""

    def __init__(self, course: Course, *, formats: Sequence[str] = ("v2.1",)) -> None:
        self.course = course
        self.formats = list(formats)
        self.steps = lessons.course_steps(course)
        self.requests = course.requests()
        self.environment = {variable.key: variable for variable in course.environment}
        self.fill_in = {variable.key for variable in lessons.learner_fills(course)}
        self.kept_by = {variable: step for step in self.steps for variable, _ in step.keeps}
        self.participants: list[dict[str, Any]] = []
        # What a step shows that no participant changes, made once; a participant adds what its request sends.
        self.step_views = [{
            **step.view(),
            "headers": [{"key": header.key, "value": header.value} for header in request.sent_headers],
            "headers_text": "\n".join(f"{header.key}: {header.value}" for header in request.sent_headers),
        } for step, request in zip(self.steps, self.requests)]

    def _variable(self, entry: dict[str, Any], participant: Participant) -> dict[str, Any]:
        key, value = entry["key"], entry["value"]
        course_variable = self.environment.get(key)
        hidden = entry["type"] == "secret" or looks_secret(key)
        row: dict[str, Any] = {"name": key, "value": None, "description": course_variable.description if course_variable else ""}
        if key in self.kept_by:
            row["role"] = f"set by step {self.kept_by[key].number}, {self.kept_by[key].name}"
        elif key in participant.values:
            row["role"] = "from the class roster" + (" (secret, not shown)" if hidden else "")
            row["value"] = None if hidden else value
        elif key in self.fill_in:
            row["role"] = "you fill in"
            row["description"] = row["description"] or _NO_DESCRIPTION
        elif course_variable is not None and lessons.filled_by_pmforge(course_variable.value):
            row["role"] = "filled in by pmforge"
            row["value"] = None if hidden else value
        else:
            row["role"] = "set by the course"
            row["value"] = None if hidden else value
        return row

    def view(self, participant: Participant, environment: list[dict[str, Any]], files: Iterable[str]) -> dict[str, Any]:
        """Everything a handout shows, as plain data. ``files``: paths relative to the participant's folder."""
        fields = participant.fields()
        variables = [self._variable(entry, participant) for entry in environment]
        filled = [{"name": row["name"], "value": row["value"]} for row in variables if row["role"] == "filled in by pmforge" and row["value"] is not None]
        steps = [{**shared, "sends": _sends(request, fields)} for shared, request in zip(self.step_views, self.requests)]
        files = sorted(files)
        return {
            "course": self.course.name,
            "ldap": participant.ldap,
            "sandbox": participant.sandbox,
            "filled": _filled_in_bodies(self.requests, fields) + filled,
            "fill_in": [row for row in variables if row["role"] == "you fill in"],
            "variables": variables,
            "imports": import_options(files, self.formats),
            "files": [{"name": name, "href": href(name)} for name in files],
            "steps": steps,
        }

    def add(self, participant: Participant, environment: list[dict[str, Any]], files: Iterable[str]) -> dict[str, str]:
        """The participant's handouts (path in the output → text); ``files`` as written, relative to the output."""
        prefix = participant.ldap + "/"
        own = [name[len(prefix):] for name in files if name.startswith(prefix)]
        names = {"html": f"{prefix}handout.html", "md": f"{prefix}handout.md"}
        view = self.view(participant, environment, [*own, "handout.html", "handout.md"])
        self.participants.append({
            "ldap": participant.ldap, "sandbox": participant.sandbox, "handout": names, "zip": f"{participant.ldap}.zip",
            "files": sorted(prefix + name for name in own),
        })
        return {names["html"]: render(HANDOUT_HTML, view), names["md"]: render(HANDOUT_MD, view)}

    def clashes(self, participants: list[Participant], roster_file: str) -> list[Problem]:
        """Participants whose folder would take the name of the class page, the manifest or someone's zip."""
        taken = {name.casefold(): what for name, what in (("index.html", "the class page"), (MANIFEST, "the class manifest"), ("rehearsal", "the rehearsal report"))}
        taken |= {f"{participant.ldap}.zip".casefold(): f"the zip of {participant.ldap!r}" for participant in participants}
        return [
            Problem(roster_file, participant.line, 1, f"ldap {participant.ldap!r} would take the name of {taken[participant.ldap.casefold()]} next to the handouts", "unsafe-value")
            for participant in participants
            if participant.ldap.casefold() in taken
        ]

    def manifest(self) -> dict[str, Any]:
        return {"course": self.course.name, "formats": self.formats, "steps": [step.view() for step in self.steps], "participants": self.participants}
