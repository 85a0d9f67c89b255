"""Relations between issues: ``blocks`` / ``blocked_by`` (two views of one fact, stored once from the
blocker to the blocked issue), ``related`` and ``duplicate`` (symmetric for duplicate detection).

Rules: both issues live and in the same organisation, not the same issue, no duplicate fact, and no cycle
among blocking relations. The blocking queries dispatch needs live here too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.core.errors import Conflict, NotFound, Unprocessable
from loop.dispatch import keys as dispatch_keys
from loop.issues.models import CLOSED_STATUSES, RELATION_TYPES, Issue, IssueRelation
from loop.issues.repository import (
    SUMMARY_COLUMNS,
    IssueRepository,
    RelationRepository,
    lock_issue_graph,
    open_blocker_exists,
)
from loop.issues.service import ISSUE_NOT_FOUND

RELATION_NOT_FOUND = "Relation not found"
RELATED_NOT_FOUND = "Related issue not found"
SAME_ISSUE = "Cannot create a relation to the same issue"
DUPLICATE = "Relation already exists"


def relation_to_api(
    relation_id: str, type_: str, issue_id: str, related_id: str, created_at: Any
) -> dict[str, Any]:
    return {
        "id": relation_id,
        "type": type_,
        "issueId": issue_id,
        "relatedIssueId": related_id,
        "createdAt": created_at,
    }


async def create_relation(
    session: AsyncSession, org_id: str, issue_id: str, type_: str, related_issue_id: str
) -> dict[str, Any]:
    """Record a relation and return it as the caller stated it (``blocked_by`` stays ``blocked_by``)."""
    if type_ not in RELATION_TYPES:
        raise ValueError(f"unknown relation type {type_!r}")
    issues = IssueRepository(session, org_id)
    issue = await issues.get_live(issue_id)
    if issue is None:
        raise NotFound(ISSUE_NOT_FOUND)
    other = await issues.get_live(related_issue_id)
    if other is None:
        raise Unprocessable(RELATED_NOT_FOUND, code="related_issue_not_found")
    if other.id == issue.id:
        raise Unprocessable(SAME_ISSUE, code="self_relation")
    if type_ == "blocked_by":
        stored, source, target = "blocks", other, issue
    else:
        stored, source, target = type_, issue, other

    await lock_issue_graph(session, org_id)
    relations = RelationRepository(session, org_id)
    if await relations.find(stored, source.id, target.id) is not None:
        raise Conflict(DUPLICATE, code="relation_exists")
    if stored != "blocks" and await relations.find(stored, target.id, source.id) is not None:
        raise Conflict(DUPLICATE, code="relation_exists")
    if stored == "blocks" and await _blocks_path(relations, target.id, source.id):
        raise Unprocessable(
            f"Blocking relations cannot form a cycle: #{target.number} already blocks #{source.number} "
            "(directly or through other issues)",
            code="relation_cycle",
        )
    relation = relations.add(
        IssueRelation(type=stored, issue_id=source.id, related_issue_id=target.id, created_at=utcnow())
    )
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(DUPLICATE, code="relation_exists") from exc
    if stored == "blocks":
        await dispatch_keys.refresh_blocked(session, org_id, [target.id])
    return relation_to_api(relation.id, type_, issue.id, other.id, relation.created_at)


async def _blocks_path(relations: RelationRepository, start: str, target: str) -> bool:
    """Whether ``start`` blocks ``target`` through a chain of ``blocks`` facts (breadth first, one query
    per level)."""
    seen = {start}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for chunk in range(0, len(frontier), 500):
            for _, blocked in await relations.blocked_targets(frontier[chunk : chunk + 500]):
                if blocked == target:
                    return True
                if blocked not in seen:
                    seen.add(blocked)
                    following.append(blocked)
        frontier = following
    return False


async def delete_relation(session: AsyncSession, org_id: str, relation_id: str) -> None:
    relations = RelationRepository(session, org_id)
    relation = await relations.get(relation_id)
    if relation is None:
        raise NotFound(RELATION_NOT_FOUND)
    blocked = relation.related_issue_id if relation.type == "blocks" else None
    await session.delete(relation)
    await session.flush()
    if blocked is not None:
        await dispatch_keys.refresh_blocked(session, org_id, [blocked])


# -- blocking, for dispatch and for "what did finishing this unblock" ---------------------------------------
async def is_blocked(session: AsyncSession, org_id: str, issue_id: str) -> bool:
    """Whether some live issue that is neither done nor canceled blocks ``issue_id``."""
    return bool((await session.execute(select(open_blocker_exists(issue_id, org_id)))).scalar())


async def open_blockers(session: AsyncSession, org_id: str, issue_id: str) -> list[dict[str, Any]]:
    """The live, unfinished issues that block ``issue_id`` (id, number, title, status), oldest first."""
    stmt = (
        select(*SUMMARY_COLUMNS)
        .join(IssueRelation, IssueRelation.issue_id == Issue.id)
        .where(
            IssueRelation.org_id == org_id,
            IssueRelation.type == "blocks",
            IssueRelation.related_issue_id == issue_id,
            Issue.deleted_at.is_(None),
            Issue.status.not_in(sorted(CLOSED_STATUSES)),
        )
        .order_by(Issue.created_at, Issue.id)
    )
    return [dict(row._mapping) for row in (await session.execute(stmt)).all()]


async def issues_blocked_by(
    session: AsyncSession, org_id: str, blocker_id: str, *, only_unblocked: bool = False
) -> list[str]:
    """Ids of the live issues ``blocker_id`` blocks, oldest first. With ``only_unblocked``, just those with
    no other open blocker: the issues that finishing ``blocker_id`` frees."""
    stmt = (
        select(Issue.id)
        .join(IssueRelation, IssueRelation.related_issue_id == Issue.id)
        .where(
            IssueRelation.org_id == org_id,
            IssueRelation.type == "blocks",
            IssueRelation.issue_id == blocker_id,
            Issue.deleted_at.is_(None),
        )
        .order_by(Issue.created_at, Issue.id)
    )
    ids = list((await session.execute(stmt)).scalars().all())
    if not only_unblocked or not ids:
        return ids
    others = (
        select(IssueRelation.related_issue_id)
        .join(Issue, Issue.id == IssueRelation.issue_id)
        .where(
            IssueRelation.org_id == org_id,
            IssueRelation.type == "blocks",
            IssueRelation.related_issue_id.in_(ids),
            IssueRelation.issue_id != blocker_id,
            Issue.deleted_at.is_(None),
            Issue.status.not_in(sorted(CLOSED_STATUSES)),
        )
    )
    still_blocked = set((await session.execute(others)).scalars().all())
    return [issue_id for issue_id in ids if issue_id not in still_blocked]
