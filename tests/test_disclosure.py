"""A course may make pmforge read only its own folder, and no error quotes a file that is no roster."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import DATA

COURSE = (DATA / "course.yaml").read_text(encoding="utf-8")
HOSTILE_ENVIRONMENT = "PMFORGE_TEST_LEAK=hunter2-do-not-print"


def course_naming(folder: Path, roster: str) -> Path:
    folder.mkdir(exist_ok=True)
    assert "example_roster: roster.csv\n" in COURSE
    (folder / "course.yaml").write_text(COURSE.replace("example_roster: roster.csv\n", f"example_roster: '{roster}'\n"), encoding="utf-8")
    return folder


@pytest.mark.parametrize("named", ["/etc/passwd", "/proc/self/environ", "../roster.csv", "sub/../../roster.csv", "..", "C:/roster.csv", "\\\\host\\share\\roster.csv"])
def test_example_roster_outside_the_course_folder_is_refused(cli, tmp_path: Path, named: str) -> None:
    (tmp_path / "roster.csv").write_text("ldap\nalice\n", encoding="utf-8")
    course_naming(tmp_path / "course", named)
    result = cli("validate", "course")
    assert (result.exit_code, result.stdout) == (
        1, f"course/course.yaml:3:17: error: example_roster must name a file in the course's folder (a relative path without '..'), not {named!r} [roster]\n")


def test_example_roster_may_not_leave_through_a_link(cli, tmp_path: Path) -> None:
    folder = course_naming(tmp_path / "course", "class.csv")
    (folder / "class.csv").symlink_to("/etc/passwd")
    result = cli("build", "course", "--out", "out")
    assert (result.exit_code, result.stdout) == (
        1, "course/course.yaml:3:17: error: example_roster 'class.csv' leads out of the course's folder through a link [roster]\n")
    (folder / "class.csv").unlink()
    (folder / "sub").symlink_to("/etc")
    course_naming(folder, "sub/passwd")
    result = cli("build", "course", "--out", "out")
    assert result.stdout == "course/course.yaml:3:17: error: example_roster 'sub/passwd' leads out of the course's folder through a link [roster]\n"
    assert not (tmp_path / "out").exists()


def test_example_roster_in_a_subfolder_is_read(cli, tmp_path: Path) -> None:
    folder = course_naming(tmp_path / "course", "rosters/class.csv")
    (folder / "rosters").mkdir()
    (folder / "rosters" / "class.csv").write_text("ldap\nalice\n", encoding="utf-8")
    (folder / "inner.csv").write_text("ldap\nbob\n", encoding="utf-8")
    (folder / "rosters" / "link.csv").symlink_to("../inner.csv")  # a link that stays inside is fine
    assert cli("validate", "course").stderr == "ok: 1 participant checked\n"
    course_naming(folder, "rosters/link.csv")
    assert cli("validate", "course").stderr == "ok: 1 participant checked\n"


@pytest.mark.parametrize("content", [
    "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n",
    HOSTILE_ENVIRONMENT + "\x00HOME=/root\x00",
    "API_KEY,secret value\nhunter2,do-not-print\n",
    "ldap2,pmforge\n",
])
def test_a_file_that_is_no_roster_is_never_quoted(cli, tmp_path: Path, content: str) -> None:
    """A copy inside the course folder is read (it is the course's own), but its lines stay out of the log."""
    folder = course_naming(tmp_path / "course", "class.csv")
    (folder / "class.csv").write_text(content, encoding="utf-8")
    for args in (["validate", "course"], ["build", "course", "--out", "out"], ["validate", "course", "--roster", "course/class.csv"]):
        result = cli(*args)
        shown = "course/class.csv" if "--roster" in args else str(Path("course") / "class.csv")
        assert (result.exit_code, result.stdout) == (1, f"{shown}:1:1: error: the roster has no 'ldap' column [roster]\n")


def test_the_environment_is_not_printed_from_proc(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not Path("/proc/self/environ").exists():
        pytest.skip("no /proc here")
    monkeypatch.setenv(*HOSTILE_ENVIRONMENT.split("=", 1))
    assert os.environ["PMFORGE_TEST_LEAK"]
    result = cli("validate", "--roster", "/proc/self/environ")
    assert (result.exit_code, result.stdout) == (1, "/proc/self/environ:1:1: error: the roster has no 'ldap' column [roster]\n")
    course_naming(tmp_path / "course", "/proc/self/environ")
    result = cli("build", "course", "--out", "out")
    assert "hunter2" not in result.stdout + result.stderr
    assert result.exit_code == 1
