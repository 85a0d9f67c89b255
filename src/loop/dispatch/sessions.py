"""How agent sessions end, and what their end does to the issue and to the prompt version's figures.

- ``completed``: the issue reached ``done`` (counts as a completion of the version, with its duration).
- ``canceled``: the issue was canceled (or deleted) while claimed.
- ``released``: the agent gave the issue back, or someone moved it out of ``in_progress``.
- ``expired``: the lease ran out; the issue goes back to the queue with its original age.

Every end but ``completed`` is a failed session of the version (its completion rate drops). Expiry is lazy:
``expire_leases`` runs at the start of claims, queue reads, heartbeats and dashboard reads.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from loop.core.clock import utcnow
from loop.dispatch import keys
from loop.dispatch.models import ACTIVE, AgentSession
from loop.issues import events
from loop.issues.events import on_deleted, on_status_changed
from loop.issues.models import CLOSED_STATUSES
from loop.prompts.models import PromptVersion

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from loop.issues.models import Issue


def _ms(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() * 1000.0


async def _count_outcome(
    session: AsyncSession, version_id: str | None, completed: bool, duration_ms: float
) -> None:
    if version_id is None:
        return
    values: dict[str, object] = {"sessions_ended": PromptVersion.sessions_ended + 1}
    if completed:
        values["sessions_completed"] = PromptVersion.sessions_completed + 1
        values["completed_duration_ms"] = PromptVersion.completed_duration_ms + duration_ms
    await session.execute(
        update(PromptVersion)
        .where(PromptVersion.id == version_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def end_session(
    session: AsyncSession, agent_session: AgentSession, outcome: str, *, reason: str | None = None
) -> None:
    now = utcnow()
    agent_session.status = outcome
    agent_session.outcome = outcome
    agent_session.reason = reason
    agent_session.ended_at = now
    await _count_outcome(
        session, agent_session.version_id, outcome == "completed", _ms(agent_session.claimed_at, now)
    )


async def active_session(session: AsyncSession, org_id: str, issue_id: str) -> AgentSession | None:
    return await session.scalar(
        select(AgentSession)
        .where(
            AgentSession.org_id == org_id,
            AgentSession.issue_id == issue_id,
            AgentSession.status == ACTIVE,
        )
        .order_by(AgentSession.claimed_at.desc())
        .limit(1)
    )


async def requeue(session: AsyncSession, org_id: str, issue: Issue, queued_since: datetime | None) -> None:
    """Put a claimed issue back in the queue, with the age it had when it was claimed."""
    now = utcnow()
    previous = issue.status
    issue.status = "todo"
    issue.todo_since = queued_since or now
    issue.completed_at = None
    issue.updated_at = now
    await keys.refresh_issue(session, org_id, issue)
    await events.status_changed(session, org_id, issue, previous)


# Hot paths (claims, queue reads) sweep an organisation's leases at most this often per process; the paths
# that act on one claim (heartbeat, release) always sweep.
SWEEP_INTERVAL = timedelta(seconds=1)
_last_sweep: dict[str, datetime] = {}


async def expire_leases(session: AsyncSession, org_id: str, *, force: bool = False) -> int:
    """End every session of the organisation whose lease has run out; their issues go back to the queue."""
    from loop.issues.models import Issue

    now = utcnow()
    last = _last_sweep.get(org_id)
    if not force and last is not None and last <= now < last + SWEEP_INTERVAL:
        return 0
    if len(_last_sweep) > 10_000:
        _last_sweep.clear()
    _last_sweep[org_id] = now
    expired = list(
        await session.scalars(
            select(AgentSession)
            .where(
                AgentSession.org_id == org_id,
                AgentSession.status == ACTIVE,
                AgentSession.lease_expires_at < now,
            )
            .with_for_update(skip_locked=True)
        )
    )
    for agent_session in expired:
        await end_session(session, agent_session, "expired", reason="lease expired")
        issue = await session.get(Issue, agent_session.issue_id, with_for_update=True)
        if issue is not None and issue.status == "in_progress" and issue.deleted_at is None:
            await requeue(session, org_id, issue, agent_session.queued_since)
    if expired:
        await session.flush()
    return len(expired)


@on_status_changed
async def blockers_follow(session: AsyncSession, org_id: str, issue: Issue, previous: str) -> None:
    """An issue that closes (or reopens) stops (or starts again) blocking the issues it blocks."""
    if (previous in CLOSED_STATUSES) != (issue.status in CLOSED_STATUSES):
        await keys.refresh_blocked(session, org_id, await keys.blocked_ids(session, org_id, issue.id))


@on_status_changed
async def on_status_change(session: AsyncSession, org_id: str, issue: Issue, previous: str) -> None:
    """An issue that leaves ``in_progress`` by any other path than dispatch closes its open session."""
    if previous != "in_progress":
        return
    agent_session = await active_session(session, org_id, issue.id)
    if agent_session is None or agent_session.status != ACTIVE:  # ended by dispatch in this transaction
        return
    if issue.status == "done":
        outcome, reason = "completed", None
    elif issue.status == "canceled":
        outcome, reason = "canceled", "issue canceled"
    else:
        outcome, reason = "released", f"issue moved to {issue.status}"
    await end_session(session, agent_session, outcome, reason=reason)
    await session.flush()


@on_deleted
async def end_claim_of_deleted(session: AsyncSession, org_id: str, issue: Issue) -> None:
    """A claimed issue that is deleted ends its session at once (no agent can finish it), instead of holding
    a lease until it runs out."""
    agent_session = await active_session(session, org_id, issue.id)
    if agent_session is not None:
        await end_session(session, agent_session, "canceled", reason="issue deleted")
        await session.flush()
