"""The checks Adobe's API gateway makes before any Segmentation code runs.

The order matters: a learner who forgets several headers sees the same first error as on
platform.adobe.io (REFERENCE.md §2.6).
"""

from __future__ import annotations

from dataclasses import dataclass

from pmforge.mock import errors
from pmforge.mock.messages import JSON, Reply, Request
from pmforge.mock.state import MockState, Scope


@dataclass(frozen=True)
class Caller:
    """Who is calling, once the gateway let the request through."""

    client_id: str
    org: str
    sandbox: str

    @property
    def scope(self) -> Scope:
        return (self.org, self.sandbox)


def check_gateway(request: Request, state: MockState, *, token_expires_after: int | None = None) -> Caller | Reply:
    """The caller, or the gateway's error reply for the first header that is wrong.

    With ``token_expires_after`` a token serves that many gateway requests; after that it has expired and
    gets the documented 401 for a token that is not valid.
    """
    authorization = (request.header("authorization") or "").strip()
    if not authorization:
        return errors.TOKEN_MISSING
    scheme, _, token = authorization.partition(" ")
    # The course's Step 1 sends "bearer": the scheme is case-insensitive (RFC 7235 §2.1).
    owner = state.use_token(token.strip(), token_expires_after) if scheme.lower() == "bearer" else None
    if owner is None:
        return errors.TOKEN_INVALID
    api_key = (request.header("x-api-key") or "").strip()
    if not api_key:
        return errors.API_KEY_MISSING
    if api_key != owner:
        return errors.API_KEY_INVALID
    org = (request.header("x-gw-ims-org-id") or "").strip()
    if not org:
        return errors.ORG_MISSING
    sandbox = (request.header("x-sandbox-name") or "").strip()
    if not sandbox:
        return errors.SANDBOX_MISSING
    if request.body and request.media_type() != JSON:
        return errors.BAD_CONTENT_TYPE
    return Caller(client_id=owner, org=org, sandbox=sandbox)
