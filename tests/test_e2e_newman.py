"""End to end: the generated collections, run by the real Newman against the real mock.

Needs Newman (``npm ci`` in the repository). Without it these tests skip, except under CI=true,
where a missing Newman is a failure: CI must prove the collections run.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pmforge import building
from pmforge.mock import MockServer, start_mock
from pmforge.mock.shapes import FAILURE
from pmforge.rehearsal import NewmanRun, participant_overrides, run_newman
from pmforge.rehearsal.cli import rehearse

STEM = "_Adobe Experience Platform Enablement"
STEP_3 = "Step 3 - GET Segment Job status"
POLLS_TO_FINISH = 3
HEADER = "participant           requests  steps  passed  failed  polls    time"
# ldap, sandbox, IMS org the mock should see (jane brings her own credentials in the roster).
CLASS = [
    ("vangeluw", "prod", "ORG1@AdobeOrg"),
    ("jane.doe@example.com", "jane-sandbox", "JANE0RG@AdobeOrg"),
    ("zoë", "prod", "ORG3@AdobeOrg"),
]
ROSTER = (
    "ldap,sandbox,API_KEY,CLIENT_SECRET,IMS_ORG\n"
    "vangeluw,prod,,,\n"
    "jane.doe@example.com,jane-sandbox,jane-client,jane-secret,JANE0RG@AdobeOrg\n"
    "zoë,,,,\n"
)


@pytest.fixture(scope="module")
def roster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("roster") / "class.csv"
    path.write_text(ROSTER, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def class_dir(tmp_path_factory: pytest.TempPathFactory, roster: Path) -> Path:
    out = tmp_path_factory.mktemp("class") / "out"
    result = building.build(None, roster, out)
    assert result.problems == [] and result.participants == len(CLASS)
    return out


def run_participant(newman: Path, class_dir: Path, mock: MockServer, number: int, ldap: str) -> NewmanRun:
    environment = class_dir / ldap / f"{STEM}.postman_environment.json"
    overrides = participant_overrides(environment, number, base_url=mock.url, poll_interval_ms=10)
    return run_newman(class_dir / ldap / f"{STEM}.postman_collection.json", environment, env_vars=overrides,
                      newman=newman, timeout_s=60)


@dataclass
class ClassRun:
    mock: MockServer
    runs: dict[str, NewmanRun]


@pytest.fixture(scope="module")
def class_run(newman: Path, class_dir: Path) -> Iterator[ClassRun]:
    """The whole class, at once, against one mock whose jobs take three polls to finish."""
    with start_mock(polls_to_finish=POLLS_TO_FINISH) as mock, ThreadPoolExecutor(len(CLASS)) as pool:
        futures = {ldap: pool.submit(run_participant, newman, class_dir, mock, number, ldap)
                   for number, (ldap, _, _) in enumerate(CLASS, start=1)}
        yield ClassRun(mock, {ldap: future.result() for ldap, future in futures.items()})


@pytest.mark.parametrize("ldap", [ldap for ldap, _, _ in CLASS])
def test_every_test_passes(class_run: ClassRun, ldap: str) -> None:
    run = class_run.runs[ldap]
    assert (run.exit_code, run.failures, run.assertions_failed) == (0, (), 0), run.output
    assert run.assertions > 0 and run.ok


@pytest.mark.parametrize("ldap", [ldap for ldap, _, _ in CLASS])
def test_step_3_polls_until_the_job_succeeded(class_run: ClassRun, ldap: str) -> None:
    run = class_run.runs[ldap]
    assert run.executions[STEP_3] == POLLS_TO_FINISH >= 2
    assert {name: count for name, count in run.executions.items() if name != STEP_3} == {
        "Get Access Token": 1, "Step 1 - Profile: Create A Segment Definition": 1, "Step 2 - POST Segment Job": 1,
    }
    assert run.requests == 3 + POLLS_TO_FINISH
    assert "✓  status is SUCCEEDED" in run.output


def test_the_mock_holds_one_definition_per_participant(class_run: ClassRun) -> None:
    state = class_run.mock.state
    assert len(state.definitions()) == len(CLASS)
    for ldap, sandbox, org in CLASS:
        [definition] = state.definitions(org=org)
        assert (definition["name"], definition["createdBy"], definition["sandbox"]["sandboxName"]) == (
            f"{ldap} - API - All Female Customer", ldap, sandbox)
        [job] = state.jobs(org=org)
        assert job["status"] == "SUCCEEDED"


def test_a_failed_job_fails_the_run_and_names_the_error(newman: Path, class_dir: Path) -> None:
    with start_mock(polls_to_finish=2, fail_jobs=True) as mock:
        run = run_participant(newman, class_dir, mock, 3, "zoë")
    assert run.exit_code != 0 and not run.ok
    assert run.executions[STEP_3] == 2
    # The failing test's name carries the job's error message; the assertion message follows it.
    named = [failure for failure in run.failures if failure.startswith(f"{STEP_3}: status is FAILED: {FAILURE['msg']}")]
    assert len(named) == 1, run.failures


# -- pmforge rehearse ------------------------------------------------------------------------------

def invoke(*args: str) -> Result:
    return CliRunner().invoke(rehearse, list(args), catch_exceptions=False, prog_name="pmforge")


def rows(stdout: str) -> list[list[str]]:
    """The table's rows as cells in roster order (they come as participants finish), times left out."""
    lines = stdout.splitlines()
    assert lines[0] == HEADER
    order = [ldap for ldap, _, _ in CLASS]
    table = [line.split()[:-1] for line in lines[1:] if not line.startswith(" ") and line.split()[0] in order]
    return sorted(table, key=lambda row: order.index(row[0]))


def test_rehearse_prints_one_row_per_participant(newman: Path, class_run: ClassRun, roster: Path,
                                                 monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("--roster", str(roster), "--polls-to-finish", str(POLLS_TO_FINISH), "--parallel", "3")
    assert (result.exit_code, result.stderr) == (0, ""), result.stdout
    # The same class as class_run, so each row says what that participant's direct run said.
    assert rows(result.stdout) == [
        [ldap, str(run.requests), "4/4", str(run.assertions_passed), "0", str(POLLS_TO_FINISH)]
        for ldap, run in class_run.runs.items()
    ]
    summary = result.stdout.splitlines()[-2]
    assert summary.startswith("3 participants: 3 passed, 0 failed in "), summary


def test_rehearse_the_bundled_course_with_no_arguments(newman: Path, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke()
    assert (result.exit_code, result.stderr) == (0, ""), result.stdout
    assert [row[0] for row in rows(result.stdout)] == [ldap for ldap, _, _ in CLASS]
    assert not (tmp_path / "out").exists()  # the class is built in a scratch directory


def test_rehearse_with_failing_jobs_exits_1(newman: Path, roster: Path, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("--roster", str(roster), "--fail-jobs")
    assert result.exit_code == 1, result.stdout
    table = rows(result.stdout)
    assert [row[0] for row in table] == [ldap for ldap, _, _ in CLASS]
    assert [row[2:5] for row in table] == [["3/4", "11", "1"]] * len(CLASS)
    assert result.stdout.count(FAILURE["msg"]) == len(CLASS)
    assert result.stdout.splitlines()[-3].startswith("3 participants: 0 passed, 3 failed in ")
    assert result.stdout.splitlines()[-1] == "failing: " + ", ".join(ldap for ldap, _, _ in CLASS)


def test_rehearse_reports_build_problems_and_exits_1(newman: Path, course_dir: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(course_dir)
    (course_dir / "roster.csv").write_text("ldap,sandbox\nbad/name,prod\n", encoding="utf-8")
    result = invoke("course.yaml")
    assert result.exit_code == 1
    assert result.stdout.startswith("roster.csv:2:1: error: ldap 'bad/name' contains a path separator"), result.stdout
    assert result.stderr == "1 problem found; nothing rehearsed.\n"


def test_rehearse_without_newman_exits_3_with_an_install_hint(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PMFORGE_NEWMAN", str(tmp_path / "no-such-newman"))
    result = invoke()
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr.startswith(f"error: PMFORGE_NEWMAN={tmp_path / 'no-such-newman'} is not an executable file;")
    assert "`npm ci`" in result.stderr and "npm install -g newman@6.2.2" in result.stderr
