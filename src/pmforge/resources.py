"""The one place that knows where templates, schemas and bundled courses live.

An installed wheel carries them under ``pmforge/_data``; a source checkout keeps
them at the top level of the repository.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

_PACKAGE_DATA = Path(__file__).resolve().parent / "_data"
_SOURCE_TREE = Path(__file__).resolve().parents[2]


def data_dir(name: str) -> Path:
    """Return the directory ``templates``, ``schemas`` or ``collections``."""
    packaged = _PACKAGE_DATA / name
    if packaged.is_dir():
        return packaged
    return _SOURCE_TREE / name


def schema_path(name: str) -> Path:
    return data_dir("schemas") / name


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict[str, Any]:
    """Load a JSON Schema shipped in ``schemas/`` (cached: schemas never change at run time)."""
    with open(schema_path(name), encoding="utf-8") as handle:
        return json.load(handle)


def bundled_course() -> Path:
    return data_dir("collections") / "aep-enablement" / "course.yaml"
