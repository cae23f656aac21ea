"""`pmforge rehearse` at class scale, with the real Newman run by the package's Node runner (runner.js).

Rows come as participants finish, so tests compare them in roster order; times are masked as T.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pmforge.mock.shapes import FAILURE
from pmforge.rehearsal import rehearse as rehearse_class
from pmforge.rehearsal.cli import rehearse
from pmforge.rehearsal.runners import RUNNER_SCRIPT

from .conftest import REPO

HEADER = "participant            requests  steps  passed  failed  polls    time"
STEPS = ["Get Access Token", "Step 1 - Profile: Create A Segment Definition", "Step 2 - POST Segment Job",
         "Step 3 - GET Segment Job status"]
STEP_3 = STEPS[3]
COURSE = REPO / "collections" / "aep-enablement" / "course.yaml"


def ldaps(size: int) -> list[str]:
    return [f"learner{number:02d}@example.com" for number in range(1, size + 1)]


def write_roster(path: Path, size: int, columns: str = "", values: str = "") -> Path:
    lines = [f"ldap,sandbox{columns}"] + [f"{ldap},sandbox-{number % 3}{values}"
                                          for number, ldap in enumerate(ldaps(size), start=1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(rehearse, list(args), catch_exceptions=False, prog_name="pmforge")


def masked(text: str) -> str:
    return re.sub(r"\d+\.\d+(s\b| ms)", r"T\1", text)


def in_roster_order(lines: list[str], size: int) -> list[str]:
    """Each row with the failure lines under it, ordered by participant."""
    groups: list[list[str]] = []
    for line in lines:
        if line.startswith("    "):
            groups[-1].append(line)
        else:
            groups.append([line])
    order = ldaps(size)
    return [line for group in sorted(groups, key=lambda group: order.index(group[0].split()[0])) for line in group]


def test_a_class_of_20_passes(newman: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    roster = write_roster(tmp_path / "class.csv", 20)
    result = invoke("--roster", str(roster))
    assert (result.exit_code, result.stderr) == (0, ""), result.stdout
    lines = masked(result.stdout).splitlines()
    assert lines[0] == HEADER
    assert in_roster_order(lines[1:21], 20) == [f"{ldap}         5    4/4      13       0      2    Ts"
                                                for ldap in ldaps(20)]
    assert lines[21] == "20 participants: 20 passed, 0 failed in Ts; mock: 100 requests, median T ms, p99 T ms"
    slowest = re.fullmatch(r"slowest: (\S+) Ts, (\S+) Ts, (\S+) Ts", lines[22])
    assert slowest is not None and set(slowest.groups()) <= set(ldaps(20)), lines[22]
    assert len(lines) == 23


def test_failing_jobs_name_each_participants_error(newman: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    roster = write_roster(tmp_path / "class.csv", 5)
    result = invoke("--roster", str(roster), "--fail-jobs", "--report", "out")
    assert (result.exit_code, result.stderr) == (1, ""), result.stdout
    lines = masked(result.stdout).splitlines()
    error = f"    {STEP_3}: status is FAILED: {FAILURE['msg']}: status is FAILED after 2 polls"
    assert in_roster_order(lines[1:11], 5) == [line for ldap in ldaps(5) for line in (
        f"{ldap}         5    3/4      11       1      2    Ts", error)]
    assert lines[11] == "5 participants: 0 passed, 5 failed in Ts; mock: 25 requests, median T ms, p99 T ms"
    assert lines[13] == "failing: " + ", ".join(ldaps(5))
    entry = json.loads((tmp_path / "out" / "rehearsal" / "learner03@example.com.json").read_text(encoding="utf-8"))
    assert {key: value for key, value in entry.items() if key != "time_s"} == {
        "ldap": "learner03@example.com", "sandbox": "sandbox-0", "ok": False, "requests": 5, "polls": 2,
        "assertions": {"passed": 11, "failed": 1},
        "steps": dict(zip(STEPS, ["passed", "passed", "passed", "failed"])),
        "failures": [error.strip()],
    }


def secret_course(tmp_path: Path) -> Path:
    """The bundled course, with a test that names the client secret and fails showing the token."""
    text = COURSE.read_text(encoding="utf-8")
    anchor = '        url: "{{IMS}}/ims/token/v3"\n'
    script = ('        scripts:\n          test: |\n'
              '            pm.test("token for " + pm.environment.get("CLIENT_SECRET"), function () {\n'
              '                pm.expect(pm.environment.get("ACCESS_TOKEN")).to.eql("not the token");\n'
              '            });\n')
    assert anchor in text
    course = tmp_path / "course" / "course.yaml"
    course.parent.mkdir()
    course.write_text(text.replace(anchor, anchor + script), encoding="utf-8")
    (course.parent / "roster.csv").write_text("ldap\nnobody\n", encoding="utf-8")
    return course


def test_junit_and_report_never_hold_a_secret(newman: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    secret = "s3cr3t-Value-9f1c"
    roster = write_roster(tmp_path / "class.csv", 2, ",API_KEY,CLIENT_SECRET,IMS_ORG", f",client,{secret},ORG@AdobeOrg")
    result = invoke(str(secret_course(tmp_path)), "--roster", str(roster), "--junit", "class.xml", "--report", "out")
    assert result.exit_code == 1, result.stdout
    # The token the mock issued is masked too: otherwise this message would show it.
    failure = "Get Access Token: token for ***: expected '***…' to deeply equal 'not the token'"
    assert result.stdout.count(f"    {failure}\n") == 2, result.stdout
    files = [tmp_path / "class.xml", *sorted((tmp_path / "out" / "rehearsal").iterdir())]
    assert [path.name for path in files] == ["class.xml", "learner01@example.com.json", "learner02@example.com.json",
                                             "summary.json"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert secret not in text and "not the token" in text, path
    junit = re.sub(r'time="[0-9.]+"', 'time="T"', (tmp_path / "class.xml").read_text(encoding="utf-8"))
    assert junit.startswith('<?xml version="1.0" encoding="UTF-8"?>\n'
                            '<testsuites name="_Adobe Experience Platform Enablement" time="T" tests="28" '
                            'failures="2" errors="0">\n'
                            '  <testsuite name="learner01@example.com" time="T" tests="14" failures="1" errors="0" '
                            'skipped="0">\n'
                            '    <properties>\n'
                            '      <property name="sandbox" value="sandbox-1" />\n'
                            '    </properties>\n'
                            '    <testcase classname="Get Access Token" name="status code is 200" />\n'), junit
    message = "expected '***…' to deeply equal 'not the token'"
    assert junit.count(f'    <testcase classname="Get Access Token" name="token for ***">\n'
                       f'      <failure message="{message}" type="AssertionError">{message}</failure>\n') == 2
    assert junit.count('<testcase classname="Step 3 - GET Segment Job status" name="status is SUCCEEDED (run 2)" />') == 2
    summary = json.loads((tmp_path / "out" / "rehearsal" / "summary.json").read_text(encoding="utf-8"))
    assert (summary["collection"], summary["steps"]) == ("_Adobe Experience Platform Enablement", STEPS)
    assert [entry["ldap"] for entry in summary["participants"]] == ldaps(2)
    assert {key: value for key, value in summary["summary"].items() if key not in ("time_s", "mock")} == {
        "participants": 2, "passed": 0, "failed": 2}
    assert set(summary["summary"]["mock"]) == {"requests", "median_ms", "p99_ms"}
    assert summary["summary"]["mock"]["requests"] == 10


def test_pmforge_newman_may_name_the_executable_of_an_installed_newman(newman: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner loads Newman's library from the package that executable belongs to."""
    package = Path(os.path.realpath(newman)).parents[1]
    link = tmp_path / "bin" / "newman"
    link.parent.mkdir()
    link.symlink_to(package / "bin" / "newman.js")
    monkeypatch.setenv("PMFORGE_NEWMAN", str(link))
    monkeypatch.chdir(tmp_path)
    result = invoke("--roster", str(write_roster(tmp_path / "class.csv", 2)))
    assert (result.exit_code, result.stderr) == (0, ""), result.stdout


def test_an_executable_outside_a_newman_package_exits_3(newman: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "newman"
    fake.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PMFORGE_NEWMAN", str(fake))
    monkeypatch.chdir(tmp_path)
    result = invoke("--roster", str(write_roster(tmp_path / "class.csv", 1)))
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr.startswith(f"error: {fake} is not the executable of a Newman package"), result.stderr


def _processes_marked(mark: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and mark.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to prove the runner is gone")
def test_ctrl_c_keeps_the_finished_rows_and_exits_130(newman: Path, tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "class.csv", 20)
    mark = f"PMFORGE_TEST_MARK={uuid.uuid4()}"
    environment = {**os.environ, "PMFORGE_TEST_MARK": mark.split("=", 1)[1], "PYTHONUNBUFFERED": "1"}
    # Slow polls and two runs at a time: the class takes seconds, so SIGINT lands in the middle of it.
    command = [sys.executable, "-m", "pmforge.cli", "rehearse", "--roster", str(roster), "--parallel", "2",
               "--poll-interval-ms", "400", "--polls-to-finish", "3", "--junit", "class.xml"]
    process = subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, encoding="utf-8")
    assert process.stdout is not None
    before = [process.stdout.readline() for _ in range(4)]  # the header and three rows
    process.send_signal(signal.SIGINT)
    rest, errors = process.communicate(timeout=60)
    lines = masked("".join(before) + rest).splitlines()
    assert process.returncode == 130, (lines, errors)
    assert errors == "interrupted: no report written\n"
    assert lines[0] == HEADER
    rows = [line for line in lines[1:] if line.startswith("learner")]
    assert 3 <= len(rows) < 20
    assert set(masked("".join(before[1:])).splitlines()) <= set(rows)  # the rows out before Ctrl-C stay
    assert all(row.split()[1:] == ["6", "4/4", "15", "0", "3", "Ts"] for row in rows), rows
    assert lines[len(rows) + 1] == (f"interrupted: {len(rows)} of 20 participants finished: {len(rows)} passed, "
                                    f"0 failed in Ts; mock: {lines[len(rows) + 1].split('mock: ')[1]}")
    assert lines[len(rows) + 2].startswith("slowest: ")
    assert len(lines) == len(rows) + 3
    assert not (tmp_path / "class.xml").exists()
    deadline = time.monotonic() + 10
    while _processes_marked(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_marked(mark) == [], "the Node runner outlived pmforge"


def test_the_runner_script_is_next_to_the_module() -> None:
    assert RUNNER_SCRIPT.is_file() and RUNNER_SCRIPT.name == "runner.js"


def test_a_report_that_cannot_be_written_fails_the_rehearsal(newman: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken").write_text("a file where the report folder would go\n", encoding="utf-8")
    result = invoke("--roster", str(write_roster(tmp_path / "class.csv", 1)), "--report", "taken/out")
    assert result.exit_code == 1, result.stdout
    assert masked(result.stdout).splitlines()[1:3] == [
        "learner01@example.com         5    4/4      13       0      2    Ts",
        "1 participant: 1 passed, 0 failed in Ts; mock: 5 requests, median T ms, p99 T ms"]
    assert result.stderr == "taken/out/rehearsal:0:0: error: cannot write: Not a directory [output]\n"
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "a file where the report folder would go\n"


def test_hand_written_scripts_get_a_fresh_sandbox_per_participant(newman: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """An undeclared variable lives in the sandbox's global scope: no participant may see another's."""
    monkeypatch.chdir(tmp_path)
    text = COURSE.read_text(encoding="utf-8")
    anchor = '        url: "{{IMS}}/ims/token/v3"\n'
    script = ('        scripts:\n          test: |\n'
              '            pm.test("leftover is " + typeof leftover, function () {});\n'
              '            leftover = pm.environment.get("ldap");\n')
    course = tmp_path / "course.yaml"
    course.write_text(text.replace(anchor, anchor + script), encoding="utf-8")
    (tmp_path / "roster.csv").write_text("ldap\nnobody\n", encoding="utf-8")
    result = invoke(str(course), "--roster", str(write_roster(tmp_path / "class.csv", 4)), "--parallel", "1",
                    "--junit", "class.xml")
    assert (result.exit_code, result.stderr) == (0, ""), result.stdout
    junit = (tmp_path / "class.xml").read_text(encoding="utf-8")
    assert junit.count('name="leftover is undefined"') == 4 and "leftover is string" not in junit


def test_a_run_that_outlasts_its_timeout_fails_once(newman: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Newman calls back twice after a timeout (the timeout, then the run's end): one row per participant."""
    monkeypatch.chdir(tmp_path)
    result = rehearse_class(None, None, timeout_s=0.3, poll_interval_ms=300, polls_to_finish=3)
    assert [row.ldap for row in result.results] == ["vangeluw", "jane.doe@example.com", "zoë"]
    for row in result.results:
        assert not row.ok and row.run.failures[-1] == "collection: newman did not finish within 0.3 s", row.run.failures


def test_parallel_1_runs_one_participant_after_another(newman: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("--roster", str(write_roster(tmp_path / "class.csv", 4)), "--parallel", "1")
    assert (result.exit_code, result.stderr) == (0, ""), result.stdout
    assert [line.split()[0] for line in result.stdout.splitlines()[1:5]] == ldaps(4)


def test_a_report_into_a_class_built_with_handouts_draws_its_page_again(newman: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch, cli) -> None:
    roster = write_roster(tmp_path / "class.csv", 2)
    built = cli("build", "--roster", str(roster), "--handouts", "--out", "out")
    assert built.exit_code == 0, built.stdout + built.stderr
    before = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "rehearsal/learner01%40example.com.json" not in before and "✓" not in before
    monkeypatch.chdir(tmp_path)
    result = invoke("--roster", str(roster), "--report", "out")
    assert (result.exit_code, result.stderr) == (0, ""), result.stdout
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert 'href="rehearsal/learner01%40example.com.json"' in page and 'href="rehearsal/learner02%40example.com.json"' in page
    assert page.count("✓") >= 8  # four steps passed, for each of the two
    # The report's files are the class's own now: building the class again replaces them without a word.
    again = cli("build", "--roster", str(roster), "--handouts", "--out", "out")
    assert (again.exit_code, again.stderr) == (0, "wrote 12 files for 2 participants to out\n"), again.stdout


def test_the_postman_cli_runner_masks_a_roster_secret_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_postman_cli import postman_or_skip

    postman_or_skip()
    monkeypatch.chdir(tmp_path)
    secret = "s3cr3t-Value-9f1c"
    roster = write_roster(tmp_path / "class.csv", 1, ",API_KEY,CLIENT_SECRET,IMS_ORG", f",client,{secret},ORG@AdobeOrg")
    result = invoke(str(secret_course(tmp_path)), "--roster", str(roster), "--runner", "postman",
                    "--junit", "class.xml", "--report", "out")
    assert result.exit_code == 1, result.stdout
    # The token the mock issued is masked too, read back from the Authorization header Step 1 sent.
    assert "    Get Access Token: token for ***: expected '***…' to deeply equal 'not the token'\n" in result.stdout
    for text in (result.stdout, *(path.read_text(encoding="utf-8") for path in
                                  [tmp_path / "class.xml", *(tmp_path / "out" / "rehearsal").iterdir()])):
        assert secret not in text and "not the token" in text


def test_an_unwritable_junit_and_report_fail_the_rehearsal_and_leave_nothing(newman: Path, tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken").write_text("a file where the JUnit folder would go\n", encoding="utf-8")
    (tmp_path / "out" / "rehearsal" / "learner01@example.com.json").mkdir(parents=True)  # a folder in a file's place
    result = invoke("--roster", str(write_roster(tmp_path / "class.csv", 1)), "--junit", "taken/class.xml",
                    "--report", "out")
    assert result.exit_code == 1, result.stdout
    assert masked(result.stdout).splitlines()[1:] == [
        "learner01@example.com         5    4/4      13       0      2    Ts",
        "1 participant: 1 passed, 0 failed in Ts; mock: 5 requests, median T ms, p99 T ms"]
    assert result.stderr == ("out/rehearsal/learner01@example.com.json:0:0: error: cannot write: Is a directory [output]\n"
                             "taken/class.xml:0:0: error: cannot write: Not a directory [output]\n")
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "a file where the JUnit folder would go\n"
    assert sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*")) == [
        "class.csv", "out", "out/rehearsal", "out/rehearsal/learner01@example.com.json", "taken"]
