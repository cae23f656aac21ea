"""``pmforge lint PATH...``: click values in, problems reported, exit code out. No rule logic here."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pmforge.lint.linter import discover, lint_files
from pmforge.lint.rules import export_rules
from pmforge.lint.settings import LintConfigError, Settings, load_settings
from pmforge.outcome import ExitCode, tally
from pmforge.reporting import fails, format_option, report


def rules_table() -> str:
    rules = export_rules()
    width = max(len(rule_id) for rule_id in rules)
    return "\n".join(f"{rule.id:<{width}}  {rule.severity:<7}  {rule.summary}" for rule in rules.values())


@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@format_option
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option("--config", "config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Rule settings for every file. Default: the nearest .pmforge-lint.yaml above each file.")
@click.option("--list-rules", is_flag=True, help="Print every rule with its default severity, and exit.")
def lint(paths: tuple[Path, ...], fmt: str, strict: bool, config: Path | None, list_rules: bool) -> None:
    """Check Postman collections and environments (v2.0/v2.1 exports, v3 folders) as they are.

    PATH is a file or a folder: a v3 collection folder (holding .resources/definition.yaml) is one
    collection; other folders are searched for *.postman_collection.json, *.postman_environment.json
    and v3 collection folders. Environments given define the {{VAR}}s of the
    collections. Exit 0 when clean (or warnings only), 1 on problems, 2 on usage errors.
    """
    if list_rules:
        click.echo(rules_table())
        sys.exit(ExitCode.CLEAN)
    if not paths:
        raise click.UsageError("give at least one file or folder to lint")
    try:
        settings: Settings | None = load_settings(config) if config else None
        files = discover(paths)
        if not files:
            raise click.UsageError("no *.postman_collection.json or *.postman_environment.json files "
                                   "(or v3 collection folders) found")
        problems = list(lint_files(files, settings=settings))
    except LintConfigError as error:
        if error.problem is None:
            raise click.UsageError(str(error)) from None
        # A settings file is input like the others: its problem has a place and fails the run.
        report([error.problem], fmt=fmt, stream=sys.stdout, checked_files=[error.problem.file], strict=strict)
        sys.exit(ExitCode.PROBLEMS)
    report(problems, fmt=fmt, stream=sys.stdout, checked_files=[str(f) for f in files], strict=strict)
    if fmt == "text" and problems:
        click.echo(tally(problems, len(files)), err=True)
    sys.exit(ExitCode.PROBLEMS if fails(problems, strict=strict) else ExitCode.CLEAN)
