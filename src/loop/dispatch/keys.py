"""Keeping ``issues.sort_key`` current (see ``loop.dispatch.scoring``).

An issue carries a sort key exactly while it is ready: ``todo``, not deleted and not blocked (no live issue that
is neither done nor canceled blocks it), so blocked work never sits in the queue index. The key changes when
the issue's priority, type, project or status changes (the issues service calls ``refresh_issue``), when a
``blocks`` relation to it appears or disappears or its blocker opens, closes or is deleted (``refresh_blocked``),
and when a goal of its project starts or stops being active (the goals service calls ``refresh_projects``).
The claim still checks for open blockers, so a key that was not cleared can never hand out blocked work.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import exists, select, update

from loop.dispatch import scoring
from loop.goals.models import Goal

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from loop.issues.models import Issue


def _active_goal(org_id: str, project_id: str):  # type: ignore[no-untyped-def]
    return exists().where(
        Goal.org_id == org_id,
        Goal.project_id == project_id,
        Goal.status == "active",
        Goal.deleted_at.is_(None),
    )


async def has_active_goal(session: AsyncSession, org_id: str, project_id: str | None) -> bool:
    if project_id is None:
        return False
    return bool(await session.scalar(select(_active_goal(org_id, project_id))))


def key_for(issue: Issue, has_goal: bool) -> int | None:
    if issue.status != "todo" or issue.deleted_at is not None or issue.todo_since is None:
        return None
    return scoring.queue_key(scoring.static_score(issue.priority, issue.type, has_goal), issue.todo_since)


async def _blocked(session: AsyncSession, org_id: str, issue_id: str) -> bool:
    from loop.issues.repository import open_blocker_exists

    return bool(await session.scalar(select(open_blocker_exists(issue_id, org_id))))


async def refresh_issue(session: AsyncSession, org_id: str, issue: Issue) -> None:
    """Set the issue's key from its current fields and blockers (the caller flushes; relations must be
    flushed already)."""
    if issue.status != "todo" or issue.deleted_at is not None or issue.todo_since is None:
        issue.sort_key = None
        return
    if await _blocked(session, org_id, issue.id):
        issue.sort_key = None
        return
    issue.sort_key = key_for(issue, await has_active_goal(session, org_id, issue.project_id))


async def blocked_ids(session: AsyncSession, org_id: str, blocker_id: str) -> list[str]:
    """The issues ``blocker_id`` blocks (whatever their state)."""
    from loop.issues.models import IssueRelation

    rows = await session.scalars(
        select(IssueRelation.related_issue_id).where(
            IssueRelation.org_id == org_id,
            IssueRelation.type == "blocks",
            IssueRelation.issue_id == blocker_id,
        )
    )
    return list(rows)


async def refresh_blocked(session: AsyncSession, org_id: str, issue_ids: Iterable[str]) -> None:
    """Recompute the keys of these (blocked or formerly blocked) issues, after the change is flushed."""
    from loop.issues.models import Issue

    ids = sorted(set(issue_ids))
    if not ids:
        return
    await session.flush()
    rows = await session.scalars(
        select(Issue).where(
            Issue.org_id == org_id, Issue.id.in_(ids), Issue.status == "todo", Issue.deleted_at.is_(None)
        )
    )
    for issue in rows:
        await refresh_issue(session, org_id, issue)
    await session.flush()


async def refresh_projects(session: AsyncSession, org_id: str, project_ids: Iterable[str | None]) -> None:
    """Recompute the keys of the queued issues of these projects (a goal of theirs changed)."""
    from loop.issues.models import Issue

    wanted = sorted({p for p in project_ids if p})
    if not wanted:
        return
    await session.flush()
    for project_id in wanted:
        has_goal = await has_active_goal(session, org_id, project_id)
        rows = (
            await session.execute(
                select(Issue.id, Issue.priority, Issue.type, Issue.todo_since).where(
                    Issue.org_id == org_id,
                    Issue.project_id == project_id,
                    Issue.sort_key.is_not(None),
                )
            )
        ).all()
        params = [
            {
                "id": row.id,
                "sort_key": scoring.queue_key(
                    scoring.static_score(row.priority, row.type, has_goal), row.todo_since
                ),
            }
            for row in rows
        ]
        if params:
            await session.execute(update(Issue), params)
