"""validate/build and lint give one verdict: what validate accepts, lint accepts in the output, and the other way round.

A course is mutated (Hypothesis) in the places both sides check; validate's verdict is compared with lint's
on the course rendered as it is (written with its environment, as build writes it). The exported samples in
../shared go through import, build and ``lint --config course.yaml``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from pmforge import building
from pmforge.lint import lint_files
from pmforge.lint.settings import load_settings
from pmforge.problems import has_errors
from pmforge.rendering import Renderer, canonical
from pmforge.roster import Participant
from tests.conftest import imported, shared_file
from tests.test_import import SAMPLES

DATA = Path(__file__).resolve().parent / "data"
BUNDLED = Path(__file__).resolve().parents[1] / "collections" / "aep-enablement" / "course.yaml"

SCRIPTS = [
    'pm.execution.setNextRequest("Read");',
    '// pm.execution.setNextRequest("Old name")',  # a comment: neither side may fail it
    "/* postman.setNextRequest('Old name') */ pm.test('ok', () => {});",
    "pm.execution.setNextRequest(`Reed`);",  # a backtick template: checked the same way by both
    "pm.execution.setNextRequest(pm.environment.get('next'));",  # computed: checked by neither
    'var url = "http://x//y"; pm.execution.setNextRequest(null);',
]
HEADER_VALUES = ["{{SANDBOX_NAME}}", "prod", "{{SANDBOX_NAME}}", "{{NOWHERE}}"]
NAMES = ["${ldap} - test", "ldap - test", "${ldap} segment"]


def _requests(course: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for folder in course["folders"]:
        found += [request for request in folder.get("requests", [])]
    return found


@st.composite
def mutations(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    course = copy.deepcopy(base)
    requests = _requests(course)
    request = requests[draw(st.integers(0, len(requests) - 1))]
    if draw(st.booleans()):
        request.setdefault("scripts", {})[draw(st.sampled_from(["test", "prerequest"]))] = draw(st.sampled_from(SCRIPTS))
    if draw(st.booleans()):
        request.setdefault("headers", {})["x-sandbox-name"] = draw(st.sampled_from(HEADER_VALUES))
    body = request.get("body")
    if isinstance(body, dict) and "name" in body and draw(st.booleans()):
        body["name"] = draw(st.sampled_from(NAMES))
    return course


def _verdicts(tmp_path: Path, course_data: dict[str, Any], roster: Path) -> tuple[bool, bool]:
    """(validate refuses, lint refuses the course rendered as written) for one course."""
    folder = tmp_path / str(len(list(tmp_path.iterdir())))
    folder.mkdir()
    course = folder / "course.yaml"
    course.write_text(yaml.safe_dump(course_data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    refused = has_errors(building.validate(course, roster).problems)
    loaded, problems = building.load_course(course)
    assert loaded is not None, problems
    rendered = Renderer(loaded).render(Participant("alice", "dev", {}))
    collection, environment = folder / "c.postman_collection.json", folder / "c.postman_environment.json"
    collection.write_text(canonical(rendered.collection), encoding="utf-8")
    environment.write_text(canonical(rendered.environment), encoding="utf-8")
    linted = list(lint_files([collection, environment], settings=load_settings(course)))
    return refused, has_errors(linted)


@pytest.mark.parametrize("base", [DATA / "course.yaml", BUNDLED], ids=["tests-data", "bundled"])
def test_validate_and_lint_give_one_verdict(base: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    data = yaml.safe_load(base.read_text(encoding="utf-8"))
    data.pop("example_roster", None)
    roster = tmp_path_factory.mktemp("roster") / "roster.csv"
    roster.write_text("ldap,sandbox\nalice,dev\n", encoding="utf-8")
    work = tmp_path_factory.mktemp("courses")

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(mutations(data))
    def agree(course: dict[str, Any]) -> None:
        refused, lint_refused = _verdicts(work, course, roster)
        assert refused == lint_refused

    agree()


@pytest.mark.parametrize(("script", "refused"), [
    ('// pm.execution.setNextRequest("Old name")', False),
    ("pm.execution.setNextRequest(`Reed`);", True),
    ("pm.execution.setNextRequest(`Read`);", False),
])
def test_the_issues_script_cases(tmp_path: Path, script: str, refused: bool) -> None:
    data = yaml.safe_load((DATA / "course.yaml").read_text(encoding="utf-8"))
    data.pop("example_roster")
    _requests(data)[1]["scripts"] = {"test": script}
    roster = tmp_path / "roster.csv"
    roster.write_text("ldap\nalice\n", encoding="utf-8")
    (tmp_path / "w").mkdir()
    assert _verdicts(tmp_path / "w", data, roster) == (refused, refused)


def test_a_literal_sandbox_fails_validate_where_it_is_written(tmp_path: Path) -> None:
    course = tmp_path / "course.yaml"
    course.write_text((DATA / "course.yaml").read_text(encoding="utf-8").replace('x-sandbox-name: "{{SANDBOX_NAME}}"', "x-sandbox-name: prod"), encoding="utf-8")
    (tmp_path / "roster.csv").write_text((DATA / "roster.csv").read_text(encoding="utf-8"), encoding="utf-8")
    problems = [str(p) for p in building.validate(course, None).problems if p.severity == "error"]
    assert problems == [f"{course}:18:19: error: x-sandbox-name is the literal 'prod', the same for every participant; "
                        "use a variable such as {{SANDBOX_NAME}} [hard-coded-value]"]


@pytest.mark.parametrize("sample", SAMPLES, ids=[Path(name).name[:40] for name in SAMPLES])
def test_an_imported_sample_builds_to_what_lint_accepts_under_its_settings(sample: str, tmp_path: Path) -> None:
    text, _ = imported(shared_file(sample))
    assert text is not None
    course = tmp_path / "course.yaml"
    course.write_text(text, encoding="utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text("ldap\ntester\n", encoding="utf-8")
    result = building.build(course, roster, tmp_path / "out")
    assert not has_errors(result.problems)
    outputs = sorted((tmp_path / "out" / "tester").glob("*.postman_*.json"))
    assert [str(p) for p in lint_files(outputs, settings=load_settings(course)) if p.severity == "error"] == []


def test_a_value_is_checked_where_it_lands_per_participant(tmp_path: Path) -> None:
    # The course checks pass (a ${TEAM} is a name); bob's empty TEAM would send a segment without a name.
    course = tmp_path / "course.yaml"
    course.write_text((DATA / "course.yaml").read_text(encoding="utf-8").replace("name: ${ldap} - test", "name: ${TEAM}"), encoding="utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text("ldap,TEAM\nalice,red\nbob,\n", encoding="utf-8")
    result = building.validate(course, roster)
    assert [str(p) for p in result.problems] == [
        f"{roster}:3:1: error: output for 'bob': request 'Create': name: '' should be non-empty [segment-definition]"]
