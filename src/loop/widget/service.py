"""The public intake behind the widget: the project's ``pk_`` key identifies it, the project's url is the
only browser origin allowed, and each key has its own request budget."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import Headers, QueryParams

from loop.core.errors import Forbidden, Unauthorized
from loop.orgs.models import Organisation
from loop.projects.developer_schemas import WIDGET_KEY_PREFIX, url_origin
from loop.projects.models import Project

MISSING_KEY = "Missing project key: send X-Project-Key: pk_…"
INVALID_KEY = "Invalid project key"
ORIGIN_REFUSED = "Origin not allowed for this project"
ALLOWED_HEADERS = "Content-Type, X-Project-Key, Authorization, X-Request-ID"


@dataclass(frozen=True)
class WidgetProject:
    project_id: str
    org_id: str
    origin: str | None
    archived: bool
    plan: str


def key_from_request(headers: Headers, query: QueryParams) -> str | None:
    """``X-Project-Key``, ``Authorization: Bearer pk_…``, or ``?key=`` (which lets a browser post without
    a preflight)."""
    value = headers.get("x-project-key")
    if not value:
        scheme, _, token = (headers.get("authorization") or "").strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip().startswith(WIDGET_KEY_PREFIX):
            value = token
    if not value:
        value = query.get("key")
    value = (value or "").strip()
    return value or None


async def find_project(session: AsyncSession, key: str | None) -> WidgetProject:
    if not key:
        raise Unauthorized(MISSING_KEY, code="missing_project_key")
    if not key.startswith(WIDGET_KEY_PREFIX) or len(key) > 100:
        raise Unauthorized(INVALID_KEY, code="invalid_project_key")
    stmt = (
        select(Project.id, Project.org_id, Project.url, Project.archived_at, Organisation.plan)
        .join(Organisation, Organisation.id == Project.org_id)
        .where(Project.widget_key == key, Project.deleted_at.is_(None))
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        raise Unauthorized(INVALID_KEY, code="invalid_project_key")
    project_id, org_id, url, archived_at, plan = row
    return WidgetProject(project_id, org_id, url_origin(url), archived_at is not None, plan)


def check_origin(project: WidgetProject, origin: str | None) -> None:
    """Browsers always send ``Origin`` on a cross-site POST; it must be the project's site. Requests
    without one (a server, curl) are not browsers and need only the key."""
    if origin is None:
        return
    if project.origin is None or origin.strip().lower() != project.origin:
        raise Forbidden(ORIGIN_REFUSED, code="origin_not_allowed")


async def origin_is_registered(session: AsyncSession, origin: str) -> bool:
    """Whether some live website project lives at ``origin`` (answers a preflight that carries no key)."""
    normalised = url_origin(origin)
    if normalised is None or normalised != origin.strip().lower():
        return False
    stmt = (
        select(Project.url)
        .where(
            Project.type == "website",
            Project.deleted_at.is_(None),
            Project.archived_at.is_(None),
            Project.url.istartswith(normalised, autoescape=True),
        )
        .limit(50)
    )
    return any(url_origin(url) == normalised for url in (await session.execute(stmt)).scalars())


def cors_headers(origin: str) -> dict[str, str]:
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": "Retry-After, X-Request-ID",
        "Vary": "Origin",
    }


def preflight_headers(origin: str) -> dict[str, str]:
    return {
        **cors_headers(origin),
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Access-Control-Max-Age": "600",
    }
