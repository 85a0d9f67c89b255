"""Settings › Developer API: generate a token (shown once), list by name and prefix with last use, revoke;
the organisation's members and roles, and its plan."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request

from loop.auth import scopes as scope_rules
from loop.auth.policy import DEVELOPER
from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Forbidden, LoopError
from loop.core.security import TOKEN_FORMATS
from loop.db.session import ReadSession, WriteSession
from loop.orgs.repository import OrgRepository
from loop.tokens import service as tokens
from loop.web.common import CurrentUser, PageRoute, redirect, render
from loop.web.sessions import SessionUser

router = APIRouter(route_class=PageRoute)
EXPIRY_CHOICES = (("", "Never"), ("7", "7 days"), ("30", "30 days"), ("90", "90 days"), ("365", "1 year"))


def _api_refusal(user: SessionUser) -> str | None:
    """Why this user may not manage API tokens (plan or role), or None."""
    try:
        DEVELOPER.check(user.principal)
    except Forbidden as exc:
        return exc.message
    return None


async def _page(
    request: Request,
    user: SessionUser,
    session,  # type: ignore[no-untyped-def]
    *,
    created: dict[str, object] | None = None,
    error: str | None = None,
    form: dict[str, object] | None = None,
    status: int = 200,
):
    rows, total = await tokens.list_tokens(
        session, user.principal, include_revoked=False, limit=100, offset=0
    )
    members = await OrgRepository(session).members(user.org_id)
    return render(
        request,
        "settings.html",
        status,
        tokens=[tokens.to_api(row) for row in rows],
        total=total,
        members=members,
        created=created,
        error=error,
        form=form or {"format": "tok", "preset": "write-all", "scopes": [], "expires": ""},
        refusal=_api_refusal(user),
        formats=list(TOKEN_FORMATS),
        all_scopes=scope_rules.ALL_SCOPES,
        expiry_choices=EXPIRY_CHOICES,
    )


@router.get("/settings", summary="Settings › Developer API")
async def settings_page(request: Request, user: CurrentUser, session: ReadSession):
    return await _page(request, user, session)


@router.post("/settings/tokens", summary="Generate a token")
async def generate_token(
    request: Request,
    user: CurrentUser,
    session: WriteSession,
    name: Annotated[str, Form(max_length=200)] = "",
    format: Annotated[str, Form(max_length=20)] = "tok",
    preset: Annotated[str, Form(max_length=20)] = "write-all",
    scopes: Annotated[list[str] | None, Form()] = None,
    expires: Annotated[str, Form(max_length=5)] = "",
):
    form = {"name": name, "format": format, "preset": preset, "scopes": scopes or [], "expires": expires}
    refusal = _api_refusal(user)
    if refusal:
        return await _page(request, user, session, error=refusal, form=form, status=403)
    try:
        expires_at = None
        if expires:
            if not expires.isdigit() or not 1 <= int(expires) <= 3650:
                raise BadRequest(
                    "Expiry must be a number of days between 1 and 3650", code="validation_error"
                )
            expires_at = utcnow() + timedelta(days=int(expires))
        credential, token = await tokens.create_token(
            session,
            org_id=user.org_id,
            user_id=user.user_id,
            name=name,
            fmt=format,
            preset=preset,
            scopes=(scopes or []) if preset == "restricted" else None,
            expires_at=expires_at,
            granted_by=user.principal,
        )
    except LoopError as exc:
        return await _page(request, user, session, error=exc.message, form=form, status=exc.status_code)
    created = {**tokens.to_api(credential), "token": token}
    return await _page(request, user, session, created=created, status=201)


@router.post("/settings/tokens/{token_id}/revoke", summary="Revoke a token")
async def revoke_token(token_id: str, request: Request, user: CurrentUser, session: WriteSession):
    refusal = _api_refusal(user)
    if refusal:
        raise Forbidden(refusal, code="role_required")
    await tokens.revoke_token(session, user.principal, token_id)
    return redirect("/app/settings?revoked=1", request)
