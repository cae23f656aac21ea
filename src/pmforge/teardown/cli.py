"""``pmforge teardown``: the trainer's files to delete what a class created."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pmforge.reporting import REPORTERS
from pmforge.problems import has_errors
from pmforge.teardown.making import teardown as make_teardown


@click.command("teardown")
@click.argument("course", required=False, type=click.Path(path_type=Path))
@click.option("--roster", type=click.Path(path_type=Path),
              help="Participants: CSV with a header row, or YAML. Default: the course's example roster.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Directory to write; replaced as a whole once the new files are complete.")
def teardown(course: Path | None, roster: Path | None, out_dir: Path) -> None:
    """Write the trainer's teardown to DIR: one collection, one environment to fill in with your own
    credentials, and one iteration data file with a row per participant.

    \b
    newman run DIR/*.postman_collection.json -e DIR/*.postman_environment.json -d DIR/*.iteration_data.json

    deletes what each participant created, as the course's teardown: section declares, and nothing
    else; a second run deletes nothing and passes.
    """
    result = make_teardown(course, roster, out_dir)
    REPORTERS["text"](result.problems, sys.stdout)
    if has_errors(result.problems):
        count = len(result.problems)
        click.echo(f"{count} problem{'s' if count != 1 else ''} found; nothing written.", err=True)
        sys.exit(1)
    click.echo(f"wrote the teardown for {result.participants} participants to {out_dir}", err=True)
    sys.exit(0)
