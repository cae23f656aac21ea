"""The trainer's class page: everyone's links, the course's steps once, and the rehearsal grid.

``build --handouts`` draws it from the manifest it writes beside it
(``class.json``); ``refresh_class_page`` draws it again once ``pmforge rehearse
--report`` has left ``rehearsal/summary.json`` (format: docs of rehearse).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Collection

from pmforge.handouts import MANIFEST, HandoutError, href, render
from pmforge.problems import Problem

CLASS_PAGE = "class.html.j2"
REPORTS = "rehearsal"
SUMMARY = f"{REPORTS}/summary.json"
STEP_STATES = {"passed": "✓", "failed": "✗", "not run": "–"}  # a symbol too, so the grid reads on paper
STUCK_SHOWN = 20  # names listed per step above the grid; the grid itself has everyone


def _grid(manifest: dict[str, Any], summary: dict[str, Any], reports: set[str]) -> dict[str, Any]:
    """Participants by steps: each cell a step's result, each row where that participant is stuck."""
    numbers = {step["name"]: step["number"] for step in manifest["steps"]}
    columns = [
        {"name": name, "number": numbers.get(name, index), "failed": 0}
        for index, name in enumerate((name for name in summary.get("steps", []) if isinstance(name, str)), start=1)
    ]
    by_ldap = {entry.get("ldap"): entry for entry in summary.get("participants", []) if isinstance(entry, dict)}
    rows = []
    for participant in manifest["participants"]:
        ldap = participant["ldap"]
        row: dict[str, Any] = {"ldap": ldap, "report": href(f"{REPORTS}/{ldap}.json") if ldap in reports else None, "cells": [], "stuck": None, "failure": ""}
        rows.append(row)
        entry = by_ldap.get(ldap)
        row["rehearsed"] = entry is not None
        if entry is None:
            continue
        results = entry.get("steps") if isinstance(entry.get("steps"), dict) else {}
        for column in columns:
            state = results.get(column["name"], "not run")
            state = state if state in STEP_STATES else "not run"
            column["failed"] += state == "failed"
            row["cells"].append({"step": column["name"], "state": state, "symbol": STEP_STATES[state]})
        row["stuck"] = next((column for column, cell in zip(columns, row["cells"]) if cell["state"] != "passed"), None)
        failures = entry.get("failures")
        row["failure"] = str(failures[0]) if isinstance(failures, list) and failures else ""
    stuck = []
    for column in columns:
        who = [row["ldap"] for row in rows if row["stuck"] is column]
        if who:
            stuck.append({**column, "count": len(who), "shown": who[:STUCK_SHOWN], "more": max(0, len(who) - STUCK_SHOWN)})
    return {"columns": columns, "rows": rows, "stuck": stuck, "summary": summary.get("summary") if isinstance(summary.get("summary"), dict) else {}}


def _label(path: str) -> str:
    """A short name for a participant's file on the class page (the full name shows on hover)."""
    for suffix, label in ((".postman_collection.json", "collection"), (".postman_environment.json", "environment")):
        if path.endswith(suffix):
            return label
    return path.split("/", 1)[1]


def class_page(manifest: dict[str, Any], summary: dict[str, Any] | None = None, *, reports: Collection[str] = ()) -> str:
    """The trainer's page: participants with their links, the steps once, and the rehearsal grid when there is one.

    ``reports``: the ldaps whose own rehearsal report (``rehearsal/<ldap>.json``) is there to link to.
    """
    participants = [
        {
            **participant,
            "handout_href": {kind: href(path) for kind, path in participant["handout"].items()},
            "zip_href": href(participant["zip"]),
            "file_links": [{"name": path.split("/", 1)[1], "label": _label(path), "href": href(path)} for path in participant["files"]],
        }
        for participant in manifest["participants"]
    ]
    grid = _grid(manifest, summary, set(reports)) if summary is not None else None
    return render(CLASS_PAGE, {"course": manifest["course"], "steps": manifest["steps"], "participants": participants, "grid": grid})


def _read_json(path: Path) -> tuple[Any, Problem | None]:
    try:
        return json.loads(path.read_text(encoding="utf-8")), None
    except OSError as error:
        return None, Problem(str(path), 0, 0, f"cannot read: {error.strerror or error}", "output")
    except (ValueError, UnicodeDecodeError) as error:
        return None, Problem(str(path), 0, 0, f"not JSON: {error}", "output")


def refresh_class_page(out_dir: Path) -> tuple[str | None, list[Problem]]:
    """The class page of a built output directory, drawn again from its manifest and its rehearsal summary.

    Returns the page's text (the caller writes it to ``out_dir/index.html``,
    for instance with ``writing.add_file``) and the problems that stopped it.
    """
    if not (out_dir / MANIFEST).is_file():
        return None, [Problem(str(out_dir / MANIFEST), 0, 0, "no class page to draw: build with --handouts first", "output")]
    manifest, problem = _read_json(out_dir / MANIFEST)
    if problem is not None:
        return None, [problem]
    if not isinstance(manifest, dict) or not {"course", "steps", "participants"} <= set(manifest):
        return None, [Problem(str(out_dir / MANIFEST), 0, 0, "not a class manifest written by pmforge build --handouts", "output")]
    summary = None
    if (out_dir / SUMMARY).is_file():
        summary, problem = _read_json(out_dir / SUMMARY)
        if problem is not None or not isinstance(summary, dict):
            return None, [problem or Problem(str(out_dir / SUMMARY), 0, 0, "a rehearsal summary is a JSON object", "output")]
    reports = {participant["ldap"] for participant in manifest["participants"] if (out_dir / REPORTS / f"{participant['ldap']}.json").is_file()}
    try:
        return class_page(manifest, summary, reports=reports), []
    except HandoutError as error:
        return None, [error.problem]
