"""Error bodies: the documented gateway and IMS ones, and the problem shape for everything else.

Gateway bodies come from AdobeDocs/experience-platform.en help/landing/troubleshooting.md
(REFERENCE.md §2.6). The spec lists Segmentation's own 400/404/422 without bodies, so those use
the problem shape of the one documented platform error (the bad Content-Type reply), plus an
``errors`` list of ``{path, message}`` so a learner can see what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pmforge.mock.messages import Reply

PROBLEM_TYPE = "/placeholder/type/uri"

TOKEN_MISSING = Reply(403, {"error_code": "403010", "message": "Oauth token is missing."})
TOKEN_INVALID = Reply(401, {"error_code": "401013", "message": "Oauth token is not valid"})
API_KEY_MISSING = Reply(403, {"error_code": "403000", "message": "Api Key is required"})
API_KEY_INVALID = Reply(403, {"error_code": "403003", "message": "Api Key is invalid"})
ORG_MISSING = Reply(400, {"error_code": "400003", "message": "Missing header"})
# Not documented: Adobe publishes no body for a missing x-sandbox-name. We reuse the gateway's
# "Missing header" code and name the header, so it reads like its documented sibling above.
SANDBOX_MISSING = Reply(400, {"error_code": "400003", "message": "Missing header: x-sandbox-name"})
# Not documented: the spec lists 429 for job creation without a body, and gateways answer it with
# Retry-After. We answer in the gateway's dialect, like its documented siblings above.
TOO_MANY_REQUESTS = Reply(429, {"error_code": "429001", "message": "Too many requests"})
BAD_CONTENT_TYPE = Reply(
    400,
    {"type": PROBLEM_TYPE, "status": 400, "title": "BadRequestError", "detail": "A valid content-type must be specified"},
)

_TITLES = {
    400: "BadRequestError",
    404: "NotFoundError",
    405: "MethodNotAllowedError",
    413: "PayloadTooLargeError",
    422: "UnprocessableEntityError",
    429: "TooManyRequestsError",
    500: "InternalServerError",
    501: "NotImplementedError",
}


@dataclass(frozen=True, order=True)
class FieldError:
    """What is wrong with a request body, at a JSON path such as ``$.expression.value``."""

    path: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


def problem(status: int, detail: str, *, errors: list[FieldError] | None = None,
            headers: dict[str, str] | None = None) -> Reply:
    body: dict[str, Any] = {"type": PROBLEM_TYPE, "status": status, "title": _TITLES.get(status, "Error"),
                            "detail": detail}
    if errors is not None:
        body["errors"] = [error.as_json() for error in errors]
    return Reply(status, body, headers or {})


def invalid_body(what: str, errors: list[FieldError]) -> Reply:
    """400 naming the first error in ``detail`` and listing them all."""
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return problem(400, f"Invalid {what}: {first.path}: {first.message}{more}", errors=errors)


def oauth_error(status: int, error: str, description: str) -> Reply:
    """IMS speaks OAuth 2.0 (RFC 6749 §5.2), not the gateway's dialect."""
    return Reply(status, {"error": error, "error_description": description})
