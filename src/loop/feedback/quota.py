"""The plan's monthly feedback quota, shared by every channel (widget, API).

Usage is an atomic per-organisation counter per calendar month (UTC): the increment is part of the
transaction that stores the item, so a refused or failed submission uses nothing, two submissions can never
both take the last unit, and deleting an item does not give its unit back.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.config import Settings
from loop.core.clock import utcnow
from loop.core.errors import Forbidden
from loop.db.counters import next_value
from loop.orgs.models import Organisation, OrgCounter
from loop.projects.developer_support import effective_plan, plan_quota

QUOTA_MESSAGE = "Monthly feedback limit reached for your plan"


def counter_name() -> str:
    return f"feedback_month:{utcnow():%Y-%m}"


async def consume(session: AsyncSession, settings: Settings, org: Organisation) -> int:
    """Take one unit of this month's quota (raising 403 when it is spent); returns the month's usage."""
    used = await next_value(session, org.id, counter_name())
    limit = plan_quota(settings, "feedback", effective_plan(org.plan, org.trial_ends_at))
    if limit is not None and used > limit:
        raise Forbidden(QUOTA_MESSAGE, code="feedback_quota_exceeded", limit=limit)
    return used


async def used_this_month(session: AsyncSession, org_id: str) -> int:
    stmt = select(OrgCounter.value).where(OrgCounter.org_id == org_id, OrgCounter.name == counter_name())
    return (await session.execute(stmt)).scalar_one_or_none() or 0
