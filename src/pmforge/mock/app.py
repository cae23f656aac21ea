"""Routing: which handler answers a request, after which checks. No sockets here."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pmforge.mock.errors import problem
from pmforge.mock.gateway import Caller, check_gateway
from pmforge.mock.ims import issue_token
from pmforge.mock.messages import Reply, Request
from pmforge.mock.segmentation import BASE_PATH, JobOptions, Segmentation
from pmforge.mock.state import MockState

Handler = Callable[..., Reply]


@dataclass(frozen=True)
class MockOptions:
    """How the mock behaves. ``credentials`` (client_id -> secret) limits who gets a token;
    None lets any non-empty pair through."""

    jobs: JobOptions = field(default_factory=JobOptions)
    credentials: Mapping[str, str] | None = None


@dataclass(frozen=True)
class _Route:
    pattern: re.Pattern[str]
    methods: dict[str, Handler]
    behind_gateway: bool = True


class MockApp:
    """Turns a Request into a Reply: IMS tokens, the gateway's checks, then Segmentation."""

    def __init__(self, options: MockOptions, state: MockState | None = None) -> None:
        self.options = options
        self.state = state if state is not None else MockState()
        segmentation = Segmentation(self.state, options.jobs)
        self._routes = [
            _Route(re.compile(r"/ims/token/v[23]"), {"POST": self._token}, behind_gateway=False),
            _Route(re.compile(rf"{BASE_PATH}/segment/definitions"), {"POST": segmentation.create_definition}),
            _Route(re.compile(rf"{BASE_PATH}/segment/definitions/([^/]+)"), {"GET": segmentation.get_definition}),
            _Route(re.compile(rf"{BASE_PATH}/segment/jobs"), {"POST": segmentation.create_job}),
            _Route(re.compile(rf"{BASE_PATH}/segment/jobs/([^/]+)"), {"GET": segmentation.get_job}),
        ]

    def handle(self, request: Request) -> Reply:
        caller: Caller | None = None
        # Like platform.adobe.io, the gateway answers before any routing: even an unknown
        # path under the base path needs a valid token and headers.
        if request.path == BASE_PATH or request.path.startswith(BASE_PATH + "/"):
            checked = check_gateway(request, self.state)
            if isinstance(checked, Reply):
                return checked
            caller = checked
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

    def _token(self, request: Request) -> Reply:
        return issue_token(request, self.state, credentials=self.options.credentials)
