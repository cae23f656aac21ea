"""``pmforge rehearse --runner newman|postman``: both runners give the same table.

Needs Newman and the Postman CLI (``npm ci``); without them these tests skip, except under
CI=true, where a missing runner is a failure. Every Postman CLI run gets its own HOME.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pmforge.mock import start_mock
from pmforge.mock.shapes import FAILURE
from pmforge.rehearsal.cli import rehearse
from pmforge.rehearsal.newman import run_newman
from pmforge.rehearsal.postman import run_postman_collection, sent_secrets
from pmforge.rehearsal.postman_cli import POSTMAN_CLI_VERSION
from tests.test_postman_cli import postman_or_skip

HEADER = "participant           requests  steps  passed  failed  polls    time"
ORDER = ["vangeluw", "jane.doe@example.com", "zoë"]
STEP_3 = "Step 3 - GET Segment Job status"


@pytest.fixture(scope="module")
def runners(newman: Path) -> tuple[Path, Path]:  # newman: conftest's fixture
    return newman, postman_or_skip()


def invoke(*args: str) -> Result:
    return CliRunner().invoke(rehearse, list(args), catch_exceptions=False, prog_name="pmforge")


def without_times(stdout: str) -> list[str]:
    """The table with each row's time cell and the summary's timings cut off; rows (which come as
    participants finish) in roster order, each with its failures; the slowest line left out."""
    lines = stdout.splitlines()
    assert lines[0] == HEADER
    summary = next(index for index, line in enumerate(lines) if " participants: " in line)
    groups: list[list[str]] = []
    for line in lines[1:summary]:
        if line.startswith("    "):
            groups[-1].append(line)
        else:
            groups.append([line.rsplit(maxsplit=1)[0]])
    rows = [line for group in sorted(groups, key=lambda group: ORDER.index(group[0].split()[0])) for line in group]
    return [lines[0], *rows, lines[summary].split(" in ")[0]]


@pytest.mark.parametrize("options", [(), ("--fail-jobs",)], ids=["passing", "failing-jobs"])
def test_both_runners_give_the_same_table(runners: tuple[Path, Path], options: tuple[str, ...],
                                          monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    newman = invoke("--runner", "newman", *options)
    postman = invoke("--runner", "postman", *options)
    expected_exit = 1 if options else 0
    assert (newman.exit_code, newman.stderr) == (expected_exit, ""), newman.stdout
    assert (postman.exit_code, postman.stderr) == (expected_exit, ""), postman.stdout
    assert without_times(postman.stdout) == without_times(newman.stdout)
    rows = without_times(postman.stdout)[1:-1]
    if options:
        failure = f"    {STEP_3}: status is FAILED: {FAILURE['msg']}: status is FAILED after 2 polls"
        assert rows == [row for ldap in ORDER
                        for row in (f"{ldap:<20}         5    3/4      11       1      2", failure)]
        assert without_times(postman.stdout)[-1] == "3 participants: 0 passed, 3 failed"
    else:
        assert rows == [f"{ldap:<20}         5    4/4      13       0      2" for ldap in ORDER]
        assert without_times(postman.stdout)[-1] == "3 participants: 3 passed, 0 failed"


def test_a_request_that_cannot_connect_is_a_failure_worded_as_newman_words_it(runners: tuple[Path, Path],
                                                                             tmp_path: Path) -> None:
    _, postman = runners
    collection = tmp_path / "c.postman_collection.json"
    collection.write_text('{"info": {"name": "c", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/'
                          'collection.json"}, "item": [{"name": "Ping", "request": {"method": "GET", "url": '
                          '"{{BASE}}/ping"}}]}', encoding="utf-8")
    with start_mock() as mock:
        closed = mock.url
    run = run_postman_collection(collection, env_vars={"BASE": closed}, postman=postman, timeout_s=60)
    port = closed.rsplit(":", 1)[1]
    assert (run.requests, run.assertions, run.executions) == (1, 0, {"Ping": 1})
    assert run.failures == (f"Ping: connect ECONNREFUSED 127.0.0.1:{port}",) and not run.ok


def test_script_errors_and_failed_tests_come_back_as_newman_gives_them(runners: tuple[Path, Path], tmp_path: Path) -> None:
    newman, postman = runners
    collection = tmp_path / "c.postman_collection.json"
    collection.write_text(json.dumps({
        "info": {"name": "c", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": [{"name": "Token", "request": {"method": "GET", "url": "{{BASE}}/ims/token/v3"}, "event": [
            {"listen": "prerequest", "script": {"exec": ["null.x;"]}},
            {"listen": "test", "script": {"exec": ["pm.test('ok', () => pm.expect(1).to.equal(2));", "undefinedThing.call();"]}},
        ]}],
    }), encoding="utf-8")
    with start_mock() as mock:
        by_newman = run_newman(collection, env_vars={"BASE": mock.url}, newman=newman, timeout_s=60)
        by_postman = run_postman_collection(collection, env_vars={"BASE": mock.url}, postman=postman, timeout_s=60)
    assert by_postman.failures == by_newman.failures == (
        "Token: Cannot read properties of null (reading 'x')", "Token: ok: expected 1 to equal 2",
        "Token: undefinedThing is not defined")
    assert [(r.requests, r.assertions, r.assertions_failed, r.failed, r.executions) for r in (by_newman, by_postman)] == [
        (1, 1, 1, 3, {"Token": 1})] * 2


def test_rehearse_without_the_postman_cli_exits_3_with_an_install_hint(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PMFORGE_POSTMAN", str(tmp_path / "no-such-postman"))
    result = invoke("--runner", "postman")
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr.startswith(f"error: PMFORGE_POSTMAN={tmp_path / 'no-such-postman'} is not an executable file;")
    assert "`npm ci`" in result.stderr and f"npm install -g postman-cli@{POSTMAN_CLI_VERSION}" in result.stderr


def test_an_unknown_runner_is_a_usage_error() -> None:
    result = invoke("--runner", "bruno")
    assert result.exit_code == 2
    assert "Invalid value for '--runner': 'bruno' is not one of 'newman', 'postman'." in result.stderr


def test_secrets_are_read_back_from_the_headers_a_postman_run_sent(tmp_path: Path) -> None:
    collection = tmp_path / "c.postman_collection.json"
    collection.write_text(json.dumps({"item": [{"name": "folder", "item": [{"name": "r", "request": {"header": [
        {"key": "Authorization", "value": "Bearer {{ACCESS_TOKEN}}"},
        {"key": "X-Pair", "value": "{{USER}}:{{ PASSWORD }}"},
        {"key": "X-Plain", "value": "{{USER}}"}]}}]}]}), encoding="utf-8")
    sent = [{"key": "authorization", "value": "Bearer tok-1"}, {"key": "Authorization", "value": "Basic other"},
            {"key": "X-Pair", "value": "me:pw:with:colons"}, {"key": "X-Plain", "value": "me"}]
    report = {"executions": [{"requestExecuted": {"headers": sent}}, {"requestExecuted": {"headers": []}}]}
    assert sent_secrets(collection, report, {"ACCESS_TOKEN", "PASSWORD"}) == {"tok-1", "pw:with:colons"}
    assert sent_secrets(tmp_path, report, {"ACCESS_TOKEN"}) == set()  # a v3 folder: nothing read
