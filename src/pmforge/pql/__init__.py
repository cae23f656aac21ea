"""PQL text <-> AEP pql/json, for the subset of PQL a segment course needs.

The subset: field paths (``person.name.firstName``, optionally ``$1.``-prefixed),
string / integer / decimal / boolean literals and lists of them, ``=`` ``!=``
``<`` ``<=`` ``>`` ``>=``, ``in``, ``notIn``, ``and``, ``or``, ``not``, the
string methods ``equals`` ``contains`` ``startsWith`` ``endsWith``,
``isNull()``, ``isNotNull()`` and map lookups ``.get("key")``. Everything else
is outside the subset (``PqlError`` with rule ``pql-unsupported``): send it as
pql/text instead. Only plainly broken text (blank, an open string, unpaired
brackets) is a ``pql-syntax`` error; see ``pmforge.pql.classify``.

Of the JSON shapes, ``=``, ``in``, ``and``, ``or``, ``not``, ``equals``,
``contains``, ``get`` and ``isNotNull`` are confirmed by real AEP trees; the
fnNames of ``!=`` ``<`` ``<=`` ``>`` ``>=`` ``notIn`` ``startsWith``
``endsWith`` ``isNull`` follow the same pattern (operator symbol or method
name) but no public sample shows them.
"""

from __future__ import annotations

from typing import Any

from pmforge.pql.display import caret
from pmforge.pql.errors import PqlError, PqlIssue
from pmforge.pql.classify import parse_classified
from pmforge.pql.parser import parse
from pmforge.pql.printer import to_text
from pmforge.pql.tree import from_json, to_json

__all__ = ["PqlError", "PqlIssue", "caret", "compile_text", "explain", "parse"]


def compile_text(text: str) -> dict[str, Any]:
    """Compile PQL text to its pql/json tree.

    Paths hang off ``XDMObject "profile"`` (the form the AEP UI and the course
    use) unless written with ``$1.``, which gives ``parameterReference 1``.
    """
    return to_json(parse_classified(text))


def explain(tree: dict[str, Any]) -> str:
    """Write a pql/json tree as canonical PQL text.

    ``compile_text`` of the result gives ``tree`` back (key order aside).
    """
    return to_text(from_json(tree))
