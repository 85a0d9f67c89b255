"""The claim's writes: the new agent session, the issue taken off the queue, the template version's usage.

Built once as Core statements: the ORM's unit of work costs more than the statements themselves, and the
claim writes the same three rows every time. On PostgreSQL the three writes are one statement (two
data-modifying ``WITH`` parts and the issue's update), so a claim pays one round trip for them instead of
three; SQLite, which has no data-modifying ``WITH``, runs them one after the other in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from loop.dispatch.models import AgentSession
from loop.issues.models import Issue
from loop.prompts.models import PromptVersion

SESSION_COLUMNS = tuple(column.name for column in AgentSession.__table__.c)

_sessions, _issues, _versions = AgentSession.__table__, Issue.__table__, PromptVersion.__table__

# Parameters are prefixed: a bound parameter of an UPDATE may not share a column's name.
_INSERT_SESSION = insert(_sessions).values({name: bindparam(f"s_{name}") for name in SESSION_COLUMNS})
_TAKE_ISSUE = (
    update(_issues)
    .where(_issues.c.id == bindparam("b_issue_id"))
    .values(
        status="in_progress",
        todo_since=None,
        sort_key=None,
        completed_at=None,
        updated_at=bindparam("b_now"),
        agent_session_id=bindparam("b_session_id"),
    )
)
# A version's usage; a null version (no template matched) matches no row.
_COUNT_USE = (
    update(_versions)
    .where(_versions.c.id == bindparam("b_version_id"))
    .values(usage_count=_versions.c.usage_count + 1)
)
_SESSION_AND_ISSUE = _TAKE_ISSUE.add_cte(_INSERT_SESSION.cte("new_session"))
_ALL_IN_ONE = _SESSION_AND_ISSUE.add_cte(_COUNT_USE.cte("usage"))


def _params(values: dict[str, Any], now: datetime) -> dict[str, Any]:
    params = {f"s_{name}": values[name] for name in SESSION_COLUMNS}
    params.update(
        b_issue_id=values["issue_id"],
        b_now=now,
        b_session_id=values["id"],
        b_version_id=values["version_id"],
    )
    return params


async def record_claim(
    session: AsyncSession, values: dict[str, Any], now: datetime, *, count_use: bool = True
) -> None:
    """Write a claim: ``values`` is the new session's row (every column of ``agent_sessions``); its issue
    becomes ``in_progress`` and leaves the queue, and (with ``count_use``) its template version counts one
    more use. The version's row is shared by every claim it writes, so that count must be the transaction's
    last write: a caller with more work to do after this passes ``count_use=False`` and calls
    ``count_use`` last."""
    params = _params(values, now)
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_ALL_IN_ONE if count_use else _SESSION_AND_ISSUE, params)
        return
    await session.execute(_INSERT_SESSION, params)
    await session.execute(_TAKE_ISSUE, params)
    if count_use:
        await session.execute(_COUNT_USE, params)


async def count_use(session: AsyncSession, version_id: str | None) -> None:
    """One more use of a template version (none without a version)."""
    if version_id is not None:
        await session.execute(_COUNT_USE, {"b_version_id": version_id})
