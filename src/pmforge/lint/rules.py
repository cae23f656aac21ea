"""The rules ``pmforge lint`` runs on exports: the registry's checks that apply to them (pmforge.rules).

Problems of reading files (yaml-syntax, lint-config ...) are in the registry too, and can be set like any rule."""

from __future__ import annotations

from pmforge.rules import RULES as ALL_RULES
from pmforge.rules import Rule

RULES: dict[str, Rule] = {rule.id: rule for rule in ALL_RULES.values() if rule.on_exports and not rule.input}

__all__ = ["RULES", "Rule"]
