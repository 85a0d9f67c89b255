"""Token management, shared by ``/api/v1/tokens`` and ``loop tokens``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.auth import scopes as scope_rules
from loop.auth.models import Credential
from loop.auth.principal import Principal
from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Forbidden, NotFound
from loop.core.security import DEFAULT_TOKEN_FORMAT, TOKEN_FORMATS, display_prefix, generate_token, hash_token
from loop.db.repository import OrgRepository

TOKEN_NOT_FOUND = "Token not found"


class CredentialRepository(OrgRepository[Credential]):
    model = Credential

    def listing(self, *, user_id: str | None, include_revoked: bool) -> Select[tuple[Credential]]:
        stmt = self.select().order_by(Credential.created_at.desc(), Credential.id.desc())
        if user_id is not None:
            stmt = stmt.where(Credential.user_id == user_id)
        if not include_revoked:
            stmt = stmt.where(Credential.revoked_at.is_(None))
        return stmt


def _secret(session: AsyncSession) -> str:
    secret = session.info.get("secret_key")
    if not secret:
        raise RuntimeError("session has no secret_key; open it through Database with a secret")
    return secret


async def create_token(
    session: AsyncSession,
    *,
    org_id: str,
    user_id: str,
    name: str,
    fmt: str = DEFAULT_TOKEN_FORMAT,
    preset: str | None = None,
    scopes: Sequence[str] | None = None,
    expires_at: datetime | None = None,
    rate_limit: str | None = None,
    granted_by: Principal | None = None,
) -> tuple[Credential, str]:
    """Create a credential and return it with the raw token (the only time the token exists in clear)."""
    name = name.strip()
    if not name:
        raise BadRequest("Token name is required", code="validation_error")
    if fmt not in TOKEN_FORMATS:
        raise BadRequest(
            f"Unknown token format '{fmt}' (use one of: {', '.join(TOKEN_FORMATS)})", code="validation_error"
        )
    try:
        patterns = scope_rules.resolve(preset, scopes)
    except scope_rules.ScopeError as exc:
        raise BadRequest(str(exc), code="invalid_scope", allowed=list(scope_rules.ALL_SCOPES)) from exc
    if granted_by is not None and not scope_rules.is_subset(patterns, granted_by.scopes):
        raise Forbidden("A token cannot grant scopes its creator does not have", code="scope_escalation")
    if expires_at is not None and expires_at <= utcnow():
        raise BadRequest("expires_at must be in the future", code="validation_error")
    if rate_limit is not None:
        from limits import parse_many

        try:
            parse_many(rate_limit)
        except ValueError as exc:
            raise BadRequest(f"Invalid rate_limit '{rate_limit}'", code="validation_error") from exc
    token = generate_token(fmt)
    credential = Credential(
        name=name,
        user_id=user_id,
        format=fmt,
        prefix=display_prefix(token),
        token_hash=hash_token(_secret(session), token),
        scopes=patterns,
        expires_at=expires_at,
        rate_limit=rate_limit,
        created_at=utcnow(),
    )
    CredentialRepository(session, org_id).add(credential)
    await session.flush()
    return credential, token


async def list_tokens(
    session: AsyncSession,
    principal_or_org: Principal | str,
    *,
    include_revoked: bool,
    limit: int,
    offset: int,
) -> tuple[Sequence[Credential], int]:
    """Owners and admins see every token of the organisation; everyone else sees their own."""
    if isinstance(principal_or_org, Principal):
        repo = CredentialRepository(session, principal_or_org.org_id)
        user_id = None if principal_or_org.is_admin else principal_or_org.user_id
    else:
        repo = CredentialRepository(session, principal_or_org)
        user_id = None
    return await repo.page(
        repo.listing(user_id=user_id, include_revoked=include_revoked), limit=limit, offset=offset
    )


async def revoke_token(session: AsyncSession, principal_or_org: Principal | str, token_id: str) -> Credential:
    if isinstance(principal_or_org, Principal):
        repo = CredentialRepository(session, principal_or_org.org_id)
        credential = await repo.get(token_id)
        if (
            credential is not None
            and not principal_or_org.is_admin
            and credential.user_id != principal_or_org.user_id
        ):
            credential = None  # someone else's token is as invisible as a missing one
    else:
        credential = await CredentialRepository(session, principal_or_org).get(token_id)
    if credential is None:
        raise NotFound(TOKEN_NOT_FOUND)
    if credential.revoked_at is None:
        credential.revoked_at = utcnow()
        await session.flush()
    return credential


async def find_by_prefix(session: AsyncSession, org_id: str, prefix: str) -> list[Credential]:
    repo = CredentialRepository(session, org_id)
    stmt = repo.select().where(Credential.prefix.startswith(prefix, autoescape=True))
    return list(await repo.all(stmt))


def to_api(credential: Credential) -> dict[str, object]:
    return {
        "id": credential.id,
        "name": credential.name,
        "prefix": credential.prefix,
        "format": credential.format,
        "scopes": list(credential.scopes or []),
        "scope_preset": scope_rules.preset_of(credential.scopes or []),
        "rate_limit": credential.rate_limit,
        "user_id": credential.user_id,
        "expires_at": credential.expires_at,
        "last_used_at": credential.last_used_at,
        "revoked_at": credential.revoked_at,
        "created_at": credential.created_at,
    }
