"""The command line: parse options, call the core, report, choose the exit code.

Commands load on demand (``LazyGroup``): ``pmforge --version`` imports click and nothing heavy,
and ``pmforge lint`` never loads the renderer. The course commands below import the core inside
their bodies for the same reason.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

import click

from pmforge import __version__
from pmforge.outcome import ExitCode, counted, problems_found
from pmforge.problems import Problem
from pmforge.reporting import fails, format_option, report

# The choices of building.COLLECTION_FORMATS, written out so that parsing options loads no renderer
# (a test holds the two equal).
COLLECTION_FORMATS = ("v2.1", "v3", "both")

course_argument = click.argument("course", required=False, type=click.Path(path_type=Path))
collection_format_option = click.option(
    "--collection-format", type=click.Choice(COLLECTION_FORMATS), default="v2.1", show_default=True,
    help="v2.1: JSON files; v3: a Postman git workspace per participant (DIR/<ldap>/postman/...); both.")
roster_option = click.option(
    "--roster", type=click.Path(path_type=Path), help="Participants: CSV with a header row, or YAML. Default: the course's example roster."
)
strict_option = click.option("--strict", is_flag=True, help="Warnings fail too.")

# name -> (module:attribute, the first paragraph of its help, which `pmforge --help` shortens as click
# does for a loaded command, without importing the module; a test holds each equal to the command's own).
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "lint": ("pmforge.lint.cli:lint",
             "Check Postman collections and environments (v2.0/v2.1 exports, v3 folders) as they are."),
    "mock": ("pmforge.mock.cli:mock", "Serve a local stand-in for Adobe IMS and the AEP Segmentation API."),
    "pql": ("pmforge.pql.cli:pql", "Compile, explain and check PQL segment expressions."),
    "rehearse": ("pmforge.rehearsal.cli:rehearse",
                 "Build the class, start a local AEP stand-in, run every participant's collection in Newman (or the\n"
                 "Postman CLI), and print a row per participant as they finish."),
    "teardown": ("pmforge.teardown.cli:teardown",
                 "Write the trainer's teardown to DIR: one collection, one environment to fill in with your own\n"
                 "credentials, and one iteration data file with a row per participant."),
}


class LazyGroup(click.Group):
    """A group whose LAZY_COMMANDS are imported only when one of them runs (or is asked for help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            module, _, attribute = LAZY_COMMANDS[cmd_name][0].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            # Click would print "Aborted!" and exit 1. Every writer stages and swaps, so what was there stays.
            click.echo("interrupted", err=True)
            ctx.exit(ExitCode.INTERRUPTED)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in self.list_commands(ctx))
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                rows.append((name, self.commands[name].get_short_help_str(limit)))
            else:
                # A stand-in command shortens the summary exactly as the real one would.
                rows.append((name, click.Command(name, help=LAZY_COMMANDS[name][1]).get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _finish(problems: list[Problem], *, fmt: str, checked: list[str], strict: bool, then: str, summary: str) -> None:
    report(problems, fmt=fmt, stream=sys.stdout, checked_files=checked, strict=strict)
    if fails(problems, strict=strict):
        click.echo(problems_found(problems, then=then), err=True)
        sys.exit(ExitCode.PROBLEMS)
    click.echo(summary, err=True)
    sys.exit(ExitCode.CLEAN)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pmforge")
def main() -> None:
    """Turn a course written as YAML into checked Postman collections and environments, one per participant."""


@main.command()
@course_argument
@roster_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"), show_default=True, help="Directory to write; replaced as a whole once the new build is complete.")
@click.option("--handouts", "with_handouts", is_flag=True, help="Also write DIR/<ldap>/handout.html and .md, DIR/<ldap>.zip and the class page DIR/index.html.")
@collection_format_option
@format_option
@strict_option
def build(course: Path | None, roster: Path | None, out_dir: Path, with_handouts: bool, collection_format: str,
          fmt: str, strict: bool) -> None:
    """Write DIR/<ldap>/<collection>.postman_collection.json and .postman_environment.json for every participant.

    With --collection-format v3, DIR/<ldap>/postman/collections/<collection>/ and postman/environments/ instead.
    COURSE is a course YAML file or a directory holding course.yaml (default: the bundled course).
    """
    from pmforge import building

    result = building.build(course, roster, out_dir, with_handouts=with_handouts, collection_format=collection_format,
                            strict=strict)
    summary = f"wrote {counted(result.files, 'file')} for {counted(result.participants, 'participant')} to {out_dir}"
    inputs = [str(building.resolve_course(course))] + ([str(roster)] if roster is not None else [])
    _finish(result.problems, fmt=fmt, checked=inputs, strict=strict, then="nothing written", summary=summary)


@main.command()
@course_argument
@roster_option
@format_option
@strict_option
@collection_format_option
def validate(course: Path | None, roster: Path | None, fmt: str, strict: bool, collection_format: str) -> None:
    """Run every check on COURSE and the roster; write nothing."""
    from pmforge import building

    result = building.validate(course, roster, collection_format=collection_format)
    _finish(result.problems, fmt=fmt, checked=result.checked, strict=strict, then="",
            summary=f"ok: {counted(result.participants, 'participant')} checked")


@main.command("import")
@click.argument("collection", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Course YAML to write (default: standard output), with an example roster beside it.")
@click.option("--force", is_flag=True, help="Overwrite the course YAML and its example roster if they exist.")
@format_option
def import_(collection: Path, output: Path | None, force: bool, fmt: str) -> None:
    """Turn an exported Postman COLLECTION into course YAML.

    Problems go to standard error (standard output may be the YAML), in --format.
    """
    from pmforge import importing
    from pmforge.loading import is_folder
    from pmforge.writing import write_text_atomically

    if output is not None and (not output.name or is_folder(output)):
        _refuse([Problem(str(output), 0, 0, "is a folder; -o names the course YAML file to write", "import")], fmt=fmt)
    roster = None if output is None else output.with_name(output.stem + ".roster.csv")
    if roster is not None and is_folder(roster):
        _refuse([Problem(str(roster), 0, 0, "is a folder, where import writes the course's example roster", "import")], fmt=fmt)
    imported = importing.import_course(collection, example_roster=None if roster is None else roster.name)
    report(imported.problems, fmt=fmt, stream=sys.stderr, checked_files=[str(collection)])
    if imported.course is None:
        _refuse(imported.problems)
    if output is None or roster is None or imported.roster is None:
        click.echo(imported.course, nl=False)
        sys.exit(ExitCode.CLEAN)
    existing = [path for path in (output, roster) if os.path.lexists(path)] if not force else []
    if existing:
        _refuse([Problem(str(path), 0, 0, "exists; pmforge import overwrites only with --force", "import")
                 for path in existing], fmt=fmt)
    # Both files or neither: what one wrote is undone when the other cannot be written (with --force, the old text back).
    before = {path: _old_bytes(path) for path in (output, roster)}
    written: list[Path] = []
    for path, text in ((output, imported.course), (roster, imported.roster)):
        error = write_text_atomically(path, text)
        if error:
            for done in written:
                old = before[done]
                done.unlink() if old is None else done.write_bytes(old)
            _refuse([error], fmt=fmt)
        written.append(path)
    click.echo(f"wrote {output} and its example roster {roster}", err=True)
    sys.exit(ExitCode.CLEAN)


def _old_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _refuse(problems: list[Problem], *, fmt: str | None = None) -> None:
    """Report ``problems`` on stderr (unless already reported) and exit 1, with the summary line."""
    if fmt is not None:
        report(problems, fmt=fmt, stream=sys.stderr, checked_files=[p.file for p in problems])
    click.echo(problems_found(problems, then="nothing written"), err=True)
    sys.exit(ExitCode.PROBLEMS)


if __name__ == "__main__":  # pragma: no cover
    main()
