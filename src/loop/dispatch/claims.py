"""The issues agents hold right now: each active claim with its issue and when its lease runs out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.dispatch.models import ACTIVE, AgentSession
from loop.issues.models import Issue


async def active_claims(session: AsyncSession, org_id: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """Active claims, the soonest to expire first (call ``expire_leases`` first to drop run-out ones)."""
    rows = await session.execute(
        select(AgentSession, Issue.number, Issue.title, Issue.status)
        .join(Issue, Issue.id == AgentSession.issue_id)
        .where(AgentSession.org_id == org_id, AgentSession.status == ACTIVE, Issue.deleted_at.is_(None))
        .order_by(AgentSession.lease_expires_at, AgentSession.id)
        .limit(limit)
    )
    now = utcnow()
    return [
        {
            "sessionId": agent.id,
            "issueId": agent.issue_id,
            "number": number,
            "title": title,
            "status": status,
            "agentId": agent.agent_id,
            "claimedAt": agent.claimed_at,
            "heartbeatAt": agent.heartbeat_at,
            "leaseExpiresAt": agent.lease_expires_at,
            "leaseSecondsLeft": max(0, int((agent.lease_expires_at - now).total_seconds())),
        }
        for agent, number, title, status in rows
    ]


async def attempts_on_issue(
    session: AsyncSession, org_id: str, issue_id: str, *, limit: int = 20
) -> list[dict[str, Any]]:
    """The agent sessions that worked on an issue, newest first: who, when, and how each ended."""
    rows = await session.scalars(
        select(AgentSession)
        .where(AgentSession.org_id == org_id, AgentSession.issue_id == issue_id)
        .order_by(AgentSession.claimed_at.desc(), AgentSession.id.desc())
        .limit(limit)
    )
    return [
        {
            "agentId": agent.agent_id,
            "status": agent.status,
            "outcome": agent.outcome,
            "reason": agent.reason,
            "claimedAt": agent.claimed_at,
            "endedAt": agent.ended_at,
            "leaseExpiresAt": agent.lease_expires_at,
        }
        for agent in rows
    ]
