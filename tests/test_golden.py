"""The bundled course's output, byte for byte. Regenerate with ``pytest --update-golden`` and review the diff."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pmforge import building

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


@pytest.mark.parametrize("collection_format, golden", [("v2.1", "aep-enablement"), ("v3", "aep-enablement-v3")])
def test_bundled_course_matches_golden_files(request: pytest.FixtureRequest, tmp_path: Path, collection_format: str,
                                             golden: str) -> None:
    golden_dir = GOLDEN_DIR / golden
    out = tmp_path / "out"
    result = building.build(None, None, out, collection_format=collection_format)
    assert result.problems == []
    if request.config.getoption("--update-golden"):
        shutil.rmtree(golden_dir, ignore_errors=True)
        shutil.copytree(out, golden_dir)
    produced = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    expected = sorted(p.relative_to(golden_dir) for p in golden_dir.rglob("*") if p.is_file())
    assert produced == expected
    for relative in produced:
        assert (out / relative).read_bytes() == (golden_dir / relative).read_bytes(), f"{relative} differs from the golden file"
