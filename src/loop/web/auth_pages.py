"""Sign in, sign out, and the dashboard's home page."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from loop.core.clock import utcnow
from loop.core.errors import NotFound, RateLimited
from loop.db.session import ReadSession, WriteSession
from loop.issues import service as issues
from loop.web.common import CurrentUser, PageRoute, is_secure, render
from loop.web.sessions import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    WRONG_CREDENTIALS,
    check_password,
    csrf_matches,
    end_session,
    start_session,
)

router = APIRouter(route_class=PageRoute)


def _safe_next(target: str | None) -> str:
    """Only paths inside the dashboard: ``next`` must never send someone to another site."""
    if target and target.startswith("/app") and not target.startswith("//") and "\\" not in target:
        return target
    return "/app"


def _login_page(
    request: Request, *, next_url: str, error: str | None = None, email: str = "", status: int = 200
):
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", status, csrf=token, next_url=next_url, error=error, email=email)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, max_age=3600, httponly=True, samesite="lax", secure=is_secure(request),
        path="/app",
    )  # fmt: skip
    return response


@router.get("/login", summary="Sign-in page")
async def login_form(request: Request, next: str | None = None):
    return _login_page(request, next_url=_safe_next(next))


@router.post("/login", summary="Sign in")
async def login(
    request: Request,
    session: WriteSession,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/app",
):
    next_url = _safe_next(next)
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        return _login_page(
            request, next_url=next_url, email=email, status=403,
            error="The sign-in form expired or did not come from this site. Please try again.",
        )  # fmt: skip
    try:
        await request.app.state.limiter.hit(
            f"signin:{email.strip().lower()}", "starter", request.app.state.settings.signin_rate_limit
        )
    except RateLimited as exc:
        response = _login_page(
            request, next_url=next_url, email=email, status=429,
            error="Too many sign-in attempts for this email. Wait a minute and try again.",
        )  # fmt: skip
        response.headers.update(exc.headers)
        return response
    user = await check_password(session, email, password)
    started = await start_session(session, request.app.state.secret_key, user) if user else None
    if started is None:
        return _login_page(request, next_url=next_url, email=email, error=WRONG_CREDENTIALS, status=401)
    row, cookie = started
    response = RedirectResponse(next_url, status_code=303)
    max_age = int((row.expires_at - utcnow()).total_seconds())
    response.set_cookie(
        SESSION_COOKIE, cookie, max_age=max_age, httponly=True, samesite="lax", secure=is_secure(request),
        path="/",
    )  # fmt: skip
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/app")
    return response


@router.post("/logout", summary="Sign out")
async def logout(request: Request, user: CurrentUser, session: WriteSession):
    await end_session(session, user.session_id)
    response: Response = RedirectResponse("/app/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_secure(request))
    return response


@router.get("", summary="Dashboard home")
async def home(request: Request, user: CurrentUser, session: ReadSession):
    counts = {}
    for status in ("triage", "backlog", "todo", "in_progress"):
        _, counts[status] = await issues.list_issues(
            session, user.org_id, issues.parse_filters(status=status), limit=1, offset=0
        )
    recent, _ = await issues.list_issues(
        session, user.org_id, issues.parse_filters(sort="-updated"), limit=8, offset=0
    )
    return render(request, "home.html", counts=counts, recent=recent)


@router.get("/{path:path}", summary="Unknown dashboard page")
async def unknown_page(path: str, user: CurrentUser):
    raise NotFound("There is no such page in the dashboard")
