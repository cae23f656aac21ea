"""``pmforge teardown``: the trainer's files to delete what a class created."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pmforge.building import resolve_course
from pmforge.outcome import ExitCode, counted, problems_found
from pmforge.reporting import fails, format_option, report
from pmforge.teardown.making import teardown as make_teardown


@click.command("teardown")
@click.argument("course", required=False, type=click.Path(path_type=Path))
@click.option("--roster", type=click.Path(path_type=Path),
              help="Participants: CSV with a header row, or YAML. Default: the course's example roster.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Directory to write; replaced as a whole once the new files are complete.")
@format_option
def teardown(course: Path | None, roster: Path | None, out_dir: Path, fmt: str) -> None:
    """Write the trainer's teardown to DIR: one collection, one environment to fill in with your own
    credentials, and one iteration data file with a row per participant.

    \b
    newman run DIR/*.postman_collection.json -e DIR/*.postman_environment.json -d DIR/*.iteration_data.json

    deletes what each participant created, as the course's teardown: section declares, and nothing
    else; a second run deletes nothing and passes.
    """
    result = make_teardown(course, roster, out_dir)
    inputs = [str(resolve_course(course))] + ([str(roster)] if roster is not None else [])
    report(result.problems, fmt=fmt, stream=sys.stdout, checked_files=inputs)
    if fails(result.problems):
        click.echo(problems_found(result.problems, then="nothing written"), err=True)
        sys.exit(ExitCode.PROBLEMS)
    click.echo(f"wrote the teardown for {counted(result.participants, 'participant')} to {out_dir}", err=True)
    sys.exit(ExitCode.CLEAN)
