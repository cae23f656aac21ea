"""The rehearsal's table, files and runner plumbing, from results made here (no Newman needed).

The runner tests use Node with small stand-in Newman packages, to reach what the real one rarely does:
a run Newman refuses, a worker that dies, a package that cannot load.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from pmforge import building
from pmforge.mock import LatencySummary
from pmforge.rehearsal import Check, Job, NewmanMissing, NewmanRun, ParticipantResult, Rehearsal
from pmforge.rehearsal.exports import junit_xml, write_report
from pmforge.rehearsal.newman import from_report, masked
from pmforge.rehearsal.rehearsing import hand_written_scripts
from pmforge.rehearsal.report import LiveTable, table_lines
from pmforge.rehearsal.runners import newman_package, run_class

from .conftest import REPO, required_tool

STEPS = ["Get Access Token", "Step 1", "Step 2", "Step 3"]


def run(**changes: object) -> NewmanRun:
    values: dict[str, object] = {
        "exit_code": 0, "requests": 5, "assertions": 17, "assertions_failed": 0, "failures": (), "duration_s": 1.234,
        "executions": {"Get Access Token": 1, "Step 1": 1, "Step 2": 1, "Step 3": 2},
        "checks": (Check("Get Access Token", "status is 200"), Check("Step 3", "status is 200", attempt=2)),
    }
    values.update(changes)
    return NewmanRun(**values)  # type: ignore[arg-type]


FAILED_RUN = run(exit_code=1, requests=3, assertions=9, assertions_failed=1,
                 executions={"Get Access Token": 1, "Step 1": 1, "Step 2": 1},
                 failures=("Step 2: status is 200: expected 500 to equal 200",),
                 checks=(Check("Get Access Token", "status is 200"),
                         Check("Step 2", "status is 200", "expected 500 to equal 200")))


def rehearsal(*, interrupted: bool = False) -> Rehearsal:
    results = [ParticipantResult.of("vangeluw", "prod", run(), steps=STEPS, polling={"Step 3"}),
               ParticipantResult.of("zoë", "dev", FAILED_RUN, steps=STEPS, polling={"Step 3"})]
    return Rehearsal(results=results, collection="Course", steps=STEPS, participants=3, wall_s=2.5,
                     mock_stats=LatencySummary(8, 0.2, 6.25, 7.0), interrupted=interrupted)


def test_steps_are_passed_failed_or_not_run_in_course_order() -> None:
    result = rehearsal().results[1]
    assert result.steps == {"Get Access Token": "passed", "Step 1": "passed", "Step 2": "failed",
                            "Step 3": "not run"}
    assert (result.steps_passed, result.polls, result.ok) == (2, 0, False)


def test_the_table_has_honest_columns_then_the_slowest_and_the_failing() -> None:
    assert table_lines(rehearsal()) == [
        "participant  requests  steps  passed  failed  polls    time",
        "vangeluw            5    4/4      17       0      2    1.2s",
        "zoë                 3    2/4       8       1      0    1.2s",
        "    Step 2: status is 200: expected 500 to equal 200",
        "2 participants: 1 passed, 1 failed in 2.5s; mock: 8 requests, median 0.2 ms, p99 6.2 ms",
        "slowest: vangeluw 1.2s, zoë 1.2s",
        "failing: zoë",
    ]


def test_an_interrupted_class_says_how_many_finished() -> None:
    assert table_lines(rehearsal(interrupted=True))[4] == (
        "interrupted: 2 of 3 participants finished: 1 passed, 1 failed in 2.5s; "
        "mock: 8 requests, median 0.2 ms, p99 6.2 ms")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_live_rows_come_as_participants_finish_under_a_progress_line() -> None:
    out, status = io.StringIO(), Terminal()
    table = LiveTable(out, status)
    table.started(["vangeluw", "zoë"], STEPS)
    table.finished(rehearsal().results[1])
    assert out.getvalue() == ("participant  requests  steps  passed  failed  polls    time\n"
                              "zoë                 3    2/4       8       1      0    1.2s\n"
                              "    Step 2: status is 200: expected 500 to equal 200\n")
    table.finished(rehearsal().results[0])
    table.ended(rehearsal())
    shown = status.getvalue().replace("\r\x1b[K", "|").split("|")
    assert [text.rsplit(", ", 1)[0] for text in shown if text] == [
        "[0/2] 0 passed, 0 failed", "[1/2] 0 passed, 1 failed", "[2/2] 1 passed, 1 failed"]
    assert status.getvalue().endswith("\r\x1b[K")  # the progress line is gone before the summary
    assert out.getvalue().endswith("failing: zoë\n")


def test_the_report_is_the_summary_and_one_file_per_participant(tmp_path: Path) -> None:
    assert write_report(rehearsal(), tmp_path / "out") == []
    folder = tmp_path / "out" / "rehearsal"
    assert sorted(path.name for path in folder.iterdir()) == ["summary.json", "vangeluw.json", "zoë.json"]
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary == {
        "collection": "Course", "steps": STEPS,
        "participants": [json.loads((folder / name).read_text(encoding="utf-8")) for name in ("vangeluw.json", "zoë.json")],
        "summary": {"participants": 2, "passed": 1, "failed": 1, "time_s": 2.5,
                    "mock": {"requests": 8, "median_ms": 0.2, "p99_ms": 6.25}},
    }
    assert summary["participants"][1] == {
        "ldap": "zoë", "sandbox": "dev", "ok": False, "requests": 3, "polls": 0, "time_s": 1.23,
        "assertions": {"passed": 8, "failed": 1},
        "steps": {"Get Access Token": "passed", "Step 1": "passed", "Step 2": "failed", "Step 3": "not run"},
        "failures": ["Step 2: status is 200: expected 500 to equal 200"],
    }


def test_a_report_that_cannot_be_written_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("a file, not a folder", encoding="utf-8")
    [problem] = write_report(rehearsal(), tmp_path / "out")
    assert str(problem).startswith(f"{tmp_path / 'out' / 'rehearsal'}:0:0: error: cannot write: ")


def test_a_participant_called_summary_is_refused_not_overwritten(tmp_path: Path) -> None:
    class_run = rehearsal()
    class_run.results.append(ParticipantResult.of("Summary", "prod", run(), steps=STEPS))
    [problem] = write_report(class_run, tmp_path)
    assert str(problem) == (f"{tmp_path / 'rehearsal' / 'summary.json'}:0:0: error: participant 'Summary' would "
                            "overwrite the class summary; nothing written [output]")
    assert not (tmp_path / "rehearsal").exists()


def test_junit_has_a_suite_per_participant_and_a_case_per_assertion() -> None:
    broken = run(exit_code=1, requests=0, assertions=0, failures=("newman could not run: bad JSON",), checks=(),
                 executions={}, duration_s=0.1)
    class_run = rehearsal()
    class_run.results.append(ParticipantResult.of("jane", "prod", broken, steps=STEPS))
    assert junit_xml(class_run) == """<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="Course" time="2.500" tests="5" failures="1" errors="1">
  <testsuite name="vangeluw" time="1.234" tests="2" failures="0" errors="0" skipped="0">
    <properties>
      <property name="sandbox" value="prod" />
    </properties>
    <testcase classname="Get Access Token" name="status is 200" />
    <testcase classname="Step 3" name="status is 200 (run 2)" />
  </testsuite>
  <testsuite name="zoë" time="1.234" tests="2" failures="1" errors="0" skipped="0">
    <properties>
      <property name="sandbox" value="dev" />
    </properties>
    <testcase classname="Get Access Token" name="status is 200" />
    <testcase classname="Step 2" name="status is 200">
      <failure message="expected 500 to equal 200" type="AssertionError">expected 500 to equal 200</failure>
    </testcase>
  </testsuite>
  <testsuite name="jane" time="0.100" tests="1" failures="0" errors="1" skipped="0">
    <properties>
      <property name="sandbox" value="prod" />
    </properties>
    <testcase classname="collection" name="run">
      <error message="newman could not run: bad JSON" type="run">newman could not run: bad JSON</error>
    </testcase>
  </testsuite>
</testsuites>
"""


def test_newmans_report_becomes_checks_with_secrets_masked() -> None:
    token = "eyJhbGciOiJSUzI1NiIsIng1dSI6Imltc19uYTEta2V5LWF0LTEuY2VyIn0"
    report = {"run": {
        "stats": {"requests": {"total": 2}, "assertions": {"total": 2, "failed": 1}},
        "executions": [
            {"item": {"name": "Token"}, "assertions": [{"assertion": "status is 200", "skipped": False}]},
            {"item": {"name": "Use"}, "assertions": [
                {"assertion": "token is kept", "skipped": False,
                 "error": {"name": "AssertionError", "message": f"expected '{token[:40]}…' to equal 'x'"}}]},
        ],
        "failures": [
            {"error": {"name": "AssertionError", "test": "token is kept", "message": f"expected '{token}' to equal 'x'"},
             "at": "assertion:0 in test-script", "source": {"name": "Use"}},
            {"error": {"name": "Error", "message": "connect ECONNREFUSED 127.0.0.1:9"}, "at": "request",
             "source": {"name": "Use"}},
        ]}}
    result = from_report(report, 1, 0.5, secrets={token})
    assert result.failures == ("Use: token is kept: expected '***' to equal 'x'", "Use: connect ECONNREFUSED 127.0.0.1:9")
    assert result.checks == (Check("Token", "status is 200"),
                             Check("Use", "token is kept", "expected '***…' to equal 'x'"),
                             Check("Use", "request", "connect ECONNREFUSED 127.0.0.1:9", "request"))
    assert (result.requests, result.assertions_passed, result.assertions_failed) == (2, 1, 1)


def test_masking_leaves_short_lookalikes_alone() -> None:
    assert masked("key abcdefgh, abcdefghij, abcdefg", {"abcdefghij"}) == "key ***, ***, abcdefg"


def test_the_newman_package_is_found_from_its_executable(tmp_path: Path) -> None:
    package = tmp_path / "lib" / "node_modules" / "newman"
    (package / "bin").mkdir(parents=True)
    (package / "package.json").write_text('{"name": "newman"}', encoding="utf-8")
    (package / "bin" / "newman.js").write_text("", encoding="utf-8")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "newman").symlink_to(package / "bin" / "newman.js")
    assert newman_package(tmp_path / "bin" / "newman") == package
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "newman").write_text("#!/bin/sh\n", encoding="utf-8")
    with pytest.raises(NewmanMissing, match="is not the executable of a Newman package"):
        newman_package(tmp_path / "elsewhere" / "newman")


# -- the Node runner with stand-in Newman packages ---------------------------------------------------

@pytest.fixture()
def stand_in(tmp_path: Path) -> object:
    def node() -> Path:
        found = shutil.which("node")
        if found is None:
            raise FileNotFoundError("node is not on PATH")
        return Path(found)

    required_tool(node, FileNotFoundError, "Node")  # a skip without it, a failure under CI=true

    def make(source: str) -> Path:
        package = tmp_path / "node_modules" / "newman"
        (package / "bin").mkdir(parents=True, exist_ok=True)
        (package / "package.json").write_text('{"name": "newman", "main": "index.js"}', encoding="utf-8")
        (package / "index.js").write_text(source, encoding="utf-8")
        (package / "bin" / "newman.js").write_text("", encoding="utf-8")
        return package / "bin" / "newman.js"

    return make


def jobs(tmp_path: Path, count: int) -> list[Job]:
    environment = tmp_path / "environment.json"
    environment.write_text(json.dumps({"values": [{"key": "CLIENT_SECRET", "value": "hush-hush-value", "type": "secret"}]}),
                           encoding="utf-8")
    for number in range(1, count + 1):
        (tmp_path / f"c{number}.json").write_text(json.dumps({"info": {"name": f"c{number}"}, "item": []}),
                                                  encoding="utf-8")
    return [Job(number, f"p{number}", "prod", tmp_path / f"c{number}.json", environment)
            for number in range(1, count + 1)]


def test_a_run_newman_refuses_is_that_participants_failure(stand_in, tmp_path: Path) -> None:
    tool = stand_in("const { EventEmitter } = require('events');\n"
                    "exports.run = (options, done) => { setImmediate(() => done(new Error("
                    "`cannot run ${options.collection.info.name} with hush-hush-value`))); "
                    "return new EventEmitter(); };\n")
    class_jobs = jobs(tmp_path, 3)
    class_jobs[2].collection.unlink()
    finished = sorted(run_class(class_jobs, tool=tool, parallel=2, timeout_s=10), key=lambda pair: pair[0].number)
    assert [(job.ldap, result.failures, result.ok) for job, result in finished] == [
        ("p1", ("newman could not run: cannot run c1 with ***",), False),
        ("p2", ("newman could not run: cannot run c2 with ***",), False),
        ("p3", (f"newman could not run: cannot read {tmp_path / 'c3.json'}: ENOENT: no such file or directory, "
                f"open '{tmp_path / 'c3.json'}'",), False),
    ]


def test_a_worker_that_dies_fails_whoever_did_not_finish(stand_in, tmp_path: Path) -> None:
    tool = stand_in("exports.run = () => process.exit(5);\n")
    finished = list(run_class(jobs(tmp_path, 2), tool=tool, parallel=1, timeout_s=10))
    assert [(job.ldap, result.failures) for job, result in finished] == [
        (f"p{number}", ("the runner stopped (exit 4) before this participant finished: "
                        "pmforge runner: a worker exited with code 5 before the class finished",))
        for number in (1, 2)]


def test_a_newman_that_cannot_load_is_missing(stand_in, tmp_path: Path) -> None:
    tool = stand_in("throw new Error('broken install');\n")
    with pytest.raises(NewmanMissing, match=r"^cannot load Newman from .*: broken install"):
        list(run_class(jobs(tmp_path, 1), tool=tool, parallel=1, timeout_s=10))


def test_only_a_course_without_scripts_of_its_own_shares_sandboxes(tmp_path: Path) -> None:
    bundled, _ = building.plan(None, None)
    assert bundled is not None and not hand_written_scripts(bundled.course)
    text = (REPO / "collections" / "aep-enablement" / "course.yaml").read_text(encoding="utf-8")
    course = tmp_path / "course.yaml"
    course.write_text(text.replace("  - name: 2. Segmentation\n", "  - name: 2. Segmentation\n"
                                   "    scripts: {prerequest: 'console.log(1);'}\n"), encoding="utf-8")
    (tmp_path / "roster.csv").write_text("ldap\nnobody\n", encoding="utf-8")
    scripted, problems = building.plan(course, tmp_path / "roster.csv")
    assert scripted is not None, problems
    assert hand_written_scripts(scripted.course)
