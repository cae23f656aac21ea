"""``pmforge mock``: run the stand-in for IMS and AEP Segmentation until Ctrl-C."""

from __future__ import annotations

import click

from pmforge.mock.server import DEFAULT_PORT, MockStartError, serve_forever


def _sandbox_and_name(context: click.Context, parameter: click.Parameter,
                      values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for value in values:
        sandbox, colon, name = value.partition(":")
        if not colon or not sandbox.strip() or not name:
            raise click.BadParameter(f"{value!r} is not SANDBOX:NAME", context, parameter)
        pairs.append((sandbox.strip(), name))
    return tuple(pairs)


@click.command("mock", epilog="""\b
Fault modes, to rehearse a bad day (all off by default):
  --throttle-after 4 --throttle-burst 2   in every sandbox, requests 5 and 6 get 429, Retry-After: 1
  --token-expires-after 3                 each token serves 3 gateway requests, then 401 401013
  --lose-jobs                             jobs are created (200) and then not found (404)
  --fail-jobs / --fail-marker TEXT        jobs end FAILED, with errors
  --existing-definition 'alice:alice - API - All Female Customer'
                                          that name already exists in sandbox alice: creating it is 422""")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on; 0 picks a free one.")
@click.option("--polls-to-finish", default=2, show_default=True, type=click.IntRange(min=1),
              help="GETs of a segment job before it reaches its end state.")
@click.option("--fail-jobs", is_flag=True, help="End every segment job FAILED, with errors.")
@click.option("--fail-marker", default=None, metavar="TEXT",
              help="End FAILED the jobs over a definition whose name contains TEXT.")
@click.option("--lose-jobs", is_flag=True, help="Answer POST /segment/jobs with 200, then forget the job: "
                                                "its GET and DELETE answer 404.")
@click.option("--token-expires-after", default=None, type=click.IntRange(min=1), metavar="N",
              help="A token serves N gateway requests; after that it gets 401 'Oauth token is not valid'.")
@click.option("--throttle-after", default=None, type=click.IntRange(min=0), metavar="N",
              help="In each sandbox, serve N gateway requests, then answer a burst with 429 and Retry-After.")
@click.option("--throttle-burst", default=3, show_default=True, type=click.IntRange(min=1), metavar="M",
              help="How many requests the 429 burst refuses (with --throttle-after).")
@click.option("--retry-after", default=1, show_default=True, type=click.IntRange(min=0), metavar="SECONDS",
              help="The Retry-After header of the 429 burst.")
@click.option("--existing-definition", "existing_definitions", multiple=True, metavar="SANDBOX:NAME",
              callback=_sandbox_and_name,
              help="A definition already in SANDBOX (in any org) when the mock starts. Repeatable.")
@click.option("--max-page-size", default=1000, show_default=True, type=click.IntRange(min=1), metavar="N",
              help="Most definitions in one page of GET /segment/definitions, whatever limit asks.")
@click.option("--quiet", is_flag=True, help="Do not log each request to stderr.")
def mock(host: str, port: int, quiet: bool, **options: object) -> None:
    """Serve a local stand-in for Adobe IMS and the AEP Segmentation API.

    It checks what AEP's documentation checks (gateway headers, bodies, PQL), isolates sandboxes,
    pages the definition list, moves jobs through their statuses over polls, and logs one line per
    request to stderr, with a note when a body carries fields AEP's docs do not name.
    """
    try:
        serve_forever(host, port, quiet=quiet, on_ready=_announce, **options)
    except MockStartError as error:
        raise click.ClickException(str(error)) from None


def _announce(url: str) -> None:
    click.echo(f"pmforge mock listening on {url}")
