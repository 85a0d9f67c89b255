"""Fast bulk creation of ready (todo) issues, for load tests and benchmarks.

Rows are inserted with one multi-row statement per batch, with their queue key computed here, instead of one
request per issue. Issue numbers continue the organisation's sequence.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.core.ids import new_id
from loop.db.counters import next_value
from loop.dispatch import scoring
from loop.issues.models import ISSUE_TYPES, Issue
from loop.orgs.models import OrgCounter


async def insert_todo_issues(
    session: AsyncSession, org_id: str, count: int, *, seed: int = 1, batch: int = 2000
) -> list[dict[str, Any]]:
    """``count`` todo issues with random priority, type and age (up to 30 days in the queue). Returns the rows
    (id, number, priority, type, todo_since, sort_key)."""
    rng = random.Random(seed)
    now = utcnow()
    first = await next_value(session, org_id, "issue_number")
    rows: list[dict[str, Any]] = []
    for n in range(count):
        priority = rng.randint(0, 4)
        type_ = rng.choice(ISSUE_TYPES)
        since = now - timedelta(seconds=rng.randint(0, 30 * 86_400), microseconds=rng.randint(0, 999_999))
        rows.append(
            {
                "id": new_id(),
                "org_id": org_id,
                "number": first + n,
                "title": f"Load issue {first + n}",
                "type": type_,
                "status": "todo",
                "priority": priority,
                "todo_since": since,
                "sort_key": scoring.queue_key(scoring.static_score(priority, type_, False), since),
                "created_at": since,
                "updated_at": since,
            }
        )
    for start in range(0, len(rows), batch):
        await session.execute(insert(Issue), rows[start : start + batch])
    if count > 1:
        await session.execute(
            update(OrgCounter)
            .where(OrgCounter.org_id == org_id, OrgCounter.name == "issue_number")
            .values(value=first + count - 1)
        )
    return rows
