"""Inbox surface (seed 003): report exports under ``/api/v1/report`` and drafts under ``/v1/drafts``.

* Case: the report endpoints are camelCase, as documented (``resultFormat``, ``tagIds``); drafts use the
  snake_case field names of the drafts API the documentation points to (``from_field``, ``to_fields``,
  ``send_at``), with bodies wrapped in ``{"drafts": …}`` (an unwrapped object is accepted too).
* Auth: a paid plan (``INBOX`` policy), then the endpoint's scope. ``X-Impersonate-User: <user id or
  email>`` makes an owner's or admin's token act as another member of the same organisation.
* POST and PATCH bodies must be sent as ``Content-Type: application/json`` (415 otherwise).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from sqlalchemy import or_, select

from loop.auth.deps import Requires
from loop.auth.policy import INBOX
from loop.auth.principal import Principal
from loop.core.errors import BadRequest, Forbidden, UnsupportedMediaType
from loop.core.jsonresp import JSONBody, json_response
from loop.core.pagination import PageParams
from loop.db.session import ReadSession
from loop.orgs.models import Membership, User

DEFAULT_LIMIT = 50
MAX_LIMIT = 100

IMPERSONATION_FORBIDDEN = "Only an owner's or admin's token may act as another user (X-Impersonate-User)"


class ReportModel(BaseModel):
    """Report bodies: camelCase on the wire, unknown keys ignored."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class DraftModel(BaseModel):
    """Draft bodies: snake_case on the wire, unknown keys ignored."""

    model_config = ConfigDict(extra="ignore")


class PageMeta(BaseModel):
    total: int
    limit: int
    offset: int


def _is_json(content_type: str) -> bool:
    mime = content_type.split(";")[0].strip().lower()
    return mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))


async def require_json(request: Request) -> None:
    if not _is_json(request.headers.get("content-type", "")):
        raise UnsupportedMediaType("Content-Type must be application/json")


JsonBody = Annotated[None, Depends(require_json)]


async def require_json_if_body(request: Request) -> None:
    """For POSTs whose body is optional: none at all is fine, but a body must be JSON."""
    has_body = (
        request.headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in request.headers
    )
    if has_body and not _is_json(request.headers.get("content-type", "")):
        raise UnsupportedMediaType("Content-Type must be application/json")


JsonIfBody = Annotated[None, Depends(require_json_if_body)]


async def impersonate(session: Any, principal: Principal, who: str) -> Principal:
    """The same credential acting as another member of its organisation (its scopes unchanged)."""
    if not principal.is_admin:
        raise Forbidden(IMPERSONATION_FORBIDDEN, code="impersonation_forbidden")
    value = who.strip()
    if not value:
        raise BadRequest("X-Impersonate-User is empty: give a user id or email", code="invalid_impersonation")
    stmt = (
        select(User.id, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.org_id == principal.org_id)
        .where(or_(User.id == value, User.email == value.lower()))
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        raise BadRequest(
            f"X-Impersonate-User: no member of this workspace has the id or email '{value}'",
            code="unknown_impersonated_user",
        )
    return replace(principal, user_id=row.id, role=row.role)


def requires(*scopes: str) -> Any:
    check = Requires(*scopes, policy=INBOX)

    async def dependency(
        session: ReadSession,
        principal: Principal = Depends(check),
        x_impersonate_user: Annotated[
            str | None,
            Header(
                alias="X-Impersonate-User",
                description="Act as another member of the workspace (user id or email); owner or admin tokens",
            ),
        ] = None,
    ) -> Principal:
        if x_impersonate_user is None:
            return principal
        return await impersonate(session, principal, x_impersonate_user)

    return Depends(dependency)


def pagination(
    limit: Annotated[int, Query(ge=1, description="Items per page (default 50, max 100)")] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, description="Items to skip")] = 0,
) -> PageParams:
    return PageParams(limit=min(limit, MAX_LIMIT), offset=offset)


Pagination = Annotated[PageParams, Depends(pagination)]


def report(item: dict[str, Any], status_code: int = 200) -> JSONBody:
    return json_response(item, status_code)


def draft(item: dict[str, Any], status_code: int = 200) -> JSONBody:
    return json_response({"drafts": item}, status_code)


def drafts_page(items: list[dict[str, Any]], total: int, params: PageParams) -> JSONBody:
    return json_response(
        {"drafts": items, "meta": {"total": total, "limit": params.limit, "offset": params.offset}}
    )
