"""``pmforge mock``: run the stand-in for IMS and AEP Segmentation until Ctrl-C."""

from __future__ import annotations

import click

from pmforge.mock.server import DEFAULT_PORT, MockStartError, serve_forever


@click.command("mock")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on; 0 picks a free one.")
@click.option("--polls-to-finish", default=2, show_default=True, type=click.IntRange(min=1),
              help="GETs of a segment job before it reaches its end state.")
@click.option("--fail-jobs", is_flag=True, help="End every segment job FAILED, with errors.")
@click.option("--fail-marker", default=None, metavar="TEXT",
              help="End FAILED the jobs over a definition whose name contains TEXT.")
@click.option("--quiet", is_flag=True, help="Do not log each request to stderr.")
def mock(host: str, port: int, polls_to_finish: int, fail_jobs: bool, fail_marker: str | None, quiet: bool) -> None:
    """Serve a local stand-in for Adobe IMS and the AEP Segmentation API."""
    try:
        serve_forever(host, port, polls_to_finish=polls_to_finish, fail_jobs=fail_jobs, fail_marker=fail_marker,
                      quiet=quiet, on_ready=_announce)
    except MockStartError as error:
        raise click.ClickException(str(error)) from None


def _announce(url: str) -> None:
    click.echo(f"pmforge mock listening on {url}")
