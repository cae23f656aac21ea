"""The command line: parse options, call the core, report, choose the exit code."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from pmforge import __version__, building, importing
from pmforge.lint.cli import lint
from pmforge.mock.cli import mock
from pmforge.pql.cli import pql
from pmforge.rehearsal.cli import rehearse
from pmforge.teardown.cli import teardown
from pmforge.problems import Problem, has_errors
from pmforge.reporting import REPORTERS, fails, format_option, report
from pmforge.writing import write_text_atomically

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2

course_argument = click.argument("course", required=False, type=click.Path(path_type=Path))
collection_format_option = click.option(
    "--collection-format", type=click.Choice(building.COLLECTION_FORMATS), default="v2.1", show_default=True,
    help="v2.1: JSON files; v3: a Postman git workspace per participant (DIR/<ldap>/postman/...); both.")
roster_option = click.option(
    "--roster", type=click.Path(path_type=Path), help="Participants: CSV with a header row, or YAML. Default: the course's example roster."
)


def _finish(result: building.Result, summary: str) -> None:
    REPORTERS["text"](result.problems, sys.stdout)
    if has_errors(result.problems):
        count = len(result.problems)
        click.echo(f"{count} problem{'s' if count != 1 else ''} found; nothing written.", err=True)
        sys.exit(EXIT_PROBLEMS)
    click.echo(summary, err=True)
    sys.exit(EXIT_CLEAN)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pmforge")
def main() -> None:
    """Turn a course written as YAML into checked Postman collections and environments, one per participant."""


@main.command()
@course_argument
@roster_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"), show_default=True, help="Directory to write; replaced as a whole once the new build is complete.")
@click.option("--handouts", "with_handouts", is_flag=True, help="Also write DIR/<ldap>/handout.html and .md, DIR/<ldap>.zip and the class page DIR/index.html.")
@collection_format_option
def build(course: Path | None, roster: Path | None, out_dir: Path, with_handouts: bool, collection_format: str) -> None:
    """Write DIR/<ldap>/<collection>.postman_collection.json and .postman_environment.json for every participant.

    With --collection-format v3, DIR/<ldap>/postman/collections/<collection>/ and postman/environments/ instead.
    COURSE is a course YAML file or a directory holding course.yaml (default: the bundled course).
    """
    result = building.build(course, roster, out_dir, with_handouts=with_handouts, collection_format=collection_format)
    _finish(result, f"wrote {result.files} files for {result.participants} participants to {out_dir}")


@main.command()
@course_argument
@roster_option
@format_option
@click.option("--strict", is_flag=True, help="Warnings fail too.")
@collection_format_option
def validate(course: Path | None, roster: Path | None, fmt: str, strict: bool, collection_format: str) -> None:
    """Run every check on COURSE and the roster; write nothing."""
    result = building.validate(course, roster, collection_format=collection_format)
    report(result.problems, fmt=fmt, stream=sys.stdout, checked_files=result.checked, strict=strict)
    if fails(result.problems, strict=strict):
        count = len(result.problems)
        click.echo(f"{count} problem{'s' if count != 1 else ''} found.", err=True)
        sys.exit(EXIT_PROBLEMS)
    click.echo(f"ok: {result.participants} participants checked", err=True)
    sys.exit(EXIT_CLEAN)


@main.command("import")
@click.argument("collection", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Course YAML to write (default: standard output), with an example roster beside it.")
@click.option("--force", is_flag=True, help="Overwrite the course YAML and its example roster if they exist.")
def import_(collection: Path, output: Path | None, force: bool) -> None:
    """Turn an exported Postman COLLECTION into course YAML."""
    roster = None if output is None else output.with_name(output.stem + ".roster.csv")
    imported = importing.import_course(collection, example_roster=None if roster is None else roster.name)
    REPORTERS["text"](imported.problems, sys.stderr)
    if imported.course is None:
        sys.exit(EXIT_PROBLEMS)
    if output is None or roster is None or imported.roster is None:
        click.echo(imported.course, nl=False)
        sys.exit(EXIT_CLEAN)
    existing = [path for path in (output, roster) if os.path.lexists(path)] if not force else []
    if existing:
        REPORTERS["text"]([Problem(str(path), 0, 0, "exists; pmforge import overwrites only with --force", "import")
                           for path in existing], sys.stderr)
        sys.exit(EXIT_PROBLEMS)
    for path, text in ((roster, imported.roster), (output, imported.course)):
        error = write_text_atomically(path, text)
        if error:
            REPORTERS["text"]([error], sys.stderr)
            sys.exit(EXIT_PROBLEMS)
    click.echo(f"wrote {output} and its example roster {roster}", err=True)
    sys.exit(EXIT_CLEAN)


main.add_command(pql)
main.add_command(mock)
main.add_command(lint)
main.add_command(rehearse)
main.add_command(teardown)


if __name__ == "__main__":  # pragma: no cover
    main()
