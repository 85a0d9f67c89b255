"""Dispatch: hand the most urgent ready issue to an agent, with its prompt, under a lease.

The claim is one transaction: expire run-out leases, take the first row of the queue index (PostgreSQL:
``FOR UPDATE SKIP LOCKED``, so concurrent claimers take different rows; SQLite: writers are serialised by
``BEGIN IMMEDIATE``), mark it ``in_progress``, select its template and render the prompt, record the session.
If rendering fails the whole transaction rolls back: the issue stays in the queue (§8 C6).

An ``Idempotency-Key`` (per credential) makes a retried claim return the claim it already made.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from loop.auth.principal import Principal
from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Conflict, NotFound, Unprocessable
from loop.core.ids import new_id
from loop.dispatch import scoring
from loop.dispatch.models import ACTIVE, AgentSession
from loop.dispatch.repository import count_use, record_claim
from loop.dispatch.sessions import active_session, end_session, expire_leases, requeue
from loop.issues import events
from loop.issues.models import Issue, IssueLabel
from loop.issues.repository import open_blocker_exists
from loop.issues.schemas import issue_to_api
from loop.labels.models import Label
from loop.prompts.errors import TemplateError
from loop.prompts.hydrate import claim_meta, prompt_for_issue
from loop.prompts.models import PromptTemplate, PromptVersion
from loop.prompts.repository import ContextHints, context_hint_columns

ISSUE_NOT_FOUND = "Issue not found"
MAX_LABEL_FILTERS = 20


@dataclass(frozen=True)
class DispatchOptions:
    """How long a claim's lease lasts, and the base URL prompts give the agent."""

    lease_seconds: int = 1800
    loop_url: str = "http://127.0.0.1:5667"

    @classmethod
    def from_settings(cls, settings: Any) -> DispatchOptions:
        return cls(lease_seconds=settings.dispatch_lease_s, loop_url=settings.base_url)


DEFAULT_OPTIONS = DispatchOptions()


@dataclass(frozen=True)
class QueueFilter:
    project_id: str | None = None
    labels: tuple[str, ...] = ()


def parse_labels(raw: str | Sequence[str] | None) -> tuple[str, ...]:
    """``labels=a,b`` (or repeated): the issue must carry every one of these label names."""
    if raw is None:
        return ()
    parts = [raw] if isinstance(raw, str) else list(raw)
    names = tuple(dict.fromkeys(p.strip() for part in parts for p in part.split(",") if p.strip()))
    if len(names) > MAX_LABEL_FILTERS:
        raise BadRequest(f"Invalid 'labels': at most {MAX_LABEL_FILTERS} names", code="validation_error")
    return names


def _queue_conditions(org_id: Any, project_id: Any, labels: Sequence[Any]) -> list[Any]:
    """The ready issues of an organisation (optionally of one project, carrying every one of ``labels``);
    the arguments are values or bound parameters."""
    conditions: list[Any] = [
        Issue.org_id == org_id,
        Issue.sort_key.is_not(None),
        ~open_blocker_exists(Issue.id, org_id),
    ]
    if project_id is not None:
        conditions.append(Issue.project_id == project_id)
    for name in labels:
        conditions.append(
            exists().where(
                IssueLabel.issue_id == Issue.id,
                Label.id == IssueLabel.label_id,
                Label.org_id == org_id,
                Label.deleted_at.is_(None),
                func.lower(Label.name) == name,
            )
        )
    return conditions


def ready_conditions(org_id: str, flt: QueueFilter | None = None) -> list[Any]:
    """The conditions of the dispatch queue (what ``GET /api/dispatch/queue`` lists) for a filter."""
    flt = flt or QueueFilter()
    return _queue_conditions(org_id, flt.project_id, [name.lower() for name in flt.labels])


QUEUE_ORDER = (Issue.sort_key, Issue.todo_since, Issue.number, Issue.id)


@functools.lru_cache(maxsize=64)
def _pick_statement(by_project: bool, label_count: int) -> Any:
    """The claim's pick, built once per filter shape: the first row of the queue index, locked (PostgreSQL
    skips rows other claims hold), with the hints that spare the prompt reads of parts the issue lacks and
    the status listeners that have nothing to do for it (computed for that one row only). Values are bound
    at execution (``org_id``, ``project_id``, ``label_0``…)."""
    labels = [bindparam(f"label_{i}") for i in range(label_count)]
    project = bindparam("project_id") if by_project else None
    first = (
        select(Issue)
        .where(and_(*_queue_conditions(bindparam("org_id"), project, labels)))
        .order_by(*QUEUE_ORDER)
        .limit(1)
        .with_for_update(skip_locked=True, of=Issue)
        .subquery("picked")
    )
    picked = aliased(Issue, first)
    return select(picked, *context_hint_columns(picked), *events.listener_columns(picked))


@dataclass(frozen=True)
class _Candidate:
    issue: Issue
    hints: ContextHints
    idle_listeners: frozenset[Any]


async def _next_candidate(session: AsyncSession, org_id: str, flt: QueueFilter) -> _Candidate | None:
    params: dict[str, Any] = {"org_id": org_id, "project_id": flt.project_id}
    params.update({f"label_{i}": name.lower() for i, name in enumerate(flt.labels)})
    stmt = _pick_statement(flt.project_id is not None, len(flt.labels))
    row = (await session.execute(stmt, params)).first()
    if row is None:
        return None
    return _Candidate(row[0], ContextHints.from_row(row), events.idle_listeners(row))


def session_to_api(s: AgentSession) -> dict[str, Any]:
    return {
        "id": s.id,
        "issueId": s.issue_id,
        "credentialId": s.credential_id,
        "agentId": s.agent_id,
        "templateId": s.template_id,
        "versionId": s.version_id,
        "status": s.status,
        "outcome": s.outcome,
        "reason": s.reason,
        "claimedAt": s.claimed_at,
        "heartbeatAt": s.heartbeat_at,
        "leaseExpiresAt": s.lease_expires_at,
        "endedAt": s.ended_at,
    }


async def _claim_meta(session: AsyncSession, agent_session: AgentSession) -> dict[str, Any] | None:
    """The template facts of an earlier claim (an idempotent retry returns the claim it already made)."""
    if agent_session.version_id is None:
        return None
    template = await session.get(PromptTemplate, agent_session.template_id)
    version = await session.get(PromptVersion, agent_session.version_id)
    if template is None or version is None:
        return None
    return claim_meta(template.slug, template.id, version.id, version.version)


def _claim_view(agent_session: AgentSession, issue: Issue, meta: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "issue": {
            "id": issue.id,
            "number": issue.number,
            "title": issue.title,
            "type": issue.type,
            "priority": issue.priority,
            "status": issue.status,
        },
        "prompt": agent_session.prompt,
        "meta": meta,
        "session": session_to_api(agent_session),
    }


async def claim(
    session: AsyncSession,
    principal: Principal,
    options: DispatchOptions = DEFAULT_OPTIONS,
    *,
    project_id: str | None = None,
    labels: Sequence[str] | None = None,
    idempotency_key: str | None = None,
    agent_id: str | None = None,
) -> dict[str, Any] | None:
    """Claim the next ready issue; None when nothing is ready. Raises Unprocessable (nothing claimed) when
    the chosen template fails to render."""
    org_id = principal.org_id
    if idempotency_key is not None:
        if not 1 <= len(idempotency_key) <= 200:
            raise BadRequest("Invalid 'Idempotency-Key': 1 to 200 characters", code="validation_error")
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            # Claims retried with one key run one after the other, so the retry finds the first claim.
            await session.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                {"key": f"dispatch-claim|{principal.credential_id}|{idempotency_key}"},
            )
        earlier = await session.scalar(
            select(AgentSession).where(
                AgentSession.org_id == org_id,
                AgentSession.credential_id == principal.credential_id,
                AgentSession.idempotency_key == idempotency_key,
            )
        )
        if earlier is not None:
            issue = await session.get(Issue, earlier.issue_id)
            assert issue is not None
            return _claim_view(earlier, issue, await _claim_meta(session, earlier))
    await expire_leases(session, org_id)
    flt = QueueFilter(project_id=project_id, labels=tuple(labels or ()))
    picked = await _next_candidate(session, org_id, flt)
    if picked is None:
        return None
    issue, hints = picked.issue, picked.hints
    now = utcnow()
    queued_since = issue.todo_since
    # Shown as claimed to the template; written to the row below, once the prompt exists.
    claimed = {
        "status": "in_progress",
        "todo_since": None,
        "sort_key": None,
        "completed_at": None,
        "updated_at": now,
    }
    for attribute, value in claimed.items():
        set_committed_value(issue, attribute, value)
    try:
        prompt = await prompt_for_issue(
            session,
            org_id,
            issue,
            loop_url=options.loop_url,
            lease_seconds=options.lease_seconds,
            hints=hints,
        )
    except TemplateError as exc:
        raise Unprocessable(
            f"The prompt template for issue #{issue.number} failed to render: {exc}. The issue was not "
            "claimed; fix or roll back the template version.",
            code="template_render_failed",
            issueId=issue.id,
        ) from None
    values = {
        "id": new_id(),
        "org_id": org_id,
        "issue_id": issue.id,
        "credential_id": principal.credential_id,
        "agent_id": agent_id,
        "template_id": prompt.template.id if prompt.template else None,
        "version_id": prompt.template.version_id if prompt.template else None,
        "status": ACTIVE,
        "outcome": None,
        "reason": None,
        "idempotency_key": idempotency_key,
        "prompt": prompt.text,
        "queued_since": queued_since,
        "claimed_at": now,
        "heartbeat_at": None,
        "lease_expires_at": now + timedelta(seconds=options.lease_seconds),
        "ended_at": None,
    }
    # The version's usage count is the last write (its row is shared by every claim the version writes), so
    # when a status listener has work for this issue, the count waits until the listeners are done.
    listeners_busy = bool(events.conditional_listeners() - picked.idle_listeners)
    if idempotency_key is None:
        await record_claim(session, values, now, count_use=not listeners_busy)
    else:
        try:
            async with session.begin_nested():
                await record_claim(session, values, now, count_use=not listeners_busy)
        except IntegrityError:
            # The same Idempotency-Key is being used by a concurrent claim of this token: let it win.
            raise Conflict(
                "A claim with this Idempotency-Key is in progress; retry to receive it",
                code="idempotency_conflict",
            ) from None
    set_committed_value(issue, "agent_session_id", values["id"])
    await events.status_changed(session, org_id, issue, "todo", skip=picked.idle_listeners)
    if listeners_busy:
        await count_use(session, values["version_id"])
    agent_session = AgentSession(**values)  # the row just written, for the answer; not in the session
    return _claim_view(agent_session, issue, prompt.meta())


# -- the queue ------------------------------------------------------------------------------------------------
def _breakdown(row: Issue, now: Any) -> tuple[float, dict[str, float]]:
    assert row.sort_key is not None and row.todo_since is not None
    static = (scoring.epoch_us(row.todo_since) - row.sort_key) // scoring.DAY_US
    pw = scoring.priority_weight(row.priority)
    tb = scoring.type_bonus(row.type)
    score = scoring.Score(
        priority_weight=pw,
        type_bonus=tb,
        goal_bonus=int(static - pw - tb),
        age_bonus=scoring.age_bonus(row.todo_since, now),
    )
    return score.total, score.breakdown()


async def queue(
    session: AsyncSession,
    org_id: str,
    *,
    project_id: str | None = None,
    labels: Sequence[str] | None = None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """The ready issues in exactly the order claims take them, with each score and its parts."""
    await expire_leases(session, org_id)
    flt = QueueFilter(project_id=project_id, labels=tuple(labels or ()))
    conditions = ready_conditions(org_id, flt)
    total = await session.scalar(select(func.count()).select_from(Issue).where(and_(*conditions))) or 0
    if total == 0 or offset >= total:
        return [], total
    rows = await session.scalars(
        select(Issue).where(and_(*conditions)).order_by(*QUEUE_ORDER).limit(limit).offset(offset)
    )
    now = utcnow()
    items = []
    for row in rows:
        score, breakdown = _breakdown(row, now)
        items.append({"issue": issue_to_api(row), "score": score, "breakdown": breakdown})
    return items, total


# -- leases ----------------------------------------------------------------------------------------------------
async def _own_session(
    session: AsyncSession, principal: Principal, issue_id: str
) -> tuple[Issue, AgentSession]:
    org_id = principal.org_id
    issue = await session.scalar(
        select(Issue).where(Issue.org_id == org_id, Issue.id == issue_id, Issue.deleted_at.is_(None))
    )
    if issue is None:
        raise NotFound(ISSUE_NOT_FOUND)
    await expire_leases(session, org_id, force=True)
    agent_session = await active_session(session, org_id, issue_id)
    if agent_session is None:
        raise Conflict(
            "This issue has no active claim (its lease may have expired; claim it again)", code="not_claimed"
        )
    if agent_session.credential_id != principal.credential_id:
        raise Conflict("This issue is claimed by another agent", code="claimed_by_other")
    return issue, agent_session


async def heartbeat(
    session: AsyncSession, principal: Principal, issue_id: str, options: DispatchOptions = DEFAULT_OPTIONS
) -> dict[str, Any]:
    """Extend the caller's lease on the issue by the lease length, from now."""
    _issue, agent_session = await _own_session(session, principal, issue_id)
    now = utcnow()
    agent_session.heartbeat_at = now
    agent_session.lease_expires_at = now + timedelta(seconds=options.lease_seconds)
    await session.flush()
    return session_to_api(agent_session)


async def release(
    session: AsyncSession, principal: Principal, issue_id: str, *, reason: str | None = None
) -> dict[str, Any]:
    """Give the issue back: it returns to the queue with its age, and the session counts as not completed."""
    issue, agent_session = await _own_session(session, principal, issue_id)
    await end_session(session, agent_session, "released", reason=reason)
    if issue.status == "in_progress":
        await requeue(session, principal.org_id, issue, agent_session.queued_since)
    await session.flush()
    return session_to_api(agent_session)
