"""The class on a bad day: the real Newman against the real mock, one fault at a time.

Each scenario asserts Newman's exit code, how many requests the mock saw (bounded: no storms),
which steps ran, and the message a learner reads. The same scenarios make ``rehearse --drill``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmforge import building
from pmforge.rehearsal.cli import rehearse
from tests.test_rehearse_class import _processes_marked
from pmforge.rehearsal.drill import Learner, Outcome, Scenario, learners, run_scenario, scenarios

TOKEN, STEP_1, STEP_2, STEP_3 = ("Get Access Token", "Step 1 - Profile: Create A Segment Definition",
                                 "Step 2 - POST Segment Job", "Step 3 - GET Segment Job status")
FIX = ("Check API_KEY, CLIENT_SECRET and SCOPES in your environment against your Adobe Developer Console project "
       "(OAuth Server-to-Server credential).")
# One token for the run, then per participant one page of the list and a delete (first run) or none (second).
REQUESTS_PER_TEARDOWN = [1 + 3 + 3, 1 + 3]
BY_NAME = {scenario.name: scenario for scenario in scenarios()}


@pytest.fixture(scope="module")
def learner(tmp_path_factory: pytest.TempPathFactory) -> Learner:
    out = tmp_path_factory.mktemp("class") / "out"
    assert building.build(None, None, out).problems == []
    plan, _ = building.plan(None, None)
    assert plan is not None
    return learners(plan, out)[0]


def drill(name: str, newman: Path, learner: Learner, tmp_path: Path) -> Outcome:
    outcome = run_scenario(BY_NAME[name], learner, newman=newman, scratch=tmp_path)
    assert outcome.problems == [], outcome.run.output
    return outcome


def test_the_learner_is_vangeluw_in_prod(learner: Learner) -> None:
    assert (learner.ldap, learner.sandbox, learner.existing) == ("vangeluw", "prod", "vangeluw - API - All Female Customer")


def test_wrong_secret_stops_the_run_at_the_token_with_what_to_fix(newman: Path, learner: Learner, tmp_path: Path) -> None:
    outcome = drill("wrong secret", newman, learner, tmp_path)
    assert (outcome.run.exit_code, outcome.requests, dict(outcome.run.executions)) == (1, 1, {TOKEN: 1})
    assert outcome.run.failures == (
        f"{TOKEN}: status code is 200, got 401 Unauthorized: invalid_client invalid client_id or client_secret. "
        f"{FIX} The run stops here.: expected 200, got 401",
    )


def test_empty_secret_sends_nothing(newman: Path, learner: Learner, tmp_path: Path) -> None:
    outcome = drill("empty secret", newman, learner, tmp_path)
    assert (outcome.run.exit_code, outcome.requests, dict(outcome.run.executions)) == (1, 0, {})
    assert outcome.run.failures == (
        f"{TOKEN}: not sent: CLIENT_SECRET is empty. {FIX} The run stops here.: CLIENT_SECRET empty",)


def test_a_lost_job_ends_polling_at_once(newman: Path, learner: Learner, tmp_path: Path) -> None:
    outcome = drill("lost job", newman, learner, tmp_path)
    assert (outcome.run.exit_code, outcome.requests) == (1, 4)
    assert outcome.run.executions[STEP_3] == 1
    [failure] = outcome.run.failures
    assert failure.startswith(f"{STEP_3}: status code is 200, got 404 Not Found: NotFoundError Segment job '")
    assert failure.endswith("' not found in sandbox 'prod'.: expected 200, got 404")


def test_a_failed_job_names_its_error(newman: Path, learner: Learner, tmp_path: Path) -> None:
    outcome = drill("failed job", newman, learner, tmp_path)
    assert (outcome.run.exit_code, outcome.requests, outcome.run.executions[STEP_3]) == (1, 5, 2)
    assert outcome.run.failures == (
        f"{STEP_3}: status is FAILED: Segment job failed on purpose: the pmforge mock was told to fail jobs.: "
        "status is FAILED after 2 polls",)


def test_a_429_burst_is_waited_out(newman: Path, learner: Learner, tmp_path: Path) -> None:
    outcome = drill("429 burst", newman, learner, tmp_path)
    assert (outcome.run.exit_code, outcome.run.failures, outcome.requests) == (0, (), 7)
    assert outcome.run.executions[STEP_2] == 3  # the request and its two retries after Retry-After
    assert "✓  sent again after 429 Too Many Requests, then after 429 Too Many Requests" in outcome.run.output


def test_a_token_expiring_mid_run_is_renewed(newman: Path, learner: Learner, tmp_path: Path) -> None:
    outcome = drill("token expires mid-run", newman, learner, tmp_path)
    assert (outcome.run.exit_code, outcome.run.failures, outcome.requests) == (0, (), 7)
    # The first poll gets 401013; the collection gets a new token and sends the poll again.
    assert outcome.run.executions[STEP_3] == 4
    assert "✓  sent again after 401 Unauthorized: 401013 Oauth token is not valid (with a new token)" in outcome.run.output


def test_a_second_run_reuses_the_definition(newman: Path, learner: Learner, tmp_path: Path) -> None:
    outcome = drill("second run, same environment", newman, learner, tmp_path)
    assert (outcome.run.exit_code, outcome.run.failures, outcome.requests, outcome.definitions) == (0, (), 6, 1)
    assert f'✓  segment definition "{learner.existing}" already exists: using it' in outcome.run.output


def test_a_fresh_import_finds_the_definition_across_pages(newman: Path, learner: Learner, tmp_path: Path) -> None:
    # Pages of one definition: the participant's is found on the third page, after two others.
    paged = Scenario("fresh import, paged", mock={"max_page_size": 1, "existing_definitions": [
        ("prod", "someone - API - All Female Customer"), ("prod", "else - API - All Female Customer")]},
        preexisting=True, requests=5 + 3, message="already exists: using it")
    outcome = run_scenario(paged, learner, newman=newman, scratch=tmp_path)
    assert outcome.problems == [], outcome.run.output
    assert (outcome.run.exit_code, outcome.run.failures, outcome.requests, outcome.definitions) == (0, (), 8, 1)
    assert outcome.run.executions[STEP_1] == 4  # the create, then three pages of the list


def test_a_fresh_import_keeps_the_existing_id(newman: Path, learner: Learner, tmp_path: Path) -> None:
    outcome = drill("fresh import, definition exists", newman, learner, tmp_path)
    assert (outcome.run.exit_code, outcome.run.failures, outcome.requests, outcome.definitions) == (0, (), 6, 1)


def test_the_happy_path_still_takes_five_requests(newman: Path, learner: Learner, tmp_path: Path) -> None:
    outcome = drill("happy path", newman, learner, tmp_path)
    assert (outcome.run.exit_code, outcome.run.failures, outcome.requests) == (0, (), 5)
    assert "✓  status is PROCESSING, not final yet (poll 1 of 30)" in outcome.run.output


def test_rehearse_drill_prints_one_table(newman: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    roster = tmp_path / "one.csv"
    roster.write_text("ldap,sandbox\nalice,alice-sandbox\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(rehearse, ["--drill", "--roster", str(roster), "--parallel", "2"],
                                catch_exceptions=False, prog_name="pmforge")
    assert (result.exit_code, result.stderr) == (0, ""), result.stdout
    assert result.stdout.splitlines() == [
        "scenario                         alice",
        "happy path                       ok 5",
        "wrong secret                     ok 1",
        "empty secret                     ok 0",
        "lost job                         ok 4",
        "failed job                       ok 5",
        "429 burst                        ok 7",
        "token expires mid-run            ok 7",
        "second run, same environment     ok 6",
        "fresh import, definition exists  ok 6",
        "9 scenarios x 1 participant: 9 passed, 0 failed (cells: requests the mock saw)",
    ]


def test_a_scenario_that_goes_otherwise_is_named(newman: Path, learner: Learner, tmp_path: Path) -> None:
    wrong = Scenario("expects too little", requests=4, exit_code=1, message="never said")
    outcome = run_scenario(wrong, learner, newman=newman, scratch=tmp_path)
    assert outcome.problems == ["newman exited 0, expected 1", "the mock saw 5 requests, expected 4",
                                "no 'never said' for the learner"]


def test_generated_collection_lints_clean(learner: Learner) -> None:
    from pmforge.lint.cli import lint

    result = CliRunner().invoke(lint, ["--strict", str(learner.collection), str(learner.environment)],
                                catch_exceptions=False)
    assert (result.exit_code, result.stdout) == (0, "")
    assert json.loads(learner.collection.read_text(encoding="utf-8"))["event"][0]["listen"] == "prerequest"


def test_teardown_twice_deletes_the_class_and_then_nothing(newman: Path, tmp_path: Path) -> None:
    from pmforge.mock import start_mock
    from pmforge.rehearsal import participant_overrides, run_newman
    from pmforge.teardown import teardown

    out, trainer = tmp_path / "class", tmp_path / "teardown"
    assert building.build(None, None, out).problems == []
    assert teardown(None, None, trainer).problems == []
    plan, _ = building.plan(None, None)
    assert plan is not None
    org = "CLASS@AdobeOrg"  # a class shares one org; the trainer's credentials reach every sandbox of it
    foreign = ("prod", "someone else - API - All Female Customer")
    with start_mock(polls_to_finish=1, existing_definitions=[foreign]) as mock:
        for one in learners(plan, out):
            overrides = participant_overrides(one.environment, one.number, base_url=mock.url, poll_interval_ms=10)
            run = run_newman(one.collection, one.environment, env_vars={**overrides, "IMS_ORG": org}, newman=newman)
            assert run.exit_code == 0, run.output
        mine = sorted(d["name"] for d in mock.state.definitions(org=org))
        assert len(mine) == 4 and foreign[1] in mine
        [collection] = trainer.glob("*.postman_collection.json")
        [environment] = trainer.glob("*.postman_environment.json")
        [data] = trainer.glob("*.iteration_data.*")
        values = {"IMS": mock.url, "PLATFORM_GATEWAY": mock.url, "API_KEY": "trainer", "CLIENT_SECRET": "s",
                  "IMS_ORG": org}
        deletes, requests = [], []
        for _ in range(2):
            seen = len(mock.records())
            run = run_newman(collection, environment, env_vars=values, newman=newman, extra_args=["-d", str(data)])
            assert (run.exit_code, run.failures) == (0, ()), run.output
            deletes.append(sum(1 for record in mock.records()[seen:] if record.method == "DELETE"))
            requests.append(len(mock.records()) - seen)
        assert (deletes, requests) == ([3, 0], REQUESTS_PER_TEARDOWN)
        assert [d["name"] for d in mock.state.definitions(org=org)] == [foreign[1]]


def test_an_empty_org_sends_no_segmentation_request(newman: Path, learner: Learner, tmp_path: Path) -> None:
    empty_org = Scenario("empty IMS_ORG", overrides={"IMS_ORG": ""}, exit_code=1, requests=1,
                         message="not sent: IMS_ORG is empty. Set it in your environment. The run stops here.")
    outcome = run_scenario(empty_org, learner, newman=newman, scratch=tmp_path)
    assert outcome.problems == [], outcome.run.output
    assert dict(outcome.run.executions) == {TOKEN: 1}
    assert outcome.run.failures == (f"{STEP_1}: not sent: IMS_ORG is empty. Set it in your environment. "
                                    "The run stops here.: IMS_ORG empty",)


def test_step_2_alone_without_a_definition_names_step_1(newman: Path, learner: Learner, tmp_path: Path) -> None:
    from pmforge.mock import start_mock
    from pmforge.rehearsal import participant_overrides, run_newman

    with start_mock() as mock:
        overrides = participant_overrides(learner.environment, 1, base_url=mock.url, poll_interval_ms=10)
        run = run_newman(learner.collection, learner.environment, env_vars=overrides, newman=newman,
                         extra_args=["--folder", STEP_2])
        # The collection gets a token by itself (ACCESS_TOKEN is empty), then Step 2 sees no SEGMENT_ID.
        assert [(record.method, record.path) for record in mock.records()] == [("POST", "/ims/token/v3")]
    assert run.exit_code == 1
    assert run.failures == (f'{STEP_2}: not sent: SEGMENT_ID is empty. Run "{STEP_1}" first. The run stops here.: '
                            "SEGMENT_ID empty",)


def test_rehearse_drill_without_newman_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PMFORGE_NEWMAN", str(tmp_path / "no-newman"))
    result = CliRunner().invoke(rehearse, ["--drill"], catch_exceptions=False, prog_name="pmforge")
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr.startswith(f"error: PMFORGE_NEWMAN={tmp_path / 'no-newman'} is not an executable file; install it")


def test_rehearse_drill_of_a_broken_course_rehearses_nothing(newman: Path, tmp_path: Path) -> None:
    course = tmp_path / "course.yaml"
    course.write_text("collection: x\nfolders: []\n", encoding="utf-8")
    result = CliRunner().invoke(rehearse, ["--drill", str(course)], catch_exceptions=False, prog_name="pmforge")
    assert (result.exit_code, result.stderr) == (1, "1 problem found; nothing rehearsed.\n")
    assert result.stdout == f"{course}:2:10: error: folders: [] should be non-empty [course-schema]\n"


def test_step_1_first_with_a_wrong_secret_never_reaches_the_gateway(newman: Path, learner: Learner) -> None:
    from pmforge.mock import start_mock
    from pmforge.rehearsal import participant_overrides, run_newman

    with start_mock(credentials={"client-1": "secret-1"}) as mock:
        overrides = participant_overrides(learner.environment, 1, base_url=mock.url, poll_interval_ms=10)
        run = run_newman(learner.collection, learner.environment, env_vars={**overrides, "CLIENT_SECRET": "nope"},
                         newman=newman, extra_args=["--folder", STEP_1])
        # The collection's own token request is refused, so Step 1 is skipped, not sent without a token.
        assert [(record.method, record.path, record.status) for record in mock.records()] == [
            ("POST", "/ims/token/v3", 401)]
    assert run.exit_code == 1
    assert run.failures == (f'{STEP_1}: no token: "{TOKEN}" got 401 Unauthorized: invalid_client invalid client_id or '
                            f"client_secret. {FIX} The run stops here.: no token",)


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to prove no Newman outlives the drill")
def test_ctrl_c_during_the_drill_prints_the_runs_finished_and_exits_130(newman: Path, tmp_path: Path) -> None:
    roster = tmp_path / "one.csv"
    roster.write_text("ldap,sandbox\nalice,alice-sandbox\n", encoding="utf-8")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    mark = str(uuid.uuid4())
    environment = {**os.environ, "TMPDIR": str(scratch), "PMFORGE_TEST_MARK": mark, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "pmforge.cli", "rehearse", "--drill", "--roster", str(roster),
                                "--parallel", "1"], cwd=tmp_path, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, encoding="utf-8")
    # One run at a time, each in a folder of its own made as it starts: the third folder means two have ended.
    deadline = time.monotonic() + 120
    while len(list(scratch.glob("pmforge-drill-*/tmp*"))) < 3 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    output, errors = process.communicate(timeout=120)
    assert (process.returncode, errors) == (130, ""), output
    lines = output.splitlines()
    finished = sum(1 for line in lines if line.endswith(("ok 5", "ok 1")))
    assert 1 <= finished <= 2, output  # the second may end as the signal comes
    cells = ["ok 5", "ok 1", "ok 0", "ok 4", "ok 5", "ok 7", "ok 7", "ok 6", "ok 6"][:finished] + ["-"] * (9 - finished)
    names = ["happy path", "wrong secret", "empty secret", "lost job", "failed job", "429 burst", "token expires mid-run",
             "second run, same environment", "fresh import, definition exists"]
    assert lines == ["scenario                         alice", *(f"{name:<33}{cell}" for name, cell in zip(names, cells)),
                     f"interrupted: {finished} of 9 runs finished: {finished} passed, 0 failed "
                     "(cells: requests the mock saw; -: not finished)"]
    assert list(scratch.iterdir()) == []  # the scratch class and every run's folder are gone
    assert _processes_marked(f"PMFORGE_TEST_MARK={mark}") == [], "a Newman run outlived the drill"
