"""Template mistakes are problems with the template's file and line, never tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmforge import building, rendering
from pmforge.resources import data_dir


@pytest.fixture
def templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    for name in (rendering.COLLECTION_TEMPLATE, rendering.ENVIRONMENT_TEMPLATE):
        (folder / name).write_text((data_dir("templates") / name).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(rendering, "data_dir", lambda name: folder)
    return folder


def _break(folder: Path, old: str, new: str) -> str:
    path = folder / rendering.COLLECTION_TEMPLATE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "old, new, line, message",
    [
        ('"name": {{ collection.name | tojson }},', '"name": {{ colection.name | tojson }},', 54,
         "template error: 'colection' is undefined"),
        ('"name": {{ collection.name | tojson }},', '"name": {{ collection.nam | tojson }},', 54,
         "template error: 'dict object' has no attribute 'nam'"),
        ('"name": {{ collection.name | tojson }},', '"name": {{ collection.name.__class__ | tojson }},', 54,
         "template error: access to attribute '__class__' of 'str' object is unsafe."),
        ('{%- endfor %}', '{%- endfo %}', 17,
         "template syntax error: Encountered unknown tag 'endfo'. Jinja was looking for the following tags: 'endfor' or 'else'. The innermost block that needs to be closed is 'for'."),
    ],
)
def test_template_mistakes(templates: Path, tmp_path: Path, old: str, new: str, line: int, message: str) -> None:
    path = _break(templates, old, new)
    result = building.build(None, None, tmp_path / "out")
    assert [str(problem) for problem in result.problems][:1] == [f"{path}:{line}:1: error: {message} [template]"]
    assert not (tmp_path / "out").exists()


def test_output_that_is_not_json(templates: Path, tmp_path: Path) -> None:
    path = _break(templates, '"response": []', '"response": [],,')
    result = building.build(None, None, tmp_path / "out")
    assert str(result.problems[0]).startswith(f"{path}:0:0: error: rendered output is not JSON: Expecting property name enclosed in double quotes")
    assert not (tmp_path / "out").exists()
