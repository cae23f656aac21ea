"""Request-body checks, with the very schemas the generator uses for the bodies it writes.

If the generator and the mock disagreed on what a valid body is, a green Newman run against the
mock would prove nothing; so both read ``schemas/*.schema.json`` through ``load_schema``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from pmforge.mock.errors import FieldError
from pmforge.pql import PqlError, compile_text
from pmforge.resources import load_schema

DEFINITION_SCHEMA = "segment-definition.schema.json"
JOB_SCHEMA = "segment-job.schema.json"
PQL_TREE_SCHEMA = "pql-tree.schema.json"


@lru_cache(maxsize=None)
def _validator(name: str) -> Validator:
    schema = load_schema(name)
    return validator_for(schema)(schema)


def json_path(parts: Iterable[str | int], root: str = "$") -> str:
    """``["params", 0, "nodeType"]`` -> ``$.params[0].nodeType``."""
    path = root
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.isidentifier():
            path += f".{part}"
        else:
            path += f"[{json.dumps(part)}]"
    return path


def schema_errors(name: str, document: Any) -> list[FieldError]:
    """Every error of ``document`` against the named schema, sorted by path."""
    errors = [FieldError(json_path(error.absolute_path), error.message)
              for error in _validator(name).iter_errors(document)]
    return sorted(set(errors))


def check_pql_text(text: str) -> str | None:
    """An error message for a ``pql/text`` expression, or None if it is accepted.

    The generator's compiler decides. Text it reads must compile; text beyond
    its subset (``exists``, ``CHAIN`` ...) is accepted, as AEP would judge it.
    """
    if not text.strip():
        return "PQL text is blank"
    try:
        compile_text(text)
    except PqlError as error:
        if error.rule == "pql-unsupported":
            return None
        return f"invalid PQL at character {error.offset + 1}: {error.message}"
    return None


def check_pql_json(value: str) -> list[FieldError]:
    """Errors of a ``pql/json`` value: it must decode to a tree valid against pql-tree.schema.json."""
    where = "$.expression.value"
    try:
        tree = json.loads(value)
    except json.JSONDecodeError as error:
        return [FieldError(where, f"pql/json value is not valid JSON: {error}")]
    return [FieldError(where, f"invalid PQL tree at {inner.path}: {inner.message}")
            for inner in schema_errors(PQL_TREE_SCHEMA, tree)]


def check_definition(body: Any) -> list[FieldError]:
    """Errors of a create-definition body: the schema first, then the expression it carries."""
    errors = schema_errors(DEFINITION_SCHEMA, body)
    if errors:
        return errors
    expression = body["expression"]
    if expression["format"] == "pql/json":
        return check_pql_json(expression["value"])
    message = check_pql_text(expression["value"])
    return [FieldError("$.expression.value", message)] if message else []


def check_job(body: Any) -> list[FieldError]:
    return schema_errors(JOB_SCHEMA, body)
