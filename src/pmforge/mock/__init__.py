"""A local stand-in for Adobe IMS and the AEP Segmentation API, for proving collections with Newman.

    with start_mock(polls_to_finish=3) as mock:
        run_newman(base_url=mock.url)
        assert mock.state.definitions(sandbox="alice")

Endpoints (under ``/data/core/ups``, behind the gateway's header checks): ``POST`` and ``GET``
(list, paged) ``/segment/definitions``, ``GET``/``DELETE /segment/definitions/{id}``,
``POST /segment/jobs``, ``GET``/``DELETE /segment/jobs/{id}``; and IMS's ``POST /ims/token/v2|v3``.

The list pages as documented: ``start`` (offset, in creation order), ``limit`` (page size, default
100, cut to ``max_page_size``), ``page`` (adds ``page * limit`` to the offset) and ``sort``
(``field:asc|desc``, comma-separated); the reply is ``{"segments", "page": {"totalCount",
"totalPages", "pageOffset", "pageSize"}, "link": {"next"}}``, ``next`` a URL relative to the base
path, or "" on the last page. A cancelled job (DELETE, 204) shows CANCELLING on its next GET, then
CANCELLED.

Options (``start_mock`` keywords, ``MockOptions`` fields, ``pmforge mock`` flags):

- ``polls_to_finish`` (2): GETs of a job until it ends.
- ``fail_jobs``, ``fail_marker``: jobs end FAILED (all, or those over a definition whose name holds
  the marker), with ``errors``.
- ``lose_jobs``: a job is created (200) and then not found (GET and DELETE answer 404).
- ``token_expires_after`` N: each token serves N gateway requests, then gets
  401 ``{"error_code":"401013","message":"Oauth token is not valid"}``, as an expired token does.
- ``throttle_after`` N, ``throttle_burst`` M (3), ``retry_after`` S (1): in each sandbox, the
  gateway serves N requests, refuses the next M with 429 and ``Retry-After: S``, then serves again.
- ``existing_definitions``: (sandbox, name) pairs already there, in whichever org uses the sandbox,
  so the first create of that name gets 422.
- ``max_page_size`` (1000): the largest page the definition list returns.
- ``credentials`` (client_id -> secret): who gets a token; by default any non-empty pair.

As strict as AEP's documentation: a definition's ``schema`` is ``{"name": ...}`` or ``{"id": ...}``,
a job is an array of ``{segmentId}`` or the object form ``{"schema", "segments"}`` (``"*"`` means
every definition of the sandbox), and fields the docs do not name are accepted and noted in the log
line of the request. IMS refuses a token request without ``scope``.
"""

from __future__ import annotations

from pmforge.mock.app import MockApp, MockOptions, mock_options
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
    "mock_options",
    "serve_forever",
    "start_mock",
]
