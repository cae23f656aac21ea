"""Request-body checks: as strict as AEP's documentation, with the generator's own PQL checks.

The mock judges bodies with ``aep-segment-*.schema.json``, what Adobe's docs accept: no stricter
(fields the docs do not name are accepted and reported by ``unknown_fields`` for the log, ``schema``
may be ``{id}`` or ``{name}``, a job may be the documented object form), and no looser (types,
required fields and enums as documented). The generator checks what it writes with its own, closed
``segment-*.schema.json``; a body valid there is valid here. PQL (text and trees) is judged by the
generator's compiler and ``pql-tree.schema.json``, so the two never disagree on an expression.
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

DEFINITION_SCHEMA = "aep-segment-definition.schema.json"
JOB_SCHEMA = "aep-segment-job.schema.json"
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

    The generator's classification decides (``pmforge.pql.classify``): text it
    compiles is accepted, and so is text outside its subset (``(Profile) =>``,
    ``AND``, ``.matches("\\w+")``, ``select``, ``CHAIN`` ...), as AEP would judge it;
    only plainly broken text (an open string, unpaired brackets, unfinished) is refused.
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


def unknown_fields(name: str, document: Any) -> list[str]:
    """JSON paths of the fields of ``document`` that the named schema does not describe, in order."""
    schema = load_schema(name)
    return list(_unknown(schema, schema, document, "$"))


def _unknown(root: dict[str, Any], schema: dict[str, Any], document: Any, path: str) -> Iterable[str]:
    reference = schema.get("$ref", "")
    if reference.startswith("#/$defs/"):
        schema = root["$defs"][reference.removeprefix("#/$defs/")]
    if "if" in schema:  # the job schema's one branch: an object or an array
        schema = schema["then"] if isinstance(document, dict) else schema["else"]
    properties = schema.get("properties")
    if isinstance(document, dict) and properties is not None:
        for key, value in document.items():
            where = json_path([key], path)
            if key in properties:
                yield from _unknown(root, properties[key], value, where)
            else:
                yield where
    elif isinstance(document, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(document):
            yield from _unknown(root, schema["items"], item, json_path([index], path))
