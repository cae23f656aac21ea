"""``pmforge teardown``: check the course and roster, build the trainer's files, check them as
``pmforge lint`` would, and write them through the same atomic staging as a build."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pmforge.building import Result, plan
from pmforge.lint.linter import lint_document
from pmforge.lint.positions import load
from pmforge.lint.structure import COLLECTION, ENVIRONMENT
from pmforge.names import file_stem, stem_too_long
from pmforge.pql.catalog import load_catalog
from pmforge.model import Course
from pmforge.problems import Problem, has_errors
from pmforge.rendering import canonical
from pmforge.teardown.declaration import read_teardown
from pmforge.teardown.documents import Documents, teardown_documents
from pmforge.validation import schema_problems
from pmforge.writing import MARKER, OutputError, manifest, refusal, staged

COLLECTION_SUFFIX = ".postman_collection.json"
ENVIRONMENT_SUFFIX = ".postman_environment.json"
DATA_SUFFIX = ".iteration_data.json"
TEARDOWN_SUFFIXES = (COLLECTION_SUFFIX, ENVIRONMENT_SUFFIX, DATA_SUFFIX)


def teardown_files(documents: Documents) -> dict[str, str]:
    """File name -> text of the three files, in the one canonical JSON form."""
    stem = file_stem(documents.name)
    return {
        stem + COLLECTION_SUFFIX: canonical(documents.collection),
        stem + ENVIRONMENT_SUFFIX: canonical(documents.environment),
        stem + DATA_SUFFIX: canonical(documents.data),
    }


def _name_problems(course: Course, name: str) -> list[Problem]:
    """A collection name the build takes can still make the teardown's file names too long: " - Teardown" comes
    on top. Said at the name, before anything is written."""
    why = stem_too_long(name, files="teardown file names")
    return [course.source.problem(("collection",), why, "teardown")] if why else []


def _output_problems(out_dir: Path, documents: Documents, files: dict[str, str]) -> list[Problem]:
    """Postman's schemas, then every lint rule, on the files as they would be written."""
    names = list(files)
    problems: list[Problem] = []
    for name, document, schema in ((names[0], documents.collection, "postman-collection.schema.json"),
                                   (names[1], documents.environment, "postman-environment.schema.json")):
        where = str(out_dir / name)

        def locate(path: tuple[object, ...], message: str, rule: str, at_key: bool, where: str = where) -> Problem:
            return Problem(where, 0, 0, f"at {'/'.join(map(str, path)) or '/'}: {message}", rule)

        problems += schema_problems(document, schema, locate, rule="postman-schema")
    keys = {variable["key"] for variable in documents.environment["values"]}
    catalog = load_catalog()
    for name, kind in ((names[0], COLLECTION), (names[1], ENVIRONMENT)):
        parsed, found = load(str(out_dir / name), files[name])
        if parsed is not None:
            found += lint_document(parsed, kind, environment=keys, catalog=catalog)
        # Lint warnings are problems here too: what pmforge writes must lint clean.
        problems += [dataclasses.replace(problem, severity="error") for problem in found]
    return problems


def _class_refusal(out_dir: Path) -> Problem | None:
    """A class pmforge built is pmforge's to replace, but not with a teardown: that would throw away the class."""
    if not (out_dir / MARKER).is_file():
        return None
    written = manifest(out_dir)
    if written is None or any("/" in name or not name.endswith(TEARDOWN_SUFFIXES) for name in written):
        return Problem(str(out_dir), 0, 0, "holds a class pmforge built, not a teardown; give the teardown a folder of its own", "output")
    return None


def teardown(course_path: Path | None, roster_path: Path | None, out_dir: Path) -> Result:
    """Check, build and write the teardown collection, environment and iteration data; on any
    problem write nothing."""
    unsafe = refusal(out_dir) or _class_refusal(out_dir)
    checked, problems = (None, [unsafe]) if unsafe else plan(course_path, roster_path)
    declared, found = read_teardown(checked.course, roster_columns=checked.roster.columns) if checked else (None, [])
    problems += found
    if checked is None or declared is None:
        return Result(problems)
    participants = checked.roster.participants
    documents = teardown_documents(checked.course.name, declared, participants)
    files = teardown_files(documents)
    problems += _name_problems(checked.course, documents.name) + _output_problems(out_dir, documents, files)
    if has_errors(problems):
        return Result(problems, participants=len(participants))
    try:
        with staged(out_dir) as staging:
            for name, text in files.items():
                staging.write(name, text)
    except OutputError as error:  # another build holds it, it is no longer pmforge's to replace, or a write failed
        return Result([error.problem], participants=len(participants))
    return Result(problems, participants=len(participants), files=len(files))
