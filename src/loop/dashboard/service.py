"""Dashboard figures (§3.8), each in a few grouped queries (no query per row).

- ``stats``: issues by status and type, goals by status, and dispatch figures where ``queueDepth`` is the
  number of issues a claim could take now (todo, not blocked), not todo + backlog.
- ``activity``: chains (a parentless issue and its children) ordered by their latest activity, the root's or
  any child's; the page is cut after that ordering, and ``total`` is the number of chains.
- ``prompts``: per live template its active version (through the template's pointer), its 5 newest versions,
  the review averages as numbers, and whether it needs attention.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.dispatch.service import ready_conditions
from loop.dispatch.sessions import expire_leases
from loop.goals.models import Goal
from loop.issues.models import Issue, IssueRelation
from loop.issues.schemas import issue_to_api
from loop.prompts import reviews as review_rules
from loop.prompts.models import PromptReview, PromptTemplate, PromptVersion
from loop.prompts.service import template_to_api, version_to_api


async def stats(session: AsyncSession, org_id: str) -> dict[str, Any]:
    await expire_leases(session, org_id)
    by_status: dict[str, int] = {}
    by_type: dict[str, int] = {}
    total = 0
    rows = await session.execute(
        select(Issue.status, Issue.type, func.count())
        .where(Issue.org_id == org_id, Issue.deleted_at.is_(None))
        .group_by(Issue.status, Issue.type)
    )
    for status, type_, count in rows:
        by_status[status] = by_status.get(status, 0) + count
        by_type[type_] = by_type.get(type_, 0) + count
        total += count
    goal_counts = dict(
        (
            await session.execute(
                select(Goal.status, func.count())
                .where(Goal.org_id == org_id, Goal.deleted_at.is_(None))
                .group_by(Goal.status)
            )
        ).all()
    )
    queue_depth = await session.scalar(
        select(func.count()).select_from(Issue).where(and_(*ready_conditions(org_id)))
    )
    completed = await session.scalar(
        select(func.count())
        .select_from(Issue)
        .where(
            Issue.org_id == org_id,
            Issue.deleted_at.is_(None),
            Issue.status == "done",
            Issue.completed_at >= utcnow() - timedelta(hours=24),
        )
    )
    todo = by_status.get("todo", 0)
    return {
        "issues": {"total": total, "byStatus": by_status, "byType": by_type},
        "goals": {
            "total": sum(goal_counts.values()),
            "active": goal_counts.get("active", 0),
            "achieved": goal_counts.get("achieved", 0),
        },
        "dispatch": {
            "queueDepth": queue_depth or 0,
            "blockedCount": todo - (queue_depth or 0),
            "activeCount": by_status.get("in_progress", 0),
            "completedLast24h": completed or 0,
        },
    }


def _relation(row: IssueRelation) -> dict[str, Any]:
    return {
        "id": row.id,
        "type": row.type,
        "issueId": row.issue_id,
        "relatedIssueId": row.related_issue_id,
        "createdAt": row.created_at,
    }


async def activity(session: AsyncSession, org_id: str, *, limit: int, offset: int) -> tuple[list[Any], int]:
    live = and_(Issue.org_id == org_id, Issue.deleted_at.is_(None))
    total = await session.scalar(
        select(func.count()).select_from(Issue).where(live, Issue.parent_id.is_(None))
    )
    root_id = func.coalesce(Issue.parent_id, Issue.id)
    latest = func.max(Issue.updated_at)
    chains = (
        await session.execute(
            select(root_id.label("root_id"), latest.label("latest"))
            .where(live)
            .group_by(root_id)
            .order_by(latest.desc(), root_id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    ids = [row.root_id for row in chains]
    if not ids:
        return [], total or 0
    roots = {r.id: r for r in await session.scalars(select(Issue).where(live, Issue.id.in_(ids)))}
    children = list(
        await session.scalars(
            select(Issue).where(live, Issue.parent_id.in_(ids)).order_by(Issue.created_at, Issue.id)
        )
    )
    relations: dict[str, list[Any]] = {}
    if children:
        for rel in await session.scalars(
            select(IssueRelation)
            .where(IssueRelation.org_id == org_id, IssueRelation.issue_id.in_([c.id for c in children]))
            .order_by(IssueRelation.created_at, IssueRelation.id)
        ):
            relations.setdefault(rel.issue_id, []).append(_relation(rel))
    by_root: dict[str, list[Any]] = {}
    for child in children:
        by_root.setdefault(child.parent_id or "", []).append(
            {"issue": issue_to_api(child), "relations": relations.get(child.id, [])}
        )
    out = []
    for row in chains:
        root = roots.get(row.root_id)
        if root is None:  # a child whose parent is gone cannot happen (deletes detach children); be safe
            continue
        out.append(
            {"root": issue_to_api(root), "children": by_root.get(root.id, []), "latestActivity": row.latest}
        )
    return out, total or 0


async def prompts(session: AsyncSession, org_id: str) -> list[dict[str, Any]]:
    templates = list(
        await session.scalars(
            select(PromptTemplate)
            .where(PromptTemplate.org_id == org_id, PromptTemplate.deleted_at.is_(None))
            .order_by(PromptTemplate.created_at, PromptTemplate.id)
        )
    )
    if not templates:
        return []
    ids = [t.id for t in templates]
    rank = (
        func.row_number()
        .over(partition_by=PromptVersion.template_id, order_by=PromptVersion.version.desc())
        .label("rank")
    )
    ranked = select(PromptVersion.id, rank).where(PromptVersion.template_id.in_(ids)).subquery()
    recent_ids = select(ranked.c.id).where(ranked.c.rank <= 5)
    active_ids = [t.active_version_id for t in templates if t.active_version_id]
    versions = {
        v.id: v
        for v in await session.scalars(
            select(PromptVersion).where(
                PromptVersion.org_id == org_id,
                PromptVersion.id.in_(recent_ids) | PromptVersion.id.in_(active_ids),
            )
        )
    }
    summaries = {
        row.template_id: row
        for row in await session.execute(
            select(
                PromptReview.template_id,
                func.count().label("total"),
                func.avg(PromptReview.clarity).label("clarity"),
                func.avg(PromptReview.completeness).label("completeness"),
                func.avg(PromptReview.relevance).label("relevance"),
            )
            .where(PromptReview.org_id == org_id, PromptReview.template_id.in_(ids))
            .group_by(PromptReview.template_id)
        )
    }
    out = []
    for template in templates:
        active = versions.get(template.active_version_id or "")
        recent = sorted(
            (v for v in versions.values() if v.template_id == template.id), key=lambda v: -v.version
        )[:5]
        summary = summaries.get(template.id)
        active_view = version_to_api(active) if active else None
        score = active.review_score if active else None
        completion = active_view["completionRate"] if active_view else None
        out.append(
            {
                "template": template_to_api(template),
                "activeVersion": active_view,
                "recentVersions": [version_to_api(v) for v in recent],
                "reviewSummary": {
                    "totalReviews": summary.total if summary else 0,
                    "avgClarity": float(summary.clarity) if summary else None,
                    "avgCompleteness": float(summary.completeness) if summary else None,
                    "avgRelevance": float(summary.relevance) if summary else None,
                    "compositeScore": score,
                },
                "needsAttention": review_rules.needs_attention(score, completion),
            }
        )
    return out
