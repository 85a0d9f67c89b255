"""Authentication: one indexed lookup by keyed hash per request, so a revocation or an expiry takes effect
on the very next request in every server process (there is no cache to invalidate)."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from starlette.datastructures import Headers

from loop.auth.models import Credential
from loop.auth.principal import Principal
from loop.core.clock import utcnow
from loop.core.errors import Unauthorized
from loop.core.security import constant_time_equal, hash_token
from loop.orgs.models import Membership, Organisation

MISSING = "Missing or malformed Authorization header"
INVALID = "Invalid API key"
EXPIRED = "API key expired"
REVOKED = "API key revoked"


def token_from_headers(headers: Headers) -> str | None:
    """``Authorization: Bearer <token>`` (scheme case-insensitive) or ``X-API-Key: <token>``."""
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        return None
    api_key = headers.get("x-api-key")
    if api_key and api_key.strip():
        return api_key.strip()
    return None


# Built once: the credential's columns (plain row, no ORM object) with its organisation's plan and the
# creator's role, found by the keyed hash of the token.
_LOOKUP = (
    select(
        *Credential.__table__.c,
        Organisation.plan,
        Organisation.trial_ends_at,
        Membership.role,
    )
    .join(Organisation, Organisation.id == Credential.org_id)
    .outerjoin(
        Membership, (Membership.org_id == Credential.org_id) & (Membership.user_id == Credential.user_id)
    )
    .where(Credential.token_hash == bindparam("digest"))
)


async def authenticate(session: AsyncSession | AsyncConnection, secret: str, token: str | None) -> Principal:
    if not token:
        raise Unauthorized(MISSING, code="missing_credentials")
    if len(token) > 200:
        raise Unauthorized(INVALID, code="invalid_token")
    digest = hash_token(secret, token)
    credential = (await session.execute(_LOOKUP, {"digest": digest})).one_or_none()
    if credential is None:
        raise Unauthorized(INVALID, code="invalid_token")
    plan, trial_ends_at, role = credential.plan, credential.trial_ends_at, credential.role
    if not constant_time_equal(credential.token_hash, digest):  # defence in depth; the lookup was exact
        raise Unauthorized(INVALID, code="invalid_token")
    if credential.revoked_at is not None:
        raise Unauthorized(REVOKED, code="token_revoked")
    if credential.expires_at is not None and credential.expires_at <= utcnow():
        raise Unauthorized(EXPIRED, code="token_expired")
    if role is None:
        # The user who created the token has left the organisation: the token left with them.
        raise Unauthorized(REVOKED, code="token_revoked")
    return Principal(
        credential_id=credential.id,
        credential_name=credential.name,
        org_id=credential.org_id,
        user_id=credential.user_id,
        role=role,
        plan=plan,
        trial_ends_at=trial_ends_at,
        scopes=tuple(credential.scopes or ()),
        token_format=credential.format,
        rate_limit=credential.rate_limit,
        last_used_at=credential.last_used_at,
    )
