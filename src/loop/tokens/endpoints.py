"""``/api/v1/tokens``: generate (shown once), list by name and prefix, revoke."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from loop.auth.principal import Principal
from loop.core.clock import utcnow
from loop.core.errors import BadRequest
from loop.db.session import ReadSession, WriteSession
from loop.surfaces import developer
from loop.tokens import service
from loop.tokens.schemas import TokenCreate, TokenCreated, TokenOut

router = APIRouter(prefix="/api/v1/tokens", tags=["Tokens"])

TokensRead = Annotated[Principal, developer.requires("read:token")]
TokensWrite = Annotated[Principal, developer.requires("write:token")]


@router.get("", response_model=developer.Page[TokenOut], summary="List API tokens")
async def list_tokens(
    principal: TokensRead,
    session: ReadSession,
    pagination: developer.Pagination,
    include_revoked: Annotated[bool, Query(description="Include revoked tokens")] = False,
):
    rows, total = await service.list_tokens(
        session, principal, include_revoked=include_revoked, limit=pagination.limit, offset=pagination.offset
    )
    return developer.page([service.to_api(row) for row in rows], total, pagination)


@router.post("", status_code=201, response_model=developer.Data[TokenCreated], summary="Generate a token")
async def create_token(body: TokenCreate, principal: TokensWrite, session: WriteSession):
    if body.expires_at is not None and body.expires_in_days is not None:
        raise BadRequest("Give expires_at or expires_in_days, not both", code="validation_error")
    expires_at = body.expires_at
    if body.expires_in_days is not None:
        expires_at = utcnow() + timedelta(days=body.expires_in_days)
    if expires_at is not None and expires_at.tzinfo is None:
        raise BadRequest("expires_at needs a timezone (e.g. 2026-12-31T00:00:00Z)", code="validation_error")
    credential, token = await service.create_token(
        session,
        org_id=principal.org_id,
        user_id=principal.user_id,
        name=body.name,
        fmt=body.format,
        preset=body.scope_preset,
        scopes=body.scopes,
        expires_at=expires_at,
        rate_limit=body.rate_limit,
        granted_by=principal,
    )
    return developer.one({**service.to_api(credential), "token": token}, 201)


@router.delete("/{token_id}", response_model=developer.Data[TokenOut], summary="Revoke a token")
async def revoke_token(token_id: str, principal: TokensWrite, session: WriteSession):
    credential = await service.revoke_token(session, principal, token_id)
    return developer.one(service.to_api(credential))
