"""The rules ``pmforge lint`` runs on exports: the registry's checks that apply to them (pmforge.rules).

Problems of reading files (yaml-syntax, lint-config ...) are in the registry too, and can be set like any rule."""

from __future__ import annotations

from pmforge.rules import RULES as ALL_RULES
from pmforge.rules import Rule


def export_rules() -> dict[str, Rule]:
    """The rules lint can find in an export, as the registry holds them now."""
    return {rule.id: rule for rule in ALL_RULES.values() if rule.on_exports and not rule.input}


RULES: dict[str, Rule] = export_rules()

__all__ = ["RULES", "Rule", "export_rules"]
