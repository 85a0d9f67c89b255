"""Rules the developer API's modules share: plan quotas, enum checks with the documented messages, and the
"whole list" pagination of projects and board lists (the docs show ``meta.limit: 100`` there)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.config import Settings
from loop.core.clock import utcnow
from loop.core.errors import BadRequest
from loop.core.pagination import PageParams
from loop.orgs.models import Organisation
from loop.surfaces.developer import MAX_LIMIT


def effective_plan(plan: str, trial_ends_at: datetime | None) -> str:
    """The plan whose quotas apply: an active trial is Pro, an ended one is Starter."""
    if plan == "trial":
        return "pro" if trial_ends_at is None or trial_ends_at > utcnow() else "starter"
    return plan if plan in ("starter", "pro", "business") else "starter"


def plan_quota(settings: Settings, resource: str, plan: str) -> int | None:
    """The plan's limit for ``resource`` (projects, feedback), or None when unlimited."""
    value = int(getattr(settings, f"quota_{resource}_{plan}", 0) or 0)
    return value if value > 0 else None


async def lock_organisation(session: AsyncSession, org_id: str) -> Organisation:
    """The organisation row, locked until the transaction ends (PostgreSQL; SQLite writers are serialised
    already), so that two requests cannot both take the last unit of a quota."""
    stmt = select(Organisation).where(Organisation.id == org_id).with_for_update()
    return (await session.execute(stmt)).scalar_one()


def check_choice(value: str | None, allowed: Iterable[str], message: str) -> str | None:
    """``value`` if it is one of ``allowed`` (or None); otherwise 400 with the documented message."""
    if value is None:
        return None
    allowed = tuple(allowed)
    if value not in allowed:
        raise BadRequest(message, code="invalid_value", allowed=list(allowed))
    return value


def validate(model: type[BaseModel], data: Any) -> Any:
    """Validate ``data`` with ``model`` and turn the first problem into a 400 that names the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ())) or "body",
                "location": "body",
                "message": err.get("msg", "Invalid value"),
            }
            for err in exc.errors()
        ]
        first = details[0]
        raise BadRequest(
            f"Invalid '{first['field']}': {first['message']}", code="validation_error", details=details
        ) from exc


def whole_list(
    limit: Annotated[int, Query(ge=1, description="Items per page (default and max 100)")] = MAX_LIMIT,
    offset: Annotated[int, Query(ge=0, description="Items to skip")] = 0,
) -> PageParams:
    return PageParams(limit=min(limit, MAX_LIMIT), offset=offset)


WholeList = Annotated[PageParams, Depends(whole_list)]
