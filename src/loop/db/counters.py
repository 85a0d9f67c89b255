"""Atomic per-organisation counters (one upsert statement, valid on SQLite >= 3.35 and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from loop.orgs.models import OrgCounter


async def next_value(session: AsyncSession, org_id: str, name: str) -> int:
    """Increment and return the counter. The row lock it takes serialises concurrent callers until their
    transactions end, so a rolled-back caller leaves no gap."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(OrgCounter).values(org_id=org_id, name=name, value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[OrgCounter.org_id, OrgCounter.name], set_={"value": OrgCounter.value + 1}
    ).returning(OrgCounter.value)
    return (await session.execute(stmt)).scalar_one()
