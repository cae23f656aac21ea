"""What every document rule's check is given: one parsed file and what it is checked against.

A check is ``check(context) -> list[Problem]`` in a module of ``pmforge.lint.document_rules``, named by its rules'
entries in the registry (``pmforge.rules``). What several rules read is worked out here once per document: the
request items, and each request's JSON body parsed with positions (the body rules share one parse).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from pmforge.leaks import Secret
from pmforge.lint.bodies import parse_body
from pmforge.lint.collection import RequestItem, requests
from pmforge.lint.positions import Document, PathKey
from pmforge.pql.catalog import Catalog
from pmforge.problems import Problem
from pmforge.rules import get


@dataclass
class Context:
    """``environment``: the variable names the environments define, or None when no environment was given;
    ``secrets``: the secret values of the environments, which no collection may hold."""

    document: Document
    kind: str
    environment: set[str] | None
    catalog: Catalog
    secrets: Sequence[Secret] = ()
    _bodies: dict[PathKey, tuple[Document | None, list[Problem]]] = field(default_factory=dict, repr=False)

    @cached_property
    def items(self) -> list[RequestItem]:
        return requests(self.document)

    def parsed_body(self, item: RequestItem) -> tuple[Document | None, list[Problem]]:
        """The request's JSON body with positions (None when it sends none, or it does not parse), and the
        body-json problem of one that does not parse; parsed once, whichever rule asks first."""
        if item.path not in self._bodies:
            self._bodies[item.path] = parse_body(self.document, item)
        return self._bodies[item.path]

    def body(self, item: RequestItem) -> Document | None:
        return self.parsed_body(item)[0]

    def bodies(self) -> list[tuple[RequestItem, Document]]:
        """Every request with a JSON body that parses, in file order."""
        return [(item, body) for item in self.items if (body := self.body(item)) is not None]


def problem(document: Document, path: PathKey, message: str, rule: str, *, index: int | None = None, key: bool = False) -> Problem:
    """A problem of ``rule`` at its registered default severity."""
    return document.problem(path, message, rule, severity=get(rule).severity, index=index, key=key)
