"""Shared fixtures: the CLI, the test course, and the reference files in ../shared."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterator

import pytest
from click.testing import CliRunner, Result

from pmforge.cli import main
from pmforge.importing import import_course
from pmforge.problems import Problem
from pmforge.mock import MockServer, start_mock
from pmforge.rehearsal import NewmanMissing, find_newman

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
REPO = TESTS.parent
SHARED = REPO.parent / "shared"


def imported(path: Path) -> tuple[str | None, list[Problem]]:
    """The course YAML and problems ``pmforge import`` has for an exported collection (file or v3 folder)."""
    result = import_course(path)
    return result.course, result.problems


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden from the current output")


def shared_file(relative: str) -> Path:
    """A reference file in ../shared; skipped when absent, except under CI=true."""
    path = SHARED / relative
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing under CI")
        pytest.skip(f"{path} is not here")
    return path


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Run ``pmforge ARGS`` in ``tmp_path`` (or ``cwd``); return the click Result."""

    def run(*args: str, cwd: Path | None = None, input: str | None = None) -> Result:
        monkeypatch.chdir(cwd or tmp_path)
        return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False, prog_name="pmforge")

    return run


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    """A private copy of tests/data (course.yaml, roster.csv) to break."""
    target = tmp_path / "course"
    target.mkdir()
    for name in ("course.yaml", "roster.csv"):
        (target / name).write_bytes((DATA / name).read_bytes())
    return target


def edit_course(course_dir: Path, replacements: list[tuple[str, str]]) -> None:
    """Replace, once each, text of ``course_dir/course.yaml`` that must be there."""
    course = course_dir / "course.yaml"
    text = course.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, f"{old!r} is not in the test course"
        text = text.replace(old, new, 1)
    course.write_text(text, encoding="utf-8")


@pytest.fixture()
def mock() -> Iterator[MockServer]:
    """The AEP stand-in on a free loopback port, default options."""
    with start_mock() as server:
        yield server


@pytest.fixture(scope="module")
def newman() -> Path:
    """The pinned Newman; skipped without it, except under CI=true, where it must be there."""
    return required_tool(find_newman, NewmanMissing, "Newman")


def required_tool(find: Callable[[], Path], missing: type[Exception], what: str) -> Path:
    """An npm-installed tool the tests run; a skip without it, except under CI=true, where it must be there."""
    try:
        return find()
    except missing as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{what} is required under CI: {error}")
        pytest.skip(str(error))
