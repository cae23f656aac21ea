"""Inputs are read with a size cap, only from regular files, and YAML aliases cannot blow them up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pmforge.loading import COURSE_BYTES, INPUT_BYTES

from .conftest import DATA

NOT_REGULAR = "is not a regular file (a device, pipe or socket); give a file [file-not-found]"


def bomb(levels: int, *, width: int = 10) -> str:
    """The billion laughs: each anchor repeats the one before ``width`` times."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as handle:
        handle.truncate(size)  # takes no disk and no time, and reads as zeros
    return path


@pytest.mark.parametrize("command", ["validate", "build"])
def test_dev_zero_as_roster_is_refused_at_once(cli, command: str) -> None:
    result = cli(command, "--roster", "/dev/zero")
    assert (result.exit_code, result.stdout) == (1, f"/dev/zero:0:0: error: {NOT_REGULAR}\n")


def test_a_fifo_is_refused_without_waiting_for_a_writer(cli, course_dir: Path) -> None:
    os.mkfifo(course_dir / "class.csv")
    result = cli("validate", "course.yaml", "--roster", "class.csv", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (1, f"class.csv:0:0: error: {NOT_REGULAR}\n")
    os.mkfifo(course_dir / "fifo.yaml")
    result = cli("validate", "fifo.yaml", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (1, f"fifo.yaml:0:0: error: {NOT_REGULAR}\n")
    result = cli("lint", "class.csv", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (1, f"class.csv:0:0: error: {NOT_REGULAR}\n")


def test_oversized_inputs_are_refused_before_reading(cli, course_dir: Path) -> None:
    sparse(course_dir / "huge.yaml", COURSE_BYTES + 1)
    result = cli("validate", "huge.yaml", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (1, "huge.yaml:0:0: error: is larger than 4 MB, more than pmforge reads [file-too-large]\n")
    sparse(course_dir / "huge.csv", INPUT_BYTES + 1)
    result = cli("build", "course.yaml", "--roster", "huge.csv", "--out", "out", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (1, "huge.csv:0:0: error: is larger than 64 MB, more than pmforge reads [file-too-large]\n")
    sparse(course_dir / "huge.postman_collection.json", INPUT_BYTES + 1)
    result = cli("lint", "huge.postman_collection.json", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (1, "huge.postman_collection.json:0:0: error: is larger than 64 MB, more than pmforge reads [file-too-large]\n")
    result = cli("import", "huge.postman_collection.json", cwd=course_dir)
    assert (result.exit_code, result.stderr) == (
        1, "huge.postman_collection.json:0:0: error: is larger than 64 MB, more than pmforge reads [file-too-large]\n"
        "1 problem found; nothing written.\n")
    assert not (course_dir / "out").exists()


def test_a_course_just_under_the_cap_is_read(cli, course_dir: Path) -> None:
    text = (DATA / "course.yaml").read_text(encoding="utf-8")
    padding = "# " + "x" * 1000 + "\n"
    (course_dir / "course.yaml").write_text(text + padding * ((COURSE_BYTES - len(text)) // len(padding)), encoding="utf-8")
    assert (course_dir / "course.yaml").stat().st_size <= COURSE_BYTES
    assert cli("validate", "course.yaml", cwd=course_dir).exit_code == 0


def test_an_alias_bomb_course_is_refused_at_its_anchor(cli, course_dir: Path) -> None:
    (course_dir / "course.yaml").write_text(bomb(9), encoding="utf-8")
    result = cli("validate", "course.yaml", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (
        1, "course.yaml:8:5: error: aliases would expand this file by more than 100,000 values (the anchor here is used 11 times); write the values out, or use fewer aliases [yaml-syntax]\n")


def test_an_alias_bomb_roster_is_refused_at_its_anchor(cli, course_dir: Path) -> None:
    (course_dir / "class.yaml").write_text(bomb(9) + "participants:\n  - ldap: alice\n    extra: *l8\n", encoding="utf-8")
    result = cli("validate", "course.yaml", "--roster", "class.yaml", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (
        1, "class.yaml:9:5: error: aliases would expand this file by more than 1,000,000 values (the anchor here is used 2 times); write the values out, or use fewer aliases [yaml-syntax]\n")


def test_aliases_within_reason_are_fine(cli, course_dir: Path) -> None:
    """A roster sharing its defaults through a merge key, as people write them."""
    first = "  - <<: &defaults {sandbox: dev, API_KEY: k, IMS_ORG: o}\n    ldap: user0\n"
    rows = "".join(f"  - <<: *defaults\n    ldap: user{index}\n" for index in range(1, 1000))
    (course_dir / "class.yaml").write_text("participants:\n" + first + rows, encoding="utf-8")
    result = cli("validate", "course.yaml", "--roster", "class.yaml", cwd=course_dir)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "ok: 1000 participants checked\n")
