"""Routing: which handler answers a request, after which checks. No sockets here."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from pmforge.mock import errors
from pmforge.mock.errors import problem
from pmforge.mock.gateway import Caller, check_gateway
from pmforge.mock.ims import issue_token
from pmforge.mock.messages import Reply, Request
from pmforge.mock.segmentation import BASE_PATH, MAX_LIMIT, JobOptions, Segmentation
from pmforge.mock.shapes import existing_definition
from pmforge.mock.state import MockState

Handler = Callable[..., Reply]


@dataclass(frozen=True)
class MockOptions:
    """How the mock behaves (the fault modes are described in ``pmforge.mock``'s docstring).

    ``credentials`` (client_id -> secret) limits who gets a token; None lets any non-empty pair through.
    """

    jobs: JobOptions = field(default_factory=JobOptions)
    credentials: Mapping[str, str] | None = None
    token_expires_after: int | None = None
    throttle_after: int | None = None
    throttle_burst: int = 3
    retry_after: int = 1
    existing_definitions: tuple[tuple[str, str], ...] = ()
    max_page_size: int = MAX_LIMIT

    def __post_init__(self) -> None:
        for name, least in (("token_expires_after", 1), ("throttle_after", 0)):
            value = getattr(self, name)
            if value is not None and value < least:
                raise ValueError(f"{name} must be at least {least}")
        for name, least in (("throttle_burst", 1), ("retry_after", 0), ("max_page_size", 1)):
            if getattr(self, name) < least:
                raise ValueError(f"{name} must be at least {least}")
        for pair in self.existing_definitions:
            if len(pair) != 2 or not all(isinstance(part, str) and part for part in pair):
                raise ValueError(f"existing_definitions holds (sandbox, name) pairs, not {pair!r}")


def mock_options(*, polls_to_finish: int = 2, fail_jobs: bool = False, fail_marker: str | None = None,
                 lose_jobs: bool = False, credentials: Mapping[str, str] | None = None,
                 token_expires_after: int | None = None, throttle_after: int | None = None, throttle_burst: int = 3,
                 retry_after: int = 1, existing_definitions: Iterable[tuple[str, str]] = (),
                 max_page_size: int = MAX_LIMIT) -> MockOptions:
    """MockOptions from the flat keywords ``start_mock`` and ``pmforge mock`` take; ValueError if one is out
    of range."""
    jobs = JobOptions(polls_to_finish=polls_to_finish, fail_jobs=fail_jobs, fail_marker=fail_marker,
                      lose_jobs=lose_jobs)
    return MockOptions(jobs=jobs, credentials=dict(credentials) if credentials is not None else None,
                       token_expires_after=token_expires_after, throttle_after=throttle_after, throttle_burst=throttle_burst,
                       retry_after=retry_after,
                       existing_definitions=tuple((str(s), str(n)) for s, n in existing_definitions),
                       max_page_size=max_page_size)


@dataclass(frozen=True)
class _Route:
    pattern: re.Pattern[str]
    methods: dict[str, Handler]
    behind_gateway: bool = True


class MockApp:
    """Turns a Request into a Reply: IMS tokens, the gateway's checks, then Segmentation."""

    def __init__(self, options: MockOptions, state: MockState | None = None) -> None:
        self.options = options
        self.state = state if state is not None else MockState(options.existing_definitions, existing_definition)
        segmentation = Segmentation(self.state, options.jobs, max_page_size=options.max_page_size)
        definitions = rf"{BASE_PATH}/segment/definitions"
        jobs = rf"{BASE_PATH}/segment/jobs"
        self._routes = [
            _Route(re.compile(r"/ims/token/v[23]"), {"POST": self._token}, behind_gateway=False),
            _Route(re.compile(definitions),
                   {"GET": segmentation.list_definitions, "POST": segmentation.create_definition}),
            _Route(re.compile(rf"{definitions}/([^/]+)"),
                   {"GET": segmentation.get_definition, "DELETE": segmentation.delete_definition}),
            _Route(re.compile(jobs), {"POST": segmentation.create_job}),
            _Route(re.compile(rf"{jobs}/([^/]+)"), {"GET": segmentation.get_job, "DELETE": segmentation.cancel_job}),
        ]

    def handle(self, request: Request) -> Reply:
        caller: Caller | None = None
        # Like platform.adobe.io, the gateway answers before any routing: even an unknown
        # path under the base path needs a valid token and headers.
        if request.path == BASE_PATH or request.path.startswith(BASE_PATH + "/"):
            checked = check_gateway(request, self.state, token_expires_after=self.options.token_expires_after)
            if isinstance(checked, Reply):
                return checked
            caller = checked
            throttled = self._throttle(caller)
            if throttled is not None:
                return throttled
        for route in self._routes:
            match = route.pattern.fullmatch(request.path)
            if match is None:
                continue
            handler = route.methods.get(request.method)
            if handler is None:
                allowed = ", ".join(sorted(route.methods))
                return problem(405, f"Method {request.method} is not allowed on {request.path}; use {allowed}.",
                               headers={"Allow": allowed})
            if not route.behind_gateway:
                return handler(request)
            return handler(request, caller, *match.groups())
        return problem(404, f"No such resource: {request.method} {request.path}")

    def _throttle(self, caller: Caller) -> Reply | None:
        """The 429 burst: in each sandbox, requests after the first ``throttle_after`` are refused,
        ``throttle_burst`` of them, with ``Retry-After``; then the sandbox is served again."""
        after = self.options.throttle_after
        if after is None:
            return None
        number = self.state.count_gateway_request(caller.scope)
        if after < number <= after + self.options.throttle_burst:
            refused = errors.TOO_MANY_REQUESTS
            return Reply(refused.status, refused.body, {"Retry-After": str(self.options.retry_after)},
                         (f"throttled: request {number} of sandbox {caller.sandbox!r} "
                          f"(burst after {after}, {self.options.throttle_burst} long)",))
        return None

    def _token(self, request: Request) -> Reply:
        return issue_token(request, self.state, credentials=self.options.credentials)
