"""A local stand-in for Adobe IMS and the AEP Segmentation API, for proving collections with Newman.

    with start_mock(polls_to_finish=3) as mock:
        run_newman(base_url=mock.url)
        assert mock.state.definitions(sandbox="alice")
"""

from __future__ import annotations

from pmforge.mock.app import MockApp, MockOptions
from pmforge.mock.segmentation import JobOptions
from pmforge.mock.server import DEFAULT_PORT, MockServer, MockStartError, serve_forever, start_mock
from pmforge.mock.state import MockState
from pmforge.mock.stats import LatencySummary, RequestRecord
from pmforge.mock.validation import check_pql_text

__all__ = [
    "DEFAULT_PORT",
    "JobOptions",
    "LatencySummary",
    "MockApp",
    "MockOptions",
    "MockServer",
    "MockStartError",
    "MockState",
    "RequestRecord",
    "check_pql_text",
    "serve_forever",
    "start_mock",
]
