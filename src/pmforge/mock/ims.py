"""A stand-in for Adobe IMS's OAuth Server-to-Server token endpoint (REFERENCE.md §2.2)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from urllib.parse import parse_qs

from pmforge.mock.errors import oauth_error
from pmforge.mock.messages import FORM, Reply, Request
from pmforge.mock.state import MockState

TOKEN_LIFETIME_S = 86399


def issue_token(request: Request, state: MockState, *, credentials: Mapping[str, str] | None) -> Reply:
    """Grant a token for ``client_credentials``; remember which client it belongs to.

    Parameters come from the form body (``/ims/token/v3``, the documented way) or, failing that,
    from the query string (the course's ``/ims/token/v2`` request has no body).
    """
    if request.body and request.media_type() != FORM:
        return oauth_error(400, "invalid_request", f"Content-Type must be {FORM}")
    params = request.query_params()
    if request.body:
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            return oauth_error(400, "invalid_request", "the request body is not UTF-8")
        params = {key: values[0] for key, values in parse_qs(text).items()}
    grant_type = params.get("grant_type", "")
    if grant_type != "client_credentials":
        return oauth_error(400, "invalid_request", f"unsupported grant_type {grant_type!r}: use client_credentials")
    client_id = params.get("client_id", "")
    secret = params.get("client_secret", "")
    if not client_id:
        return oauth_error(400, "invalid_request", "missing client_id parameter")
    if not secret:
        return oauth_error(400, "invalid_request", "missing client_secret parameter")
    if not params.get("scope", "").strip():
        # Adobe's IMS reference lists scope as required for client_credentials. RFC 6749 §5.2 names
        # a scope the server cannot grant invalid_scope; the description is ours.
        return oauth_error(400, "invalid_scope", "missing scope parameter: send the scopes of your credential, "
                                                 "e.g. openid,AdobeID")
    if credentials is not None and credentials.get(client_id) != secret:
        # Not documented for IMS: RFC 6749 §5.2 names this case invalid_client, status 401.
        return oauth_error(401, "invalid_client", "invalid client_id or client_secret")
    token = secrets.token_urlsafe(32)
    state.add_token(token, client_id)
    return Reply(200, {"access_token": token, "token_type": "bearer", "expires_in": TOKEN_LIFETIME_S})
