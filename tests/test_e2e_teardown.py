"""The teardown, end to end: ``pmforge teardown``'s files run by the real Newman against the real mock.

The class's definitions sit among other people's (same sandbox, other names; the class's names in
other sandboxes) and fill more than one page; the teardown must delete exactly the class's, say so,
and send a bounded number of requests, also when the gateway throttles or a token expires.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pmforge.mock import MockServer, start_mock
from pmforge.mock.shapes import existing_definition
from pmforge.rehearsal import NewmanRun, run_newman
from pmforge.resources import bundled_course
from pmforge.teardown import teardown

ORG = "TRAINER0RG@AdobeOrg"
STEM = "_Adobe Experience Platform Enablement - Teardown"
TOKEN, FIND, DELETE = "Get Access Token", "Find the participant's segment definitions", "Delete a segment definition"
CLASS = [("vangeluw", "prod"), ("jane.doe@example.com", "jane-sandbox"), ("zoë", "prod")]
ROSTER = "ldap,sandbox\nvangeluw,prod\njane.doe@example.com,jane-sandbox\nzoë,\n"


def _name(ldap: str) -> str:
    return f"{ldap} - API - All Female Customer"


# What the sandboxes hold before the teardown, in creation order: (sandbox, name).
BEFORE = [
    ("prod", "someone else's segment"), ("prod", _name("vangeluw")), ("prod", "vangeluw - API - All Female Customers"),
    ("prod", _name("zoë")), ("prod", _name("jane.doe@example.com")),  # jane's name, not in her sandbox
    ("prod", "another team's segment"),
    ("jane-sandbox", _name("vangeluw")), ("jane-sandbox", _name("jane.doe@example.com")),
    ("other-sandbox", _name("zoë")),
]
CLASS_DEFINITIONS = {("prod", _name("vangeluw")), ("prod", _name("zoë")), ("jane-sandbox", _name("jane.doe@example.com"))}
AFTER = [entry for entry in BEFORE if entry not in CLASS_DEFINITIONS]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("teardown")
    (root / "class.csv").write_text(ROSTER, encoding="utf-8")
    result = teardown(None, root / "class.csv", root / "out")
    assert result.problems == []
    out = root / "out"
    return {"collection": out / f"{STEM}.postman_collection.json",
            "environment": out / f"{STEM}.postman_environment.json",
            "data": out / f"{STEM}.iteration_data.json"}


@dataclass
class Teardown:
    mock: MockServer
    files: dict[str, Path]
    newman: Path

    def run(self, **changes: str) -> NewmanRun:
        self.mock.reset_stats()
        env = {"IMS": self.mock.url, "PLATFORM_GATEWAY": self.mock.url, "API_KEY": "trainer-client",
               "CLIENT_SECRET": "trainer-secret", "IMS_ORG": ORG, **changes}
        return run_newman(self.files["collection"], self.files["environment"], env_vars=env, newman=self.newman,
                          extra_args=["--iteration-data", str(self.files["data"])], timeout_s=60)

    def seen(self) -> list[tuple[str, str, int, str | None]]:
        """(method, what, status, sandbox) of every request the mock saw in the last run."""
        return [(r.method, "token" if r.path.startswith("/ims/") else r.path.split("/")[-1] if r.method == "DELETE"
                 else "list", r.status, r.sandbox) for r in self.mock.records()]

    def left(self) -> list[tuple[str, str]]:
        return [(d["sandbox"]["sandboxName"], d["name"]) for d in self.mock.state.definitions(org=ORG)]


@pytest.fixture
def mock_options() -> dict[str, Any]:
    """Fault modes of the mock; a test parametrizes this to turn some on."""
    return {}


@pytest.fixture
def class_teardown(newman: Path, files: dict[str, Path], mock_options: dict[str, Any]) -> Iterator[Teardown]:
    """The sandboxes as BEFORE, on a mock whose list pages hold 2 definitions."""
    with _seeded_mock(**mock_options) as mock:
        yield Teardown(mock, files, newman)


@contextmanager
def _seeded_mock(**options: Any) -> Iterator[MockServer]:
    with start_mock(max_page_size=2, **options) as mock:
        for sandbox, name in BEFORE:
            assert mock.state.add_definition((ORG, sandbox), existing_definition(ORG, sandbox, name))
        yield mock


def _ids(mock: MockServer, *wanted: tuple[str, str]) -> list[str]:
    return [d["id"] for sandbox, name in wanted for d in mock.state.definitions(org=ORG, sandbox=sandbox)
            if d["name"] == name]


def test_deletes_exactly_the_class_definitions_then_a_second_run_deletes_nothing(class_teardown: Teardown) -> None:
    vangeluw, zoe, jane = _ids(class_teardown.mock, ("prod", _name("vangeluw")), ("prod", _name("zoë")),
                               ("jane-sandbox", _name("jane.doe@example.com")))
    first = class_teardown.run()
    assert (first.exit_code, first.failures) == (0, ()), first.output
    assert class_teardown.left() == AFTER
    # prod holds 6 definitions, 2 a page: vangeluw reads 3 pages; after his delete zoë reads 3 (5 left).
    assert class_teardown.seen() == [
        ("POST", "token", 200, None),
        ("GET", "list", 200, "prod"), ("GET", "list", 200, "prod"), ("GET", "list", 200, "prod"),
        ("DELETE", vangeluw, 200, "prod"),
        ("GET", "list", 200, "jane-sandbox"), ("DELETE", jane, 200, "jane-sandbox"),
        ("GET", "list", 200, "prod"), ("GET", "list", 200, "prod"), ("GET", "list", 200, "prod"),
        ("DELETE", zoe, 200, "prod"),
    ]
    assert first.requests == 11
    assert f"status 200, {vangeluw} deleted" in first.output

    second = class_teardown.run()
    assert (second.exit_code, second.failures) == (0, ()), second.output
    assert class_teardown.left() == AFTER
    assert [what for _, what, _, _ in class_teardown.seen()] == ["token"] + ["list"] * 5
    assert second.executions == {TOKEN: 1, FIND: 5}
    for ldap, sandbox in CLASS:
        assert f"nothing to delete for {_name(ldap)} / {sandbox}" in second.output


@pytest.mark.parametrize("mock_options", [dict(throttle_after=3, throttle_burst=2, retry_after=0, token_expires_after=5)])
def test_429_bursts_and_an_expiring_token_are_ridden_out(class_teardown: Teardown) -> None:
    run = class_teardown.run()
    assert (run.exit_code, run.failures) == (0, ()), run.output
    assert class_teardown.left() == AFTER
    statuses = [(what if what in ("token", "list") else "delete", status) for _, what, status, _ in class_teardown.seen()]
    # prod's 4th request and 5th get 429 (retried after Retry-After: 0), the 5th gateway request of a
    # token gets 401 (a new token, then the same request again); jane-sandbox is throttled on its 4th.
    assert statuses == [
        ("token", 200), ("list", 200), ("list", 200), ("list", 200), ("delete", 429), ("delete", 429),
        ("delete", 401), ("token", 200), ("delete", 200),
        ("list", 200), ("delete", 200),
        ("list", 200), ("list", 200), ("list", 401), ("token", 200), ("list", 200), ("delete", 200),
    ]
    assert run.executions == {TOKEN: 3, FIND: 8, DELETE: 6}
    assert "retry 1 of 3 in 0 s" in run.output and "401, getting a new token" in run.output


@pytest.mark.parametrize("mock_options", [dict(throttle_after=0, throttle_burst=1000, retry_after=0)])
def test_a_gateway_that_keeps_refusing_is_given_up_on_per_participant(class_teardown: Teardown) -> None:
    run = class_teardown.run()
    assert run.exit_code == 1
    assert class_teardown.left() == BEFORE
    # Each participant: the list once and 3 retries, then the failure; one token for the run.
    assert [what for _, what, _, _ in class_teardown.seen()] == ["token"] + ["list"] * 12
    assert run.failures == tuple(
        f"{FIND}: status 429: 429001: Too many requests ({_name(ldap)} / {sandbox}): {FIND} did not succeed"
        for ldap, sandbox in CLASS)


@pytest.mark.parametrize("mock_options", [dict(credentials={"trainer-client": "trainer-secret"})])
def test_a_wrong_secret_stops_the_whole_run_after_one_request(class_teardown: Teardown) -> None:
    run = class_teardown.run(CLIENT_SECRET="not-the-secret")
    assert run.exit_code == 1
    assert class_teardown.seen() == [("POST", "token", 401, None)]
    assert class_teardown.left() == BEFORE
    assert run.failures == (
        f"{TOKEN}: status 401: invalid_client: invalid client_id or client_secret; check API_KEY, CLIENT_SECRET "
        f"and SCOPES in the environment: {TOKEN} did not succeed",)
    assert "not sent: status 401" in run.output


def test_an_empty_environment_is_refused_by_ims_and_nothing_else_is_sent(class_teardown: Teardown) -> None:
    run = class_teardown.run(API_KEY="", CLIENT_SECRET="")
    assert run.exit_code == 1
    assert class_teardown.seen() == [("POST", "token", 400, None)]
    assert run.failures[0].startswith(f"{TOKEN}: status 400: invalid_request: missing client_id parameter")


def _edited_run(newman: Path, tmp_path: Path, old: str, new: str) -> tuple[NewmanRun, list[tuple[str, str]]]:
    """The teardown of the bundled course with ``old`` (there once) made ``new``, run on the seeded mock; what is left."""
    course = tmp_path / "course"
    shutil.copytree(bundled_course().parent, course)
    text = (course / "course.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    (course / "course.yaml").write_text(text.replace(old, new), encoding="utf-8")
    (tmp_path / "class.csv").write_text(ROSTER, encoding="utf-8")
    assert teardown(course, tmp_path / "class.csv", tmp_path / "out").problems == []
    out = tmp_path / "out"
    files = {"collection": out / f"{STEM}.postman_collection.json",
             "environment": out / f"{STEM}.postman_environment.json", "data": out / f"{STEM}.iteration_data.json"}
    with _seeded_mock() as mock:
        return Teardown(mock, files, newman).run(), Teardown(mock, files, newman).left()


def test_max_pages_bounds_the_listing_and_says_what_was_not_read(newman: Path, tmp_path: Path) -> None:
    # The teardown's find has the only "    id: id" line.
    run, left = _edited_run(newman, tmp_path, "\n    id: id\n", "\n    id: id\n    max_pages: 1\n")
    # Page 1 of prod holds vangeluw's (deleted); after it, zoë's is on page 2, never read.
    assert run.exit_code == 1
    assert left == [entry for entry in BEFORE if entry not in {("prod", _name("vangeluw")),
                                                               ("jane-sandbox", _name("jane.doe@example.com"))}]
    assert run.executions == {TOKEN: 1, FIND: 3, DELETE: 2}
    assert run.failures == tuple(
        f"{FIND}: stopped after 1 pages (max_pages); the rest were not read ({_name(ldap)} / prod): "
        f"{FIND} did not succeed"
        for ldap in ("vangeluw", "zoë"))


def test_a_stale_token_left_in_the_environment_is_replaced(class_teardown: Teardown) -> None:
    """The Postman app keeps ACCESS_TOKEN between runs: the first request meets a 401 and a new token follows."""
    run = class_teardown.run(ACCESS_TOKEN="yesterdays-token")
    assert (run.exit_code, run.failures) == (0, ()), run.output
    assert class_teardown.seen()[:3] == [("GET", "list", 401, "prod"), ("POST", "token", 200, None),
                                         ("GET", "list", 200, "prod")]
    assert run.requests == 12  # the first run's 11, and the one 401
    assert class_teardown.left() == AFTER


def test_a_gateway_that_refuses_even_a_new_token_stops_the_run(class_teardown: Teardown) -> None:
    """Tokens from another IMS (here: a second mock) are never valid at this gateway: one retry, then stop."""
    with start_mock() as other_ims:
        run = class_teardown.run(IMS=other_ims.url)
        tokens = [(r.method, r.status) for r in other_ims.records()]
    assert run.exit_code == 1
    assert tokens == [("POST", 200), ("POST", 200)]
    assert class_teardown.seen() == [("GET", "list", 401, "prod"), ("GET", "list", 401, "prod")]
    assert class_teardown.left() == BEFORE
    assert run.failures == (
        f"{FIND}: status 401 with a new token: 401013: Oauth token is not valid; check IMS, API_KEY and IMS_ORG in the "
        f"environment: {FIND} did not succeed",)


def test_the_next_link_is_joined_to_next_base_as_the_exists_lookup_joins_it(newman: Path, tmp_path: Path) -> None:
    """A next_base ending in "/" before a link starting with one: the teardown, which takes Step 1's listing,
    joins them as that request's exists: lookup does (one "/"), not ``…/ups//segment/…``."""
    run, left = _edited_run(newman, tmp_path, 'next_base: "{{PLATFORM_GATEWAY}}/data/core/ups"',
                            'next_base: "{{PLATFORM_GATEWAY}}/data/core/ups/"')
    assert (run.exit_code, run.failures) == (0, ()), run.output
    assert left == AFTER
