"""Adobe's real collections: the course collection yields exactly its known defects; the rest lint without crashing."""

from __future__ import annotations

from collections import Counter

import pytest

from pmforge.lint import lint_files
from tests.conftest import shared_file

SAMPLES = "aep-postman-samples"
COURSE = f"{SAMPLES}/course/platform-learn_tutorial-comprehensive-technical__Adobe_Experience_Platform_Enablement.postman_collection.json"

# Reviewed by hand against ../shared/REFERENCE.md §1 ("Known defects"):
COURSE_DEFECTS = [
    (12, 14, "no-test"),                     # folder 1: no request asserts anything
    (30, 18, "hard-coded-value"),            # x-sandbox-name: prod
    (67, 14, "no-test"),
    (85, 18, "hard-coded-value"),
    (151, 14, "no-test"),                    # Step 1
    (157, 36, "legacy-script"),              # JSON.parse(responseBody), postman.setEnvironmentVariable
    (170, 18, "auth-scheme"),                # "bearer" in Step 1, "Bearer" elsewhere
    (188, 18, "hard-coded-value"),           # prod
    (193, 36, "course-placeholder"),         # "name": "ldap - API - All Female Customer"
    (193, 630, "course-placeholder"),        # "createdBy": "ldap"
    (220, 14, "no-test"),                    # Step 2
    (226, 33, "legacy-script"),
    (254, 18, "hard-coded-value"),
    (281, 14, "no-test"),                    # Step 3
    (287, 33, "legacy-script"),
    (302, 16, "content-type-without-body"),  # Content-Type on the Step 3 GET
    (315, 18, "hard-coded-value"),
    (347, 16, "no-test"),                    # folder 3 (Query Service)
    (353, 35, "legacy-script"),
    (362, 9, "headers"),                     # 1.1 QS - Create Query: a JSON body but no Content-Type
    (373, 28, "variable-case"),              # {{access_token}} where the rest uses {{ACCESS_TOKEN}}
    (377, 20, "hard-coded-value"),           # x-sandbox-name: aepenablementfy21
    (383, 38, "course-placeholder"),         # QS body name "ldap - QS API demo ..."
    (383, 120, "course-placeholder"),        # and its description
    (409, 16, "no-test"),
    (423, 28, "variable-case"),
    (432, 20, "hard-coded-value"),
    (461, 16, "no-test"),
    (467, 35, "legacy-script"),
    (487, 28, "variable-case"),
    (491, 20, "hard-coded-value"),
    (515, 16, "no-test"),
    (529, 28, "variable-case"),
    (533, 20, "hard-coded-value"),
]

# What lint reports on each sample, linted with the environment that goes with it (if any).
SAMPLE_COUNTS = {
    "course/platform-learn_tutorial-comprehensive-technical-v21__Adobe_Experience_Platform_Enablement.postman_collection.json": (
        None, {"auth-scheme": 1, "content-type-without-body": 1, "course-placeholder": 2, "hard-coded-value": 5, "legacy-script": 3, "no-test": 5}),
    "course/platform-learn_tutorial-one-adobe_Adobe_IO_-_OAuth.postman_collection.json": (None, {"legacy-script": 1, "no-test": 1}),
    "postman-samples_Deep_Dive.postman_collection.json": (
        "postman-samples_Deep_Dive.postman_environment.json",
        {"auth-scheme": 2, "content-type-without-body": 2, "duplicate-name": 1, "headers": 50, "legacy-script": 27, "no-test": 51,
         "segment-definition": 1}),
    "postman-samples_Identity_Management_Service.postman_collection.json": (
        "postman-samples_Postman_Environment_Template.postman_environment.json", {"legacy-script": 2, "no-test": 2}),
    "postman-samples_Segmentation_Service_API.postman_collection.json": (
        "postman-samples_Postman_Environment_Template.postman_environment.json",
        {"headers": 4, "no-test": 28, "undefined-variable": 71, "unknown-key": 132}),
    "workshop201901_PlatformSummit.postman_collection.json": (
        "workshop201901_PlatformSummit.postman_environment.json",
        {"auth-scheme": 2, "content-type-without-body": 2, "duplicate-name": 1, "headers": 35, "legacy-script": 18, "no-test": 36}),
    "postman-samples_Deep_Dive.postman_environment.json": (None, {}),
    "postman-samples_Postman_Environment_Template.postman_environment.json": (None, {}),
    "postman-samples_Postman_Environment_Template_JWT-era_be9f1c2.postman_environment.json": (None, {}),
    "workshop201901_PlatformSummit.postman_environment.json": (None, {}),
}


def test_the_course_collection_yields_exactly_its_known_defects() -> None:
    found = [(p.line, p.column, p.rule) for p in lint_files([shared_file(COURSE)])]
    assert found == COURSE_DEFECTS


@pytest.mark.parametrize("name", sorted(SAMPLE_COUNTS))
def test_every_sample_lints(name: str) -> None:
    environment, expected = SAMPLE_COUNTS[name]
    path = shared_file(f"{SAMPLES}/{name}")
    files = [path] + ([shared_file(f"{SAMPLES}/{environment}")] if environment else [])
    problems = [p for p in lint_files(files) if p.file == str(path)]
    assert dict(Counter(p.rule for p in problems)) == expected


def test_every_sample_is_covered() -> None:
    folder = shared_file(SAMPLES)
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*.postman_*.json")}
    assert names == set(SAMPLE_COUNTS) | {COURSE.removeprefix(f"{SAMPLES}/")}
