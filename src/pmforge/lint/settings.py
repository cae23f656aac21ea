"""Which rules run, and how loud: ``.pmforge-lint.yaml`` or the same mapping from a course's settings.

The format (documented in docs/lint.md)::

    rules:                 # rule id -> off | warning | error
      no-test: off
    overrides:             # later entries win; globs are relative to the config's folder
      - files: ["legacy/*.postman_collection.json"]
        rules: {secret: warning}

A file is linted with the nearest ``.pmforge-lint.yaml`` in its folder or a
parent folder, unless ``--config`` names one for all files.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from pmforge.lint.rules import RULES
from pmforge.loading import PathKey, load_yaml_text, read_text
from pmforge.problems import ERROR, WARNING, Problem

CONFIG_NAME = ".pmforge-lint.yaml"
OFF = "off"
_LEVELS = (OFF, WARNING, ERROR)


class LintConfigError(Exception):
    """A settings file or mapping that cannot be used.

    ``path`` (and ``key``: the key rather than its value) says which entry; read
    from a file, ``problem`` locates it there and the CLI reports it as one.
    """

    def __init__(self, message: str, path: PathKey = (), *, key: bool = False, problem: Problem | None = None) -> None:
        super().__init__(message)
        self.path, self.key, self.problem = path, key, problem


@dataclass(frozen=True)
class Settings:
    """Rule levels for all files, then per-glob overrides (relative to ``base``)."""

    rules: Mapping[str, str] = field(default_factory=dict)
    overrides: tuple[tuple[tuple[str, ...], Mapping[str, str]], ...] = ()
    base: Path | None = None

    def levels_for(self, file: str | Path) -> dict[str, str]:
        levels = {rule.id: rule.severity for rule in RULES.values()}
        levels.update(self.rules)
        for globs, rules in self.overrides:
            if _matches(Path(file), globs, self.base):
                levels.update(rules)
        return levels

    def apply(self, problems: Iterable[Problem], file: str | Path) -> list[Problem]:
        """Drop problems of rules switched off; give the others their configured severity."""
        levels = self.levels_for(file)
        kept = []
        for problem in problems:
            level = levels.get(problem.rule, problem.severity)
            if level == OFF:
                continue
            # A rule's own warnings (e.g. a deprecated field) stay warnings unless the rule is raised to error.
            severity = level if problem.rule not in RULES or level != RULES[problem.rule].severity else problem.severity
            kept.append(problem if severity == problem.severity else replace(problem, severity=severity))
        return kept


def _matches(file: Path, globs: tuple[str, ...], base: Path | None) -> bool:
    candidates = {file.as_posix(), file.name}
    if base is not None:
        try:
            candidates.add(file.resolve().relative_to(base.resolve()).as_posix())
        except ValueError:
            pass
    return any(fnmatch.fnmatchcase(candidate, glob) for glob in globs for candidate in candidates)


def settings_from_mapping(mapping: Any, *, origin: str = "settings", base: Path | None = None) -> Settings:
    """Check and read a ``{rules: {...}, overrides: [...]}`` mapping, e.g. a course file's lint settings.

    Raises LintConfigError naming ``origin`` and the offending entry.
    """
    if mapping is None:
        return Settings(base=base)
    if not isinstance(mapping, Mapping):
        raise LintConfigError(f"{origin}: expected a mapping with 'rules' and 'overrides'")
    unknown = sorted(str(key) for key in set(mapping) - {"rules", "overrides"})
    if unknown:
        raise LintConfigError(f"{origin}: unknown key {unknown[0]!r}; expected 'rules' and 'overrides'", (unknown[0],), key=True)
    overrides = []
    given = mapping.get("overrides") or []
    if not isinstance(given, list):
        raise LintConfigError(f"{origin}: overrides: expected a list of mappings with 'files' (globs) and 'rules'", ("overrides",))
    for index, entry in enumerate(given):
        where = f"{origin}: overrides[{index}]"
        if not isinstance(entry, Mapping) or set(entry) - {"files", "rules"} or "files" not in entry:
            raise LintConfigError(f"{where}: expected a mapping with 'files' (globs) and 'rules'", ("overrides", index))
        globs = entry["files"]
        globs = [globs] if isinstance(globs, str) else globs
        if not isinstance(globs, list) or not all(isinstance(g, str) for g in globs):
            raise LintConfigError(f"{where}.files: expected a glob or a list of globs", ("overrides", index, "files"))
        overrides.append((tuple(globs), _levels(entry.get("rules"), where + ".rules", ("overrides", index, "rules"))))
    return Settings(_levels(mapping.get("rules"), f"{origin}: rules", ("rules",)), tuple(overrides), base)


def _levels(rules: Any, where: str, path: PathKey) -> dict[str, str]:
    if rules is None:
        return {}
    if not isinstance(rules, Mapping):
        raise LintConfigError(f"{where}: expected a mapping of rule ids to off, warning or error", path)
    levels = {}
    for rule, level in rules.items():
        if not isinstance(rule, str) or rule not in RULES:
            raise LintConfigError(f"{where}: unknown rule {rule!r}; `pmforge lint --list-rules` lists them", path + (rule,), key=True)
        # YAML 1.1 reads a bare off/on as a boolean.
        level = OFF if level is False else RULES[rule].severity if level is True or level == "on" else level
        if not isinstance(level, str) or level not in _LEVELS:
            raise LintConfigError(f"{where}.{rule}: {level!r} is not one of off, warning, error", path + (rule,))
        levels[rule] = level
    return levels


def load_settings(path: Path) -> Settings:
    """Read a ``.pmforge-lint.yaml``, or a course file's ``settings.rules``; globs are relative to its folder.

    A file that cannot be used raises LintConfigError carrying the located problem.
    """
    file = str(path)
    text, problems = read_text(path, file)
    located, more = load_yaml_text(text, file) if text is not None else (None, [])
    problems += more
    if located is None or problems:
        raise LintConfigError(f"{file}: cannot read lint settings: {problems[0].message}", problem=problems[0])
    data, prefix = located.data, ()
    if isinstance(data, dict) and "collection" in data:
        # A course file: its settings.rules, the same ones build and validate apply.
        settings = data.get("settings") or {}
        rules = settings.get("rules") if isinstance(settings, dict) else settings
        prefix = ("settings",)
        data = {"rules": {rule: "off" if value is False else value for rule, value in rules.items()} if isinstance(rules, dict) else rules}
    try:
        return settings_from_mapping(data, origin=file, base=path.parent)
    except LintConfigError as error:
        problem = located.problem(prefix + error.path, str(error).removeprefix(f"{file}: "), "lint-config", key=error.key)
        raise LintConfigError(str(error), error.path, key=error.key, problem=problem) from None


def nearest_settings(file: Path, cache: dict[Path, Settings]) -> Settings:
    """The settings of the nearest ``.pmforge-lint.yaml`` above ``file``, or the defaults."""
    folder = file.resolve().parent
    visited = []
    for candidate in (folder, *folder.parents):
        if candidate in cache:
            found = cache[candidate]
            break
        visited.append(candidate)
        if (candidate / CONFIG_NAME).is_file():
            config = candidate / CONFIG_NAME
            found = load_settings(config.relative_to(Path.cwd()) if config.is_relative_to(Path.cwd()) else config)
            break
    else:
        found = Settings()
    for candidate in visited:
        cache[candidate] = found
    return found
