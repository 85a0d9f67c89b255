"""What every dashboard page shares: the templates, the signed-in user dependency (with CSRF on every POST),
and the route class that turns errors into pages (a redirect to sign-in, or an error page) instead of JSON."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from loop import __version__
from loop.core.errors import Forbidden, LoopError
from loop.web.sessions import SESSION_COOKIE, SessionUser, csrf_matches, load_session

TEMPLATES_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.globals["version"] = __version__
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _when(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value)


templates.env.filters["when"] = _when


class LoginRequired(Exception):
    pass


class CsrfRefused(Forbidden):
    code = "csrf_failed"
    default_message = "The form has expired or did not come from this site. Reload the page and try again."


def is_secure(request: Request) -> bool:
    settings = request.app.state.settings
    return request.url.scheme == "https" or settings.public_url.startswith("https://")


async def current_user(request: Request) -> SessionUser:
    """The signed-in user (looked up in a short read of its own, like API credentials); POSTs must carry the
    session's CSRF token, as the ``csrf_token`` form field or the ``X-CSRF-Token`` header."""
    state = request.app.state
    async with state.database.read() as session:
        user = await load_session(session, state.secret_key, request.cookies.get(SESSION_COOKIE))
    if user is None:
        raise LoginRequired()
    if request.method in UNSAFE_METHODS:
        given = request.headers.get(CSRF_HEADER)
        if given is None:
            content_type = request.headers.get("content-type", "")
            if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
                given = (await request.form()).get(CSRF_FIELD)  # type: ignore[assignment]
        if not csrf_matches(user.csrf_token, given if isinstance(given, str) else None):
            raise CsrfRefused()
    request.state.web_user = user
    return user


CurrentUser = Annotated[SessionUser, Depends(current_user)]


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("user", getattr(request.state, "web_user", None))
    context.setdefault("status_code", status_code)
    context.setdefault("nav", name.split("/")[0].split(".")[0])
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def redirect(url: str, request: Request | None = None) -> Response:
    if request is not None and request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


class PageRoute(APIRoute):
    """Dashboard routes answer with pages: sign-in redirects for anonymous visitors, error pages for errors."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return redirect(f"/app/login?next={quote(target, safe='')}", request)
            except LoopError as exc:
                return render(
                    request, "error.html", status_code=exc.status_code, message=exc.message, code=exc.code
                )
            except RequestValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {}
                field = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
                message = f"Invalid '{field}': {first.get('msg', 'invalid value')}"
                return render(
                    request, "error.html", status_code=400, message=message, code="validation_error"
                )

        return page_handler
