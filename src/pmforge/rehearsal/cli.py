"""``pmforge rehearse``: parse options, call rehearse(), print, choose the exit code."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pmforge.problems import has_errors
from pmforge.rehearsal.drill import run_drill
from pmforge.rehearsal.newman import NewmanMissing
from pmforge.rehearsal.rehearsing import DEFAULT_PARALLEL, DEFAULT_POLL_INTERVAL_MS, rehearse as run_rehearsal
from pmforge.rehearsal.report import print_table
from pmforge.reporting import REPORTERS

EXIT_CLEAN, EXIT_FAILED, EXIT_NO_NEWMAN = 0, 1, 2


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
def rehearse(course: Path | None, roster: Path | None, parallel: int, poll_interval_ms: int, polls_to_finish: int,
             fail_jobs: bool, drill: bool) -> None:
    """Build the class, start a local AEP stand-in, run every participant's collection in Newman, print a table.

    COURSE is a course YAML file or a directory holding course.yaml (default: the bundled course).
    Exits 1 if the build has problems or any participant fails, 2 if Newman is not installed.
    """
    if drill:
        sys.exit(run_drill(course, roster, parallel=parallel))
    try:
        result = run_rehearsal(course, roster, parallel=parallel, polls_to_finish=polls_to_finish,
                               fail_jobs=fail_jobs, poll_interval_ms=poll_interval_ms)
    except NewmanMissing as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_NO_NEWMAN)
    if result.problems:
        REPORTERS["text"](result.problems, sys.stdout)
        if has_errors(result.problems):
            count = len(result.problems)
            click.echo(f"{count} problem{'s' if count != 1 else ''} found; nothing rehearsed.", err=True)
            sys.exit(EXIT_FAILED)
    print_table(result, sys.stdout)
    sys.exit(EXIT_CLEAN if result.ok else EXIT_FAILED)
