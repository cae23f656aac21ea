"""A build never deletes what it did not write, never leaves neither class, and builds one at a time.

Kills and concurrent builds run the real ``pmforge build`` in subprocesses;
``PMFORGE_TEST_HOOKS=kill@POINT`` makes it SIGKILL itself at a named point,
``pause@POINT`` makes it wait there until its standard input closes.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pmforge import building, writing
from pmforge.locking import Holder
from pmforge.writing import MARKER, OutputError, add_file, work_dir

from .conftest import DATA

COURSE = (DATA / "course.yaml").read_text(encoding="utf-8")
OLD_ROSTER = "ldap,sandbox\nalice,prod\nbob,dev\n"
NEW_ROSTER = "ldap,sandbox\ncarol,prod\n"
STEM = "Test Course"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """A course folder with two rosters, and no output yet."""
    (tmp_path / "course.yaml").write_text(COURSE, encoding="utf-8")
    (tmp_path / "old.csv").write_text(OLD_ROSTER, encoding="utf-8")
    (tmp_path / "new.csv").write_text(NEW_ROSTER, encoding="utf-8")
    return tmp_path


def pmforge(*args: str, cwd: Path, hooks: str = "", wait: str | None = None, **popen: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PMFORGE_TEST_HOOKS": hooks}
    if wait is not None:
        env["PMFORGE_LOCK_WAIT"] = wait
    return subprocess.Popen([sys.executable, "-c", "from pmforge.cli import main; main()", *args], cwd=cwd, env=env,
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)  # type: ignore[call-overload]


def run(*args: str, cwd: Path, hooks: str = "", wait: str | None = None) -> tuple[int, str, str]:
    process = pmforge(*args, cwd=cwd, hooks=hooks, wait=wait, stdin=subprocess.DEVNULL)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def built(place: Path, roster: str, out: Path) -> None:
    """Build in this process (quicker than a subprocess) what the subprocesses then replace."""
    assert building.build(place / "course.yaml", place / roster, out).problems == []


def reference(place: Path, roster: str) -> dict[str, bytes]:
    """What a clean build of ``roster`` writes (built elsewhere)."""
    out = place.parent / f"{place.name}-reference"
    built(place, roster, out)
    made = tree(out)
    shutil.rmtree(out)
    return made


def wait_for_pause(process: subprocess.Popen[str], point: str) -> None:
    assert process.stderr is not None
    assert process.stderr.readline() == f"pmforge: paused at {point}\n"


# Where a kill lands, and which class must then be at --out.
KILLS = [
    ("locked", "", "old"),
    ("staged", "", "old"),
    ("complete", "", "old"),
    ("swapped", "", "new"),
    ("complete", "no-exchange", "old"),
    ("swapped", "no-exchange", "new"),
]


@pytest.mark.parametrize(("point", "extra", "expected"), KILLS)
def test_a_killed_build_leaves_the_old_class_or_the_new_one(place: Path, point: str, extra: str, expected: str) -> None:
    classes = {"old": reference(place, "old.csv"), "new": reference(place, "new.csv")}
    built(place, "old.csv", place / "class")
    code, _, _ = run("build", "course.yaml", "--roster", "new.csv", "--out", "class", cwd=place, hooks=f"{extra},kill@{point}")
    assert code == -signal.SIGKILL
    assert tree(place / "class") == classes[expected]
    # The next build cleans up what the killed one left and puts the new class in place.
    assert run("build", "course.yaml", "--roster", "new.csv", "--out", "class", cwd=place)[:2] == (0, "")
    assert tree(place / "class") == classes["new"]
    assert sorted(p.name for p in place.iterdir()) == ["class", "course.yaml", "new.csv", "old.csv"]


@pytest.mark.parametrize("point", ["staged", "complete"])
def test_ctrl_c_during_a_build_exits_130_and_keeps_the_old_class(place: Path, point: str) -> None:
    old = reference(place, "old.csv")
    built(place, "old.csv", place / "class")
    process = pmforge("build", "course.yaml", "--roster", "new.csv", "--out", "class", cwd=place, hooks=f"pause@{point}",
                      stdin=subprocess.PIPE)
    wait_for_pause(process, point)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert (process.returncode, out, err) == (130, "", "interrupted\n")  # not click's "Aborted!" and exit 1
    assert tree(place / "class") == old
    assert sorted(p.name for p in place.iterdir()) == ["class", "course.yaml", "new.csv", "old.csv"]  # no staging left


def test_a_kill_between_two_renames_is_undone_by_the_next_build(place: Path) -> None:
    old = reference(place, "old.csv")
    built(place, "old.csv", place / "class")
    # Where no atomic exchange exists, the old class is moved aside first: a kill then leaves no class ...
    code, _, _ = run("build", "course.yaml", "--roster", "new.csv", "--out", "class", cwd=place, hooks="no-exchange,kill@between-renames")
    assert code == -signal.SIGKILL
    assert not (place / "class").exists()
    (aside,) = [p for p in work_dir(place / "class").iterdir() if p.name.startswith("previous-")]
    assert tree(aside) == old
    # ... and the next build, once it holds the lock, puts it back before anything else (here: and dies).
    assert run("build", "course.yaml", "--roster", "new.csv", "--out", "class", cwd=place, hooks="kill@locked")[0] == -signal.SIGKILL
    assert tree(place / "class") == old


def test_kills_at_arbitrary_moments_of_a_large_build(place: Path) -> None:
    (place / "big.csv").write_text("ldap,sandbox\n" + "".join(f"user{i},sb{i}\n" for i in range(400)), encoding="utf-8")
    old, new = reference(place, "old.csv"), reference(place, "big.csv")
    built(place, "old.csv", place / "class")
    seen = set()
    for delay in (0.3, 0.7, 1.1):
        process = pmforge("build", "course.yaml", "--roster", "big.csv", "--out", "class", cwd=place, stdin=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.communicate()
        now = tree(place / "class")
        assert now in (old, new), f"killed after {delay}s: neither the old class nor the new one"
        seen.add("old" if now == old else "new")
        if now == new:  # start from the old class again
            built(place, "old.csv", place / "class")
    assert "old" in seen  # the earliest kill lands before the swap
    assert run("build", "course.yaml", "--roster", "big.csv", "--out", "class", cwd=place)[:2] == (0, "")
    assert tree(place / "class") == new
    assert sorted(p.name for p in place.iterdir()) == ["big.csv", "class", "course.yaml", "new.csv", "old.csv"]


def test_a_second_build_waits_then_refuses_naming_the_holder(place: Path) -> None:
    old = reference(place, "old.csv")
    first = pmforge("build", "course.yaml", "--roster", "old.csv", "--out", "class", cwd=place, hooks="pause@locked", stdin=subprocess.PIPE)
    try:
        wait_for_pause(first, "locked")
        holder = Holder.parse((work_dir(place / "class") / "lock").read_text(encoding="utf-8"))
        assert holder is not None
        assert (holder.pid, holder.host, holder.command) == (first.pid, socket.gethostname(),
                                                             "pmforge build course.yaml --roster old.csv --out class")
        code, out, err = run("build", "course.yaml", "--roster", "new.csv", "--out", "class", cwd=place, wait="0.3")
        assert (code, out, err) == (
            1,
            f"class:0:0: error: another pmforge build is writing here (pid {first.pid} on {socket.gethostname()}, started {holder.started}, "
            "running 'pmforge build course.yaml --roster old.csv --out class'); try again when it has finished [output]\n",
            "1 problem found; nothing written.\n",
        )
    finally:
        first.communicate(input="", timeout=60)
    assert first.returncode == 0
    assert tree(place / "class") == old


def test_a_waiting_build_runs_after_the_first_one(place: Path) -> None:
    new = reference(place, "new.csv")
    first = pmforge("build", "course.yaml", "--roster", "old.csv", "--out", "class", cwd=place, hooks="pause@locked", stdin=subprocess.PIPE)
    wait_for_pause(first, "locked")
    second = pmforge("build", "course.yaml", "--roster", "new.csv", "--out", "class", cwd=place, wait="60", stdin=subprocess.DEVNULL)
    time.sleep(0.5)
    assert second.poll() is None  # still waiting for the lock
    assert first.communicate(input="", timeout=60)[1] == "wrote 4 files for 2 participants to class\n"
    assert second.communicate(timeout=60) == ("", "wrote 2 files for 1 participant to class\n")
    assert tree(place / "class") == new
    assert not work_dir(place / "class").exists()


def test_a_lock_left_by_a_killed_build_is_taken_over(place: Path) -> None:
    first = pmforge("build", "course.yaml", "--roster", "old.csv", "--out", "class", cwd=place, hooks="pause@locked", stdin=subprocess.PIPE)
    wait_for_pause(first, "locked")
    first.send_signal(signal.SIGKILL)
    first.communicate()
    left = Holder.parse((work_dir(place / "class") / "lock").read_text(encoding="utf-8"))
    assert left is not None and left.pid == first.pid  # its pid is dead now, its lock file still there
    assert run("build", "course.yaml", "--roster", "new.csv", "--out", "class", cwd=place, wait="0")[:2] == (0, "")
    assert tree(place / "class") == reference(place, "new.csv")
    assert not work_dir(place / "class").exists()


def test_concurrent_builds_end_in_one_complete_class(place: Path) -> None:
    rosters = ["old.csv", "new.csv", "old.csv", "new.csv"]
    classes = [reference(place, "old.csv"), reference(place, "new.csv")]
    processes = [pmforge("build", "course.yaml", "--roster", roster, "--out", "class", cwd=place, wait="120", stdin=subprocess.DEVNULL) for roster in rosters]
    assert [(p.communicate(timeout=120)[0], p.returncode) for p in processes] == [("", 0)] * 4
    assert tree(place / "class") in classes
    assert sorted(p.name for p in place.iterdir()) == ["class", "course.yaml", "new.csv", "old.csv"]


@pytest.mark.parametrize("out", [".", "..", "./", "sub/.."])
def test_the_current_folder_is_never_adopted(place: Path, out: str) -> None:
    (place / "sub").mkdir()
    code, stdout, stderr = run("build", "course.yaml", "--roster", "old.csv", "--out", out, cwd=place)
    assert (code, stdout, stderr) == (
        1,
        f"{Path(out)}:0:0: error: --out is the current folder or holds it; a build replaces --out as a whole, so give it a folder of its own, such as --out class [output]\n",
        "1 problem found; nothing written.\n",
    )
    assert sorted(p.name for p in place.iterdir()) == ["course.yaml", "new.csv", "old.csv", "sub"]


def test_the_current_folder_is_refused_even_when_empty(cli, tmp_path: Path) -> None:
    result = cli("build", "--out", ".")
    assert (result.exit_code, result.stdout) == (
        1, ".:0:0: error: --out is the current folder or holds it; a build replaces --out as a whole, so give it a folder of its own, such as --out class [output]\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "held"), [
    (["class/course.yaml", "--roster", "class/roster.csv"], "course.yaml"),
    (["course.yaml", "--roster", "class/roster.csv"], "roster.csv"),
    (["class"], "course.yaml"),
    (["class/course.yaml"], "course.yaml"),
])
def test_an_out_holding_the_inputs_is_refused(cli, tmp_path: Path, args: list[str], held: str) -> None:
    (tmp_path / "class").mkdir()
    for folder in (tmp_path, tmp_path / "class"):
        (folder / "course.yaml").write_text(COURSE, encoding="utf-8")
        (folder / "roster.csv").write_text(OLD_ROSTER, encoding="utf-8")
    (tmp_path / "class" / MARKER).write_text(writing.MARKER_TEXT, encoding="utf-8")  # even one that claims to be pmforge's
    result = cli("build", *args, "--out", "class")
    assert (result.exit_code, result.stdout) == (
        1, f"class:0:0: error: --out holds {held}, an input of this build; a build replaces --out as a whole, so give it a folder of its own [output]\n")
    assert sorted(p.name for p in (tmp_path / "class").iterdir()) == [MARKER, "course.yaml", "roster.csv"]


def test_an_out_holding_the_example_roster_is_refused(cli, tmp_path: Path) -> None:
    (tmp_path / "class").mkdir()
    (tmp_path / "course.yaml").write_text(COURSE.replace("example_roster: roster.csv", "example_roster: class/roster.csv"), encoding="utf-8")
    assert "example_roster: class/roster.csv" in (tmp_path / "course.yaml").read_text(encoding="utf-8")
    (tmp_path / "class" / "roster.csv").write_text(OLD_ROSTER, encoding="utf-8")
    (tmp_path / "class" / MARKER).write_text(writing.MARKER_TEXT, encoding="utf-8")
    result = cli("build", "course.yaml", "--out", "class")
    assert (result.exit_code, result.stdout) == (
        1, "class:0:0: error: --out holds roster.csv, an input of this build; a build replaces --out as a whole, so give it a folder of its own [output]\n")
    assert (tmp_path / "class" / "roster.csv").read_text(encoding="utf-8") == OLD_ROSTER


def test_a_foreign_file_in_an_old_output_is_named_and_kept(cli, place: Path) -> None:
    assert cli("build", "course.yaml", "--roster", "old.csv", "--out", "class", cwd=place).exit_code == 0
    (place / "class" / "notes.txt").write_text("mine", encoding="utf-8")
    (place / "class" / "alice" / "extra.json").write_text("{}", encoding="utf-8")
    before = tree(place / "class")
    result = cli("build", "course.yaml", "--roster", "new.csv", "--out", "class", cwd=place)
    assert (result.exit_code, result.stdout) == (
        1, "class:0:0: error: refusing to replace a directory holding files pmforge did not write: alice/extra.json, notes.txt; move them away or choose another --out [output]\n")
    assert tree(place / "class") == before
    for index in range(3):
        (place / "class" / f"z{index}.txt").write_text("mine", encoding="utf-8")
    (place / "class" / "link").symlink_to(place)
    result = cli("build", "course.yaml", "--roster", "new.csv", "--out", "class", cwd=place)
    assert result.stdout == "class:0:0: error: refusing to replace a directory holding files pmforge did not write: alice/extra.json, link, notes.txt (and 3 more); move them away or choose another --out [output]\n"
    assert sorted(p.name for p in place.iterdir()) == ["class", "course.yaml", "new.csv", "old.csv"]


def test_files_added_with_add_file_are_pmforge_s_own(cli, place: Path) -> None:
    assert cli("build", "course.yaml", "--roster", "old.csv", "--out", "class", cwd=place).exit_code == 0
    written = add_file(place / "class", "rehearsal/summary.json", '{"ok": true}\n')
    add_file(place / "class", "rehearsal/alice.bin", b"\x00\xff")
    add_file(place / "class", "rehearsal/summary.json", '{"ok": false}\n')  # replacing one is fine
    assert written == place / "class" / "rehearsal" / "summary.json"
    assert (written.read_text(encoding="utf-8"), (place / "class" / "rehearsal" / "alice.bin").read_bytes()) == ('{"ok": false}\n', b"\x00\xff")
    assert writing.manifest(place / "class") >= {"rehearsal/summary.json", "rehearsal/alice.bin", f"alice/{STEM}.postman_collection.json"}
    assert not work_dir(place / "class").exists()
    result = cli("build", "course.yaml", "--roster", "new.csv", "--out", "class", cwd=place)
    assert (result.exit_code, result.stdout) == (0, "")
    assert sorted(tree(place / "class")) == [MARKER, f"carol/{STEM}.postman_collection.json", f"carol/{STEM}.postman_environment.json"]


@pytest.mark.parametrize("relative", ["../escape.txt", "/etc/escape.txt", "a/../../b", MARKER, "", "a//b", "a\\b"])
def test_add_file_refuses_paths_outside_the_output(cli, place: Path, relative: str) -> None:
    assert cli("build", "course.yaml", "--roster", "old.csv", "--out", "class", cwd=place).exit_code == 0
    before = tree(place / "class")
    with pytest.raises(ValueError, match="not a relative file path inside an output"):
        add_file(place / "class", relative, "x")
    assert tree(place / "class") == before


def test_add_file_refuses_a_folder_pmforge_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    with pytest.raises(OutputError, match=r"not a pmforge output \(no \.pmforge file\)"):
        add_file(tmp_path / "mine", "x.txt", "x")
    assert list((tmp_path / "mine").iterdir()) == []


def test_add_file_never_writes_through_a_link(cli, place: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    assert cli("build", "course.yaml", "--roster", "old.csv", "--out", "class", cwd=place).exit_code == 0
    (place / "class" / "linked").symlink_to(elsewhere)
    with pytest.raises(OutputError, match="a part of this path is a link or a file"):
        add_file(place / "class", "linked/x.txt", "x")
    assert list(elsewhere.iterdir()) == []


def test_an_output_of_an_older_pmforge_is_still_replaced(cli, place: Path) -> None:
    assert cli("build", "course.yaml", "--roster", "old.csv", "--out", "class", cwd=place).exit_code == 0
    (place / "class" / MARKER).write_text(writing.MARKER_TEXT, encoding="utf-8")  # no list of files
    assert cli("build", "course.yaml", "--roster", "new.csv", "--out", "class", cwd=place).exit_code == 0
    (place / "class" / MARKER).write_text(writing.MARKER_TEXT, encoding="utf-8")
    (place / "class" / "notes.txt").write_text("mine", encoding="utf-8")
    result = cli("build", "course.yaml", "--roster", "old.csv", "--out", "class", cwd=place)
    assert result.stdout == "class:0:0: error: refusing to replace a directory holding files pmforge did not write: notes.txt; move them away or choose another --out [output]\n"


def test_leftovers_are_removed_and_nothing_else(place: Path) -> None:
    built(place, "old.csv", place / "class")
    assert run("build", "course.yaml", "--roster", "new.csv", "--out", "class", cwd=place, hooks="kill@staged")[0] == -signal.SIGKILL
    work = work_dir(place / "class")
    assert sorted(p.name.split("-")[0] for p in work.iterdir()) == ["lock", "staging"]
    (work / "keep.txt").write_text("not pmforge's", encoding="utf-8")
    assert run("build", "course.yaml", "--roster", "new.csv", "--out", "class", cwd=place)[0] == 0
    assert sorted(p.name for p in work.iterdir()) == ["keep.txt"]


def test_leftovers_of_an_older_pmforge_are_restored_or_removed(place: Path) -> None:
    old = reference(place, "old.csv")
    built(place, "old.csv", place / "class")
    # An older pmforge, killed between its two renames: the class sits in .class.XXXXXXXX.old/previous.
    (place / ".class.k2j4h6g8.old").mkdir()
    (place / "class").rename(place / ".class.k2j4h6g8.old" / "previous")
    built(place, "new.csv", place / ".class.a1b2c3d4.tmp")  # a staging folder it never committed
    (place / ".class.a1b2c3d4.tmp" / MARKER).unlink()
    (place / ".class.zzzz9999.tmp").mkdir()
    (place / ".class.zzzz9999.tmp" / "notes.txt").write_text("not pmforge's", encoding="utf-8")
    assert run("build", "course.yaml", "--roster", "new.csv", "--out", "class", cwd=place, hooks="kill@locked")[0] == -signal.SIGKILL
    assert tree(place / "class") == old
    assert sorted(p.name for p in place.iterdir() if p.name.startswith(".class.")) == [".class.pmforge-work", ".class.zzzz9999.tmp"]


def test_an_out_whose_name_is_too_long_is_a_problem(cli, place: Path) -> None:
    name = "a" * 300
    result = cli("build", "course.yaml", "--roster", "old.csv", "--out", name, cwd=place)
    assert (result.exit_code, result.stdout) == (1, f"{name}:0:0: error: cannot use this --out: File name too long [output]\n")


@pytest.mark.parametrize("exchange", [True, False])
def test_a_reader_always_finds_a_whole_class_during_rebuilds(place: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool) -> None:
    """With the atomic exchange, --out is never missing and its marker (written last) always there.

    Every step of the swap is slowed down so a reader has time to look; with two renames
    (no exchange) it then does see the gap, which shows the reader would notice one.
    """
    import threading

    if not exchange:
        monkeypatch.setenv("PMFORGE_TEST_HOOKS", "no-exchange")
    monkeypatch.setattr(writing, "_hook", lambda point: time.sleep(0.05))
    built(place, "old.csv", place / "class")
    missing: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            if not (place / "class" / MARKER).is_file():
                missing.append("marker")
            time.sleep(0.001)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for roster in ("new.csv", "old.csv", "new.csv"):
            built(place, roster, place / "class")
    finally:
        stop.set()
        reader.join()
    assert (missing == []) is exchange


def test_a_teardown_into_an_output_a_build_holds_is_a_problem(place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pmforge.teardown.making import teardown

    first = pmforge("build", "--out", "class", cwd=place, hooks="pause@locked", stdin=subprocess.PIPE)
    try:
        wait_for_pause(first, "locked")
        monkeypatch.setenv("PMFORGE_LOCK_WAIT", "0")
        result = teardown(None, None, place / "class")
        assert [(p.rule, p.message.split(" (")[0]) for p in result.problems] == [("output", "another pmforge build is writing here")]
    finally:
        first.communicate(input="", timeout=60)
    assert first.returncode == 0


def test_add_file_never_replaces_a_file_pmforge_did_not_write(cli, place: Path) -> None:
    assert cli("build", "course.yaml", "--roster", "old.csv", "--out", "class", cwd=place).exit_code == 0
    (place / "class" / "notes.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(OutputError, match="holds a file pmforge did not write; move it away first"):
        add_file(place / "class", "notes.txt", "theirs\n")
    assert (place / "class" / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert "notes.txt" not in writing.manifest(place / "class")


def test_an_out_whose_work_folder_cannot_be_made_is_refused_at_once(cli, tmp_path: Path) -> None:
    # /proc accepts no new folder: the lock's folder cannot be made, which must end the build, not spin.
    result = cli("build", "--out", "/proc/pmforge-cannot-be-here", cwd=tmp_path)
    assert (result.exit_code, result.stdout) == (1, "/proc/pmforge-cannot-be-here:0:0: error: cannot write here: No such file or directory [output]\n")


def test_staged_swaps_at_the_end_and_changes_nothing_when_discarded_or_broken_off(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with writing.staged(out) as staging:
        staging.write("a/one.txt", "1\n")
    before = tree(out)
    assert (sorted(before), before["a/one.txt"]) == ([MARKER, "a/one.txt"], b"1\n")
    with writing.staged(out) as staging:
        staging.write("two.txt", "2\n")
        staging.discard()  # what a build does when its checks stop it
    with pytest.raises(KeyError), writing.staged(out) as staging:
        staging.write("three.txt", "3\n")
        raise KeyError("a bug")
    with pytest.raises(OutputError) as refused, writing.staged(out) as staging:
        staging.write("four.txt", "4\n")
        staging.write("x" * 300 + ".txt", "too long a name for any file system\n")
    assert str(refused.value.problem) == f"{out}:0:0: error: cannot write: File name too long [output]"
    assert tree(out) == before and sorted(path.name for path in tmp_path.iterdir()) == ["out"]
