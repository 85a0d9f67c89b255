"""The auth dependency: endpoints declare what they need and receive the caller.

    IssuesRead = Annotated[Principal, Depends(Requires("read:issue"))]

Order of checks: credential (401) → rate limit (429) → plan and role of the surface (403) → scopes (403).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPBearer

from loop.auth.policy import SurfacePolicy, require_scopes
from loop.auth.principal import Principal
from loop.auth.service import authenticate, token_from_headers
from loop.core.clock import utcnow

# Declared so OpenAPI (and the Scalar page) documents both ways of sending a token; parsing is ours.
_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <token>`")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="`X-API-Key: <token>`")


async def authenticate_request(request: Request) -> Principal:
    """Credential and rate limit only; cached per request so several declarations cost one lookup.

    The lookup runs in its own short read and gives its connection back before the endpoint starts: a request
    never holds two connections at once, so concurrent writers cannot exhaust the pool waiting on each other.
    """
    state = request.app.state
    async with state.database.read_connection() as conn:
        principal = await authenticate(conn, state.secret_key, token_from_headers(request.headers))
    request.state.principal = principal
    decision = await state.limiter.hit(
        f"cred:{principal.credential_id}", principal.plan, principal.rate_limit
    )
    if decision is not None:
        request.state.rate_limit_headers = decision.headers()
    state.usage.note(principal.credential_id, principal.last_used_at, utcnow())
    return principal


Authenticated = Annotated[Principal, Depends(authenticate_request)]


class Requires:
    def __init__(self, *scopes: str, policy: SurfacePolicy | None = None) -> None:
        self.scopes = scopes
        self.policy = policy

    async def __call__(
        self,
        principal: Authenticated,
        _bearer_doc: object = Security(_bearer),
        _key_doc: object = Security(_api_key),
    ) -> Principal:
        if self.policy is not None:
            self.policy.check(principal)
        require_scopes(principal, self.scopes)
        return principal
