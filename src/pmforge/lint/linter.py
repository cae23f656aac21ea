"""Lint Postman files: find them, read them with positions, run the registry's checks, yield problems. Nothing here prints."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import ModuleType

from pmforge import rules
from pmforge.lint import structure
from pmforge.lint.context import Context
from pmforge.lint.positions import Document, load
from pmforge.lint.rules import RULES
from pmforge.lint.settings import Settings, nearest_settings
from pmforge.lint.v3_reading import DEFINITION, collection_of, is_collection, read_collection
from pmforge.leaks import Secret, environment_secrets
from pmforge.loading import is_folder, is_regular, read_text
from pmforge.pql.catalog import Catalog, load_catalog
from pmforge.problems import Problem

COLLECTION_SUFFIX = ".postman_collection.json"
ENVIRONMENT_SUFFIX = ".postman_environment.json"
_SKIPPED_FOLDERS = {"node_modules", "__pycache__"}


def discover(paths: Iterable[Path]) -> list[Path]:
    """Files and v3 collection folders as given, and under each other folder every collection (v2 file
    or v3 folder) and environment (hidden folders skipped)."""
    found: list[Path] = []
    for path in paths:
        if not is_folder(path) or is_collection(path):
            # A file of a v3 collection (as a pre-commit hook passes it) stands for its collection.
            found.append(collection_of(path) or path if is_regular(path) else path)
            continue
        candidates = [c for c in path.rglob("*.postman_*.json") if c.name.endswith((COLLECTION_SUFFIX, ENVIRONMENT_SUFFIX))]
        candidates += [d.parent.parent for d in path.rglob(DEFINITION.name) if d.parent.name == DEFINITION.parent.name
                       and d.parent.parent != path and is_collection(d.parent.parent)]
        for candidate in sorted(candidates):
            relative = candidate.relative_to(path).parts[:-1]
            if not any(part.startswith(".") or part in _SKIPPED_FOLDERS for part in relative):
                found.append(candidate)
    return list(dict.fromkeys(found))


def _read(path: Path) -> tuple[Document | None, list[Problem]]:
    if is_folder(path):
        return read_collection(path)
    if path.suffix in (".yaml", ".yml"):
        return None, [Problem(str(path), 1, 1, f"a YAML file outside any v3 collection (no {DEFINITION.as_posix()} above it)", "file-kind")]
    text, problems = read_text(path, str(path))
    if text is None:
        return None, problems
    return load(str(path), text)


def environment_keys(document: Document) -> set[str]:
    root, _ = structure.environment_root(document.data)
    entries = root.get("values") if isinstance(root, dict) else None
    return {v["key"] for v in entries or [] if isinstance(v, dict) and isinstance(v.get("key"), str)}


def lint_files(files: Sequence[Path], *, settings: Settings | None = None, catalog: Catalog | None = None) -> Iterator[Problem]:
    """Problems of every file, file by file, in order within each.

    Environments among ``files`` define the ``{{VAR}}``s of the collections;
    without any environment the undefined-variable rule has nothing to go by
    and stays quiet. ``settings`` applies to every file; without it each file
    takes its nearest ``.pmforge-lint.yaml``.
    """
    loaded = [(path, *_read(path)) for path in files]
    kinds = {path: structure.file_kind(document.data) if document else None for path, document, _ in loaded}
    environments = [document for path, document, _ in loaded if document and kinds[path] == structure.ENVIRONMENT]
    keys = set().union(*(environment_keys(e) for e in environments)) if environments else None
    secrets = [secret for e in environments for secret in environment_secrets(structure.environment_root(e.data)[0])]
    catalog = catalog or load_catalog()
    cache: dict[Path, Settings] = {}
    for path, document, problems in loaded:
        if document is not None:
            problems = problems + lint_document(document, kinds[path], environment=keys, catalog=catalog, secrets=secrets)
        chosen = settings if settings is not None else nearest_settings(path, cache)
        # Overrides match the file a problem is in: for a v3 collection, one of its YAML files.
        by_file: dict[str, list[Problem]] = {}
        for problem in problems:
            by_file.setdefault(problem.file, []).append(problem)
        yield from without_repeats(sorted(kept for file, group in by_file.items() for kept in chosen.apply(group, file)))


def lint_document(document: Document, kind: str | None, *, environment: set[str] | None, catalog: Catalog,
                  secrets: Sequence[Secret] = ()) -> list[Problem]:
    """All rules on one parsed file. ``environment``: the variable names defined, or None when unknown;
    ``secrets``: the secret values of the environments, which no collection may hold."""
    if kind is None:
        return [document.problem((), "neither a Postman collection (info, item) nor an environment (values)", "file-kind")]
    context = Context(document, kind, environment, catalog, secrets)
    checks = document_checks()
    problems = checks.pop(structure.__name__).check(context)
    # The other rules read the structure as Postman defines it; on a broken one they would guess.
    if not any(problem.rule == "structure" for problem in problems):
        for module in checks.values():
            if kind in getattr(module, "KINDS", (structure.COLLECTION,)):
                problems += module.check(context)
    return problems


def document_checks() -> dict[str, ModuleType]:
    """The modules the registry names (``Rule.check``), in registry order: a family's rules share one.

    Each has ``check(context)``; it runs on collections, or on the kinds of file its ``KINDS`` names."""
    names = dict.fromkeys(rule.check for rule in rules.RULES.values() if rule.check)
    return {name: importlib.import_module(name) for name in names}


def without_repeats(problems: list[Problem]) -> Iterator[Problem]:
    """Each problem once, and no header-schema problem where a more specific rule already spoke (the sorted
    problems of one file; a course's and an export's alike).

    The header schema restates what a more specific rule says at that spot (bearer, Content-Type on a GET), and the
    specific rule's level is the one meant: a lower-case bearer works, and is a warning.
    """
    taken = {(p.file, p.line, p.column) for p in problems if p.rule != "headers"}
    seen: set[Problem] = set()
    for problem in problems:
        if (problem.rule == "headers" and (problem.file, problem.line, problem.column) in taken) or problem in seen:
            continue
        seen.add(problem)
        yield problem


__all__ = ["RULES", "discover", "lint_files", "lint_document"]
