"""The rehearsal's files: ``--report DIR`` (JSON for the class page and CI) and ``--junit FILE``.

Both are written whole or not at all, and hold no secret value: the runs' texts were masked when
they were read (see newman.from_report).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from pmforge.classpage import refresh_class_page
from pmforge.handouts import MANIFEST
from pmforge.problems import Problem
from pmforge.rehearsal.results import ParticipantResult, Rehearsal
from pmforge.writing import MARKER, OutputError, add_file, write_text_atomically

REPORT_FOLDER = "rehearsal"
SUMMARY_FILE = "summary.json"
CLASS_PAGE_FILE = "index.html"


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


Write = Callable[[str, str], "Problem | None"]  # (path inside DIR, text) -> what stopped it


def _writer(directory: Path) -> Write:
    """Into a pmforge output (a built class), files are added as pmforge's own, so that the next build
    replaces them with the rest; anywhere else, each is written whole or not at all."""
    if not (directory / MARKER).is_file():
        return lambda relative, text: write_text_atomically(directory / relative, text)

    def add(relative: str, text: str) -> Problem | None:
        try:
            add_file(directory, relative, text)
        except OutputError as error:
            return error.problem
        except OSError as error:
            return Problem(str(directory / relative), 0, 0, f"cannot write: {error.strerror or error}", "output")
        return None

    return add


def write_report(rehearsal: Rehearsal, directory: Path) -> list[Problem]:
    """``DIR/rehearsal/<ldap>.json`` for each participant, then ``DIR/rehearsal/summary.json``; stops at
    the first file that cannot be written. In a class built with ``--handouts``, its page (index.html)
    is drawn again with the rehearsal grid."""
    folder = directory / REPORT_FOLDER
    clash = next((result.ldap for result in rehearsal.results if f"{result.ldap}.json".lower() == SUMMARY_FILE), None)
    if clash is not None:
        return [Problem(str(folder / SUMMARY_FILE), 0, 0, f"participant {clash!r} would overwrite the class summary; "
                        "nothing written", "output")]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return [Problem(str(folder), 0, 0, f"cannot write: {error.strerror or error}", "output")]
    write = _writer(directory)
    files = [(f"{REPORT_FOLDER}/{result.ldap}.json", result.to_json()) for result in rehearsal.results]
    for relative, data in [*files, (f"{REPORT_FOLDER}/{SUMMARY_FILE}", rehearsal.to_json())]:
        problem = write(relative, _json(data))
        if problem is not None:
            return [problem]
    if (directory / MANIFEST).is_file():  # a class built with --handouts: its page shows the rehearsal
        page, problems = refresh_class_page(directory)
        if page is None:
            return problems
        problem = write(CLASS_PAGE_FILE, page)
        return [problem] if problem else []
    return []


def _suite(result: ParticipantResult) -> ElementTree.Element:
    run = result.run
    suite = ElementTree.Element("testsuite", name=result.ldap, time=f"{run.duration_s:.3f}")
    ElementTree.SubElement(ElementTree.SubElement(suite, "properties"), "property", name="sandbox",
                           value=result.sandbox)
    failures = errors = skipped = 0
    for check in run.checks:
        name = check.name if check.attempt == 1 else f"{check.name} (run {check.attempt})"
        case = ElementTree.SubElement(suite, "testcase", classname=check.step, name=name)
        if check.skipped:
            skipped += 1
            ElementTree.SubElement(case, "skipped")
        elif check.error is not None and check.kind == "assertion":
            failures += 1
            ElementTree.SubElement(case, "failure", message=check.error, type="AssertionError").text = check.error
        elif check.error is not None:
            errors += 1
            ElementTree.SubElement(case, "error", message=check.error, type=check.kind).text = check.error
    if not run.checks and not run.ok:
        # Nothing ran far enough to assert anything: say why in one testcase.
        errors += 1
        case = ElementTree.SubElement(suite, "testcase", classname="collection", name="run")
        message = "; ".join(run.failures) or "failed"
        ElementTree.SubElement(case, "error", message=message, type="run").text = message
    suite.set("tests", str(len(suite.findall("testcase"))))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", str(skipped))
    return suite


def junit_xml(rehearsal: Rehearsal) -> str:
    """One testsuite per participant, named with the ldap; one testcase per assertion, its class the step."""
    root = ElementTree.Element("testsuites", name=rehearsal.collection or "pmforge rehearse",
                               time=f"{rehearsal.wall_s:.3f}")
    suites = [_suite(result) for result in rehearsal.results]
    root.extend(suites)
    for attribute in ("tests", "failures", "errors"):
        root.set(attribute, str(sum(int(suite.get(attribute, "0")) for suite in suites)))
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def write_junit(rehearsal: Rehearsal, path: Path) -> Problem | None:
    return write_text_atomically(path, junit_xml(rehearsal))
