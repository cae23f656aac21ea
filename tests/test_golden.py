"""The bundled course's output, byte for byte. Regenerate with ``pytest --update-golden`` and review the diff."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pmforge import building

GOLDEN = Path(__file__).resolve().parent / "golden" / "aep-enablement"


def test_bundled_course_matches_golden_files(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = building.build(None, None, out)
    assert result.problems == []
    if request.config.getoption("--update-golden"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(out, GOLDEN)
    produced = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    expected = sorted(p.relative_to(GOLDEN) for p in GOLDEN.rglob("*") if p.is_file())
    assert produced == expected
    for relative in produced:
        assert (out / relative).read_bytes() == (GOLDEN / relative).read_bytes(), f"{relative} differs from the golden file"
