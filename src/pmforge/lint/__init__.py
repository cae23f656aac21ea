"""Lint Postman collections and environments as exported: rules with ids, positions in the JSON file.

Public API: ``lint_files`` (a generator of Problems), ``discover``, ``RULES``,
``settings_from_mapping`` (rule levels from a mapping, e.g. a course file's
settings), ``load_settings``, and the click command ``lint``.
"""

from __future__ import annotations

from pmforge.lint.cli import lint
from pmforge.lint.linter import discover, lint_document, lint_files
from pmforge.lint.rules import RULES, Rule
from pmforge.lint.settings import LintConfigError, Settings, load_settings, settings_from_mapping

__all__ = ["RULES", "LintConfigError", "Rule", "Settings", "discover", "lint", "lint_document", "lint_files",
           "load_settings", "settings_from_mapping"]
