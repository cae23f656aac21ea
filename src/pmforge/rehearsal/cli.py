"""``pmforge rehearse``: parse options, call rehearse(), print, choose the exit code."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from pmforge.outcome import ExitCode, problems_found
from pmforge.rehearsal.drill import run_drill
from pmforge.rehearsal.newman import NewmanMissing
from pmforge.rehearsal.postman_cli import PostmanMissing
from pmforge.rehearsal.rehearsing import DEFAULT_PARALLEL, DEFAULT_POLL_INTERVAL_MS, rehearse as run_rehearsal
from pmforge.rehearsal.exports import write_junit, write_report
from pmforge.rehearsal.report import LiveTable
from pmforge.rehearsal.results import Rehearsal
from pmforge.reporting import format_option, report as report_problems


def _terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


def _write_files(result: Rehearsal, junit: Path | None, report: Path | None, fmt: str) -> bool:
    """Write the requested files; say on stderr what could not be written."""
    problems = write_report(result, report) if report is not None else []
    if junit is not None:
        problem = write_junit(result, junit)
        problems += [problem] if problem else []
    if problems:
        report_problems(problems, fmt=fmt, stream=sys.stderr)
    return not problems


@click.command()
@click.argument("course", required=False, type=click.Path(path_type=Path))
@click.option("--roster", type=click.Path(path_type=Path),
              help="Participants: CSV with a header row, or YAML. Default: the course's example roster.")
@click.option("--parallel", type=click.IntRange(min=1), default=DEFAULT_PARALLEL, show_default=True,
              help="How many Newman runs at once.")
@click.option("--poll-interval-ms", type=click.IntRange(min=0), default=DEFAULT_POLL_INTERVAL_MS, show_default=True,
              help="POLL_INTERVAL_MS for every run: the wait between two polls of the segment job.")
@click.option("--polls-to-finish", type=click.IntRange(min=1), default=2, show_default=True,
              help="How many polls the mock takes to finish a segment job.")
@click.option("--fail-jobs", is_flag=True, help="Make the mock fail every segment job, to rehearse the failure path.")
@click.option("--drill", is_flag=True, help="Run the class through the mock's fault modes instead; one table of scenario x participant.")
@click.option("--runner", type=click.Choice(["newman", "postman"]), default="newman", show_default=True,
              help="Run the collections in Newman (the whole class in one Node process), or in the Postman CLI "
                   "(one process per participant).")
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path),
              help="Write one JUnit XML file: a testsuite per participant, a testcase per assertion.")
@click.option("--report", type=click.Path(file_okay=False, path_type=Path),
              help="Keep the results as JSON: DIR/rehearsal/summary.json and DIR/rehearsal/<ldap>.json.")
@format_option
@click.option("--strict", is_flag=True, help="The build's warnings fail too: nothing is rehearsed.")
def rehearse(course: Path | None, roster: Path | None, parallel: int, poll_interval_ms: int, polls_to_finish: int,
             fail_jobs: bool, drill: bool, runner: str, junit: Path | None, report: Path | None, fmt: str,
             strict: bool) -> None:
    """Build the class, start a local AEP stand-in, run every participant's collection in Newman (or the
    Postman CLI), and print a row per participant as they finish.

    COURSE is a course YAML file or a directory holding course.yaml (default: the bundled course).
    The build's problems are printed in --format: on standard output when they stop the rehearsal, on
    standard error when they are warnings and the class is rehearsed anyway (the table is on standard output).
    Exits 1 if the build has errors (or warnings, with --strict) or any participant fails, 3 if the runner is
    not installed, 130 on Ctrl-C (after the rows finished so far and a summary; no files are written then).
    """
    if drill:
        ignored = [option for option, given in (("--runner", runner != "newman"), ("--junit", junit is not None),
                                                ("--report", report is not None), ("--fail-jobs", fail_jobs),
                                                ("--polls-to-finish", polls_to_finish != 2),
                                                ("--poll-interval-ms", poll_interval_ms != DEFAULT_POLL_INTERVAL_MS))
                   if given]
        if ignored:
            raise click.UsageError(f"--drill sets its own faults and runs Newman: it does not take {', '.join(ignored)}")
        sys.exit(run_drill(course, roster, parallel=parallel, fmt=fmt, strict=strict))
    table = LiveTable(sys.stdout, sys.stderr if _terminal(sys.stderr) else None)
    try:
        result = run_rehearsal(course, roster, parallel=parallel, polls_to_finish=polls_to_finish,
                               fail_jobs=fail_jobs, poll_interval_ms=poll_interval_ms, runner=runner, progress=table,
                               strict=strict)
    except (NewmanMissing, PostmanMissing) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(ExitCode.MISSING_TOOL)
    if result.problems:
        report_problems(result.problems, fmt=fmt, stream=sys.stdout, strict=strict)
        click.echo(problems_found(result.problems, then="nothing rehearsed"), err=True)
        sys.exit(ExitCode.PROBLEMS)
    if result.warnings:
        report_problems(result.warnings, fmt=fmt, stream=sys.stderr)
    table.ended(result)
    if result.interrupted:
        if junit is not None or report is not None:
            click.echo("interrupted: no report written", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    written = _write_files(result, junit, report, fmt)
    sys.exit(ExitCode.CLEAN if result.ok and written else ExitCode.PROBLEMS)
