"""The pipeline: load → model → render → validate → write.

Every function returns problems as values; nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from pmforge import classpage, handouts, v3
from pmforge.checks import BODY_SCHEMAS, PARTICIPANT_FIELDS, catalog_problems, course_problems, strings, url_path
from pmforge.course_document import CourseDocument, rendered_problems
from pmforge.rules import apply_levels, course_levels
from pmforge.loading import is_folder, load_yaml_file
from pmforge.lint.linter import without_repeats
from pmforge.lint.settings import LintConfigError, settings_from_mapping
from pmforge.leaks import environment_secrets, find_leaks
from pmforge.model import PLACEHOLDER, Course, Folder, Request, build_course
from pmforge.problems import WARNING, Problem, has_errors
from pmforge.rendering import Rendered, Renderer, RenderError, canonical
from pmforge.resources import bundled_course
from pmforge.names import MAX_NAME_BYTES, WINDOWS_RESERVED, file_stem, name_bytes, stem_too_long
from pmforge.roster import Participant, Roster, example_roster_refusal, load_roster
from pmforge.validation import schema_problems
from pmforge.packaging import zip_bytes
from pmforge.writing import OutputError, refusal, staged

COLLECTION_FORMATS = ("v2.1", "v3", "both")
_FORMATS_WRITTEN = {"v2.1": ("v2.1",), "v3": ("v3",), "both": ("v2.1", "v3")}


@dataclass
class Plan:
    """A course and roster that passed every check that does not need rendering."""

    course: Course
    roster: Roster
    renderer: Renderer


def resolve_course(course: Path | None) -> Path:
    if course is None:
        return bundled_course()
    return course / "course.yaml" if is_folder(course) else course


def load_course(path: Path) -> tuple[Course | None, list[Problem]]:
    located, problems = load_yaml_file(path)
    if located is None:
        return None, problems
    if not isinstance(located.data, dict):
        return None, problems + [located.problem((), "a course file is a mapping with 'collection' and 'folders'", "course-schema")]
    schema = schema_problems(located.data, "course.schema.json", lambda p, m, r, k: located.problem(p, m, r, key=k), rule="course-schema")
    if problems or schema:
        return None, problems + schema
    settings = located.data.get("settings") or {}
    if "rules" in settings:
        # The same reader as .pmforge-lint.yaml: every rule id is checked against the registry.
        try:
            settings_from_mapping({"rules": settings["rules"]}, origin=str(path))
        except LintConfigError as error:
            message = str(error).removeprefix(f"{path}: ")
            return None, [located.problem(("settings",) + error.path, message, "lint-config", key=error.key)]
    return build_course(located), []


def plan(course_path: Path | None, roster_path: Path | None) -> tuple[Plan | None, list[Problem]]:
    """Load and check the course and the roster; render nothing yet.

    With a plan come its warnings; without one, the errors that stopped it.
    """
    course, problems = load_course(resolve_course(course_path))
    if course is None:
        return None, problems
    if roster_path is None:
        if course.example_roster is None:
            return None, [Problem(course.file, 1, 1, "no --roster given and the course names no example_roster", "roster")]
        refused = example_roster_refusal(Path(course.file), course.source.data["example_roster"])
        if refused:
            return None, [course.source.problem(("example_roster",), refused, "roster")]
        roster_path = course.example_roster
    roster, problems = load_roster(roster_path, default_sandbox=course.default_sandbox)
    if roster is None:
        return None, problems
    problems, renderer = check_course(course, roster_fields=roster.columns)
    if renderer is None or has_errors(problems):
        return None, problems
    return Plan(course, roster, renderer), problems  # warnings only


def check_course(course: Course, *, roster_fields: set[str]) -> tuple[list[Problem], Renderer | None]:
    """Every check that does not depend on a participant, once per course, and the renderer when they pass.

    The course-only checks read the YAML as written (checks.py); then the course is rendered for a stand-in
    participant and every lint rule runs on that Postman document (the one implementation of each rule a course
    and an export share), each problem mapped back to the course file by the renderer's source map. What a real
    participant's values do where they land is checked per participant (``outputs``).
    """
    problems = course_problems(course, roster_fields=roster_fields) + _file_name_problems(course)
    if has_errors(problems):
        return problems, None
    try:
        renderer = Renderer(course)
        # Its environment holds what a real participant's does: the roster's own columns, not ldap or sandbox.
        stand_in = Participant("learner", course.default_sandbox or "sandbox",
                               {name: name.lower() for name in roster_fields if name not in PARTICIPANT_FIELDS})
        rendered = renderer.render(stand_in)
    except RenderError as error:
        return problems + [error.problem], None
    document = CourseDocument(course, rendered.collection, renderer.source_map, stand_in.fields())

    def locate(path: tuple[Any, ...], message: str, rule: str, at_key: bool) -> Problem:
        return document.problem(path, f"output at {'/'.join(map(str, path)) or '/'}: {message}", rule)

    # The collection's shape is the same for every participant: checked here, once.
    problems += schema_problems(rendered.collection, "postman-collection.schema.json", locate, rule="postman-schema")
    catalog, _ = catalog_problems(course)
    if catalog is not None:
        # Each finding once, as lint says it (a header set on a folder lands in every request of it, one line to fix).
        found = rendered_problems(course, document, rendered.environment, catalog)
        problems += list(without_repeats(sorted(apply_levels(found, course_levels(course.rules)))))
    return problems, renderer


def _file_name_problems(course: Course) -> list[Problem]:
    """A collection name whose files no file system can name fails here, before anything is written."""
    why = stem_too_long(course.name)
    return [course.source.problem(("collection",), why, "course-schema")] if why else []


def _filled_bodies(plan: Plan) -> list[tuple[int, Request, str, str]]:
    """The JSON bodies a participant's values land in (by request index), with the schema that checks them: found once per course."""
    found = []
    for index, (request, compiled) in enumerate(plan.renderer.requests):
        if request.body_kind != "json" or not any(PLACEHOLDER.search(text) for _, text in strings(compiled, ())):
            continue
        path = url_path(request.url)
        found += [(index, request, schema, rule) for method, suffix, schema, rule in BODY_SCHEMAS
                  if request.method == method and path.endswith(suffix)]
    return found


def _output_problems(plan: Plan, participant: Participant, rendered: Rendered, bodies: list[tuple[int, Request, str, str]]) -> list[Problem]:
    """Per participant, only what its values can change: the bodies they land in, and its environment.

    The collection's shape was checked once per course (``check_course``): a value only ever fills a string.
    """
    roster_file = plan.roster.file

    def locate(path: tuple[Any, ...], message: str, rule: str, at_key: bool) -> Problem:
        return Problem(roster_file, participant.line, 1, f"output for {participant.ldap!r} at {'/'.join(map(str, path)) or '/'}: {message}", rule)

    problems = []
    for index, request, schema, rule in bodies:
        def in_body(path: tuple[Any, ...], message: str, rule: str, at_key: bool, name: str = request.name) -> Problem:
            return Problem(roster_file, participant.line, 1, f"output for {participant.ldap!r}: request {name!r}: {message}", rule)

        problems += schema_problems(rendered.bodies[index], schema, in_body, rule=rule)
    problems += schema_problems(rendered.environment, "postman-environment.schema.json", locate, rule="environment-schema")
    return problems


def _secret_problems(plan: Plan, participant: Participant, rendered: Rendered) -> list[Problem]:
    secrets = environment_secrets(rendered.environment)
    problems = [
        Problem(plan.roster.file, participant.line, 1, secret.unsearched(f" of {participant.ldap!r}"), "secret", WARNING)
        for secret in secrets if not secret.searchable
    ]
    leaks = find_leaks(rendered.collection, secrets, text=rendered.collection_text, filled=rendered.search)
    # Where a leak lands in the course: the source map turns its place in the output into the course key it fills.
    if not leaks:
        return problems
    document = CourseDocument(plan.course, rendered.collection, plan.renderer.source_map, participant.fields())
    for leak in leaks:
        where = "/".join(map(str, leak.path))
        message = f"the value of secret {leak.secret.name} of {participant.ldap!r} ({plan.roster.file} line {participant.line}) would be written into the collection at {where}"
        problems.append(document.problem(leak.path, message, "secret", index=leak.offset))
    return problems


def outputs(plan: Plan, collection_format: str = "v2.1") -> Iterator[tuple[Participant, dict[str, str], list[Problem]]]:
    """For each participant: the files to write (relative path → text) and their problems."""
    stem = file_stem(plan.course.name)
    bodies = _filled_bodies(plan)
    tree_problems_once = _tree_name_problems(plan.course) if collection_format != "v2.1" else []
    written_before = v3.Written()
    for participant in plan.roster.participants:
        try:
            rendered = plan.renderer.render(participant)
        except RenderError as error:
            yield participant, {}, [error.problem]
            continue
        collection_text, environment_text = rendered.collection_text, rendered.environment_text
        problems = _output_problems(plan, participant, rendered, bodies) + _secret_problems(plan, participant, rendered)
        files = {}
        if collection_format != "v3":
            files[f"{participant.ldap}/{stem}.postman_collection.json"] = collection_text
            files[f"{participant.ldap}/{stem}.postman_environment.json"] = environment_text
        if collection_format != "v2.1":
            tree, tree_problems = v3.files(rendered.collection, environment_text, environment_file=f"{stem}.postman_environment.json",
                                           problem=lambda message, rule, at=participant: Problem(
                                               plan.roster.file, at.line, 1, f"output for {at.ldap!r} {message}", rule),
                                           written_before=written_before)
            files.update((f"{participant.ldap}/{path}", text) for path, text in tree.items())
            problems += tree_problems
        if tree_problems_once:
            problems, tree_problems_once = problems + tree_problems_once, []
        # The course's settings.rules hold here as in the course checks and in `lint --config course.yaml`.
        yield participant, files, apply_levels(problems, course_levels(plan.course.rules))


def _unfit_name(part: str) -> str | None:
    """Why some file system cannot hold this one name of a path, or None."""
    size = name_bytes(part)
    return (f"is {size} bytes long; file systems allow {MAX_NAME_BYTES}" if size > MAX_NAME_BYTES
            else "is a device name on Windows" if WINDOWS_RESERVED.fullmatch(part)
            else "ends with a dot or a space, which Windows drops" if part.endswith((".", " ")) else None)


def _tree_name_problems(course: Course) -> list[Problem]:
    """The v3 tree makes files of folder and request names: the same for every participant, so checked once,
    at the name in the course."""
    problems = []
    why = _unfit_name(v3.file_name(course.name))
    if why:
        problems.append(course.source.problem(("collection",), f"the file name {v3.file_name(course.name)[:60]!r} {why}; rename the collection", "output"))

    def visit(items: list[Any]) -> None:
        for item in items:
            part = v3.file_name(item.name) + ("" if isinstance(item, Folder) else v3.REQUEST_SUFFIX)
            why = _unfit_name(part)
            if why:
                problems.append(course.source.problem(item.path + ("name",), f"the file name {part[:60]!r} {why}; rename what it is named after", "output"))
            if isinstance(item, Folder):
                visit(item.items)

    visit(course.items)
    return problems


@dataclass
class Result:
    problems: list[Problem]
    participants: int = 0
    files: int = 0
    checked: list[str] = field(default_factory=list)  # the course and roster files read


def validate(course_path: Path | None, roster_path: Path | None, *, collection_format: str = "v2.1") -> Result:
    """Run every check of ``build`` in that format, render every participant, write nothing."""
    checked, problems = plan(course_path, roster_path)
    if checked is None:
        return Result(problems, checked=[str(resolve_course(course_path))])
    count = 0
    for _, _, file_problems in outputs(checked, collection_format):
        problems += file_problems
        count += 1
    return Result(problems, participants=count, checked=[checked.course.file, checked.roster.file])


def build(course_path: Path | None, roster_path: Path | None, out_dir: Path, *, with_handouts: bool = False,
          collection_format: str = "v2.1", strict: bool = False) -> Result:
    """Check, render and write every participant's files; on any error (with ``strict``, any problem) write nothing.

    ``with_handouts`` adds each participant's handout and zip, and the class page.
    ``collection_format``: "v2.1" (JSON files), "v3" (a Postman git workspace per participant) or "both".
    """
    def stops(problems: list[Problem]) -> bool:
        return has_errors(problems) or (strict and bool(problems))

    given = [resolve_course(course_path)] + ([roster_path] if roster_path is not None else [])
    refused = refusal(out_dir, given, look_inside=False)
    if refused:
        return Result([refused])
    checked, problems = plan(course_path, roster_path)
    if checked is None:
        return Result(problems)
    inputs = given + [Path(checked.roster.file)] + ([checked.course.example_roster] if checked.course.example_roster else [])
    written = participants = 0
    book = handouts.Handouts(checked.course, formats=_FORMATS_WRITTEN[collection_format]) if with_handouts else None
    if book is not None:
        problems += book.clashes(checked.roster.participants, checked.roster.file)
    try:
        with staged(out_dir, inputs=inputs) as staging:
            for participant, files, file_problems in outputs(checked, collection_format):
                problems += file_problems
                participants += 1
                if stops(problems):
                    continue  # keep checking the rest, so one run reports everything
                if book is not None:
                    files |= book.add(participant, checked.renderer.environment_values(participant), files)
                for relative, text in files.items():
                    staging.write(relative, text)
                    written += 1
                if book is not None:
                    staging.write_bytes(f"{participant.ldap}.zip", zip_bytes(files))
                    written += 1
            if stops(problems):
                staging.discard()
                return Result(problems, participants=participants)
            if book is not None:
                manifest = book.manifest()
                staging.write(handouts.MANIFEST, canonical(manifest))
                staging.write("index.html", classpage.class_page(manifest))
                written += 2
    except OutputError as error:
        return Result([error.problem], participants=participants)
    except handouts.HandoutError as error:
        return Result(problems + [error.problem], participants=participants)
    return Result(problems, participants=participants, files=written)
