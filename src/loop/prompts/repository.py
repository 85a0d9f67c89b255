"""The queries behind a prompt: the templates that may write it and everything its context shows.

Each statement is built once with bound parameters, so rendering a prompt (on every claim) pays neither for
building SQL expressions nor for loading ORM objects it only reads: the rows come back as plain tuples.

An organisation's active templates change rarely and are read on every claim, so each process keeps them in
memory, checked against the organisation's templates revision: every change to a template or a version bumps
it in the same transaction (``templates_changed``), and the claim's pick reads it with the issue
(``context_hint_columns``), so a change made by any process is seen by the very next claim everywhere. An
entry is also dropped after ``CACHE_SECONDS``, which bounds what a write that bypassed this module (SQL by
hand, a restore) can leave stale.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from loop.db.counters import next_value
from loop.dispatch.models import AgentSession
from loop.goals.models import Goal
from loop.issues.models import Issue, IssueLabel, IssueRelation
from loop.issues.repository import ISSUE_COLUMNS
from loop.orgs.models import OrgCounter
from loop.projects.models import Project
from loop.prompts.models import PromptTemplate, PromptVersion

FAILED_OUTCOMES = ("expired", "released")
TEMPLATES_REVISION = "prompt_templates"  # the org counter every template change bumps
CACHE_SECONDS = 30.0
CACHE_ORGS = 1024


@dataclass(frozen=True, slots=True)
class ActiveTemplate:
    """A template with an active version, as selection and rendering need it."""

    id: str
    slug: str
    name: str
    conditions: dict[str, Any]
    specificity: int
    project_id: str | None
    created_at: datetime | None
    version_id: str
    version: int
    content: str


_ACTIVE_TEMPLATES = (
    select(
        PromptTemplate.id,
        PromptTemplate.slug,
        PromptTemplate.name,
        PromptTemplate.conditions,
        PromptTemplate.specificity,
        PromptTemplate.project_id,
        PromptTemplate.created_at,
        PromptVersion.id,
        PromptVersion.version,
        PromptVersion.content,
    )
    .join(
        PromptVersion,
        and_(
            PromptVersion.id == PromptTemplate.active_version_id,
            PromptVersion.org_id == PromptTemplate.org_id,
        ),
    )
    .where(PromptTemplate.org_id == bindparam("org_id"), PromptTemplate.deleted_at.is_(None))
)

_PREVIOUS_SESSIONS = (
    select(
        AgentSession.status,
        AgentSession.outcome,
        AgentSession.reason,
        AgentSession.agent_id,
        AgentSession.claimed_at,
        AgentSession.ended_at,
    )
    .where(
        AgentSession.org_id == bindparam("org_id"),
        AgentSession.issue_id == bindparam("issue_id"),
        AgentSession.outcome.in_(FAILED_OUTCOMES),
    )
    .order_by(AgentSession.claimed_at, AgentSession.id)
)


def _neighbours() -> Any:
    """Every issue the context shows next to the issue, each row tagged with its ``role``: its parent, its
    siblings (same parent), its children (only looked up for a top-level issue), the issues it blocks and the
    issues blocking it. One statement; a null parameter matches nothing."""
    org_id, issue_id = bindparam("org_id"), bindparam("issue_id")
    parent_id, children_of = bindparam("parent_id"), bindparam("children_of")
    live = and_(Issue.org_id == org_id, Issue.deleted_at.is_(None))

    def tagged(role: str) -> Any:
        return select(*ISSUE_COLUMNS, literal(role).label("role"))

    return union_all(
        tagged("parent").where(live, Issue.id == parent_id),
        tagged("sibling").where(live, Issue.parent_id == parent_id, Issue.id != issue_id),
        tagged("child").where(live, Issue.parent_id == children_of),
        tagged("blocking").where(
            live,
            Issue.id.in_(
                select(IssueRelation.related_issue_id).where(
                    IssueRelation.org_id == org_id,
                    IssueRelation.issue_id == issue_id,
                    IssueRelation.type == "blocks",
                )
            ),
        ),
        tagged("blockedBy").where(
            live,
            Issue.id.in_(
                select(IssueRelation.issue_id).where(
                    IssueRelation.org_id == org_id,
                    IssueRelation.related_issue_id == issue_id,
                    IssueRelation.type == "blocks",
                )
            ),
        ),
    )


_NEIGHBOURS = _neighbours()

_PROJECT = select(
    Project.id,
    Project.name,
    Project.description,
    Project.status,
    Project.health,
    Project.created_at,
    Project.updated_at,
).where(Project.org_id == bindparam("org_id"), Project.id == bindparam("project_id"))

_ACTIVE_GOAL = (
    select(Goal)
    .where(
        Goal.org_id == bindparam("org_id"),
        Goal.project_id == bindparam("project_id"),
        Goal.status == "active",
        Goal.deleted_at.is_(None),
    )
    .order_by(Goal.created_at, Goal.id)
    .limit(1)
)


@dataclass(frozen=True, slots=True)
class ContextHints:
    """Which parts of an issue's context exist, learned in the statement that loaded the issue, so that
    rendering skips the reads that would come back empty. ``None`` for a part means "not known: read it"."""

    has_labels: bool | None = None
    has_failed_sessions: bool | None = None
    has_relatives: bool | None = None
    templates_revision: int | None = None  # None: unknown, read the templates from the database

    @classmethod
    def from_row(cls, row: Any) -> ContextHints:
        return cls(
            bool(row.hint_labels), bool(row.hint_failed), bool(row.hint_relatives), row.templates_revision
        )


def context_hint_columns(issue: Any = Issue) -> tuple[Any, ...]:
    """Columns to add to a statement that selects one ``issue`` (the entity or an alias of it): they fill
    ``ContextHints``."""
    labelled = (
        select(IssueLabel.issue_id).where(IssueLabel.org_id == issue.org_id, IssueLabel.issue_id == issue.id)
    ).exists()
    failed = (
        select(AgentSession.id).where(
            AgentSession.org_id == issue.org_id,
            AgentSession.issue_id == issue.id,
            AgentSession.outcome.in_(FAILED_OUTCOMES),
        )
    ).exists()
    child = Issue.__table__.alias("hint_child")
    relatives = or_(
        issue.parent_id.is_not(None),
        select(child.c.id)
        .where(child.c.org_id == issue.org_id, child.c.parent_id == issue.id, child.c.deleted_at.is_(None))
        .exists(),
        select(IssueRelation.id)
        .where(IssueRelation.org_id == issue.org_id, IssueRelation.issue_id == issue.id)
        .exists(),
        select(IssueRelation.id)
        .where(IssueRelation.org_id == issue.org_id, IssueRelation.related_issue_id == issue.id)
        .exists(),
    )
    revision = (
        select(func.coalesce(func.max(OrgCounter.value), 0))
        .where(OrgCounter.org_id == issue.org_id, OrgCounter.name == TEMPLATES_REVISION)
        .scalar_subquery()
    )
    return (
        labelled.label("hint_labels"),
        failed.label("hint_failed"),
        relatives.label("hint_relatives"),
        revision.label("templates_revision"),
    )


async def templates_changed(session: AsyncSession, org_id: str) -> None:
    """Call in every transaction that changes an organisation's templates or versions: it bumps the revision
    that tells every process its cached active templates are out of date."""
    await next_value(session, org_id, TEMPLATES_REVISION)


@dataclass(frozen=True, slots=True)
class _Cached:
    revision: int
    loaded_at: float
    templates: tuple[ActiveTemplate, ...]


_CACHE: OrderedDict[str, _Cached] = OrderedDict()


def _cached(org_id: str, revision: int) -> tuple[ActiveTemplate, ...] | None:
    entry = _CACHE.get(org_id)
    if entry is None or entry.revision != revision or time.monotonic() - entry.loaded_at > CACHE_SECONDS:
        return None
    _CACHE.move_to_end(org_id)
    return entry.templates


def _remember(org_id: str, revision: int, templates: tuple[ActiveTemplate, ...]) -> None:
    _CACHE[org_id] = _Cached(revision, time.monotonic(), templates)
    _CACHE.move_to_end(org_id)
    while len(_CACHE) > CACHE_ORGS:
        _CACHE.popitem(last=False)


class PromptContextRepository:
    """Reads for one organisation's prompts."""

    def __init__(self, session: AsyncSession, org_id: str) -> None:
        self.session = session
        self.org_id = org_id

    async def active_templates(self, revision: int | None = None) -> tuple[ActiveTemplate, ...]:
        """The templates with an active version. With the organisation's templates ``revision`` (read in the
        same transaction, before this call) the answer may come from this process's cache."""
        if revision is not None:
            cached = _cached(self.org_id, revision)
            if cached is not None:
                return cached
        rows = await self.session.execute(_ACTIVE_TEMPLATES, {"org_id": self.org_id})
        templates = tuple(ActiveTemplate(*row) for row in rows)
        if revision is not None:
            # Read after the revision, so never older than it: at worst newer, and then the next claim
            # reads a higher revision and loads again.
            _remember(self.org_id, revision, templates)
        return templates

    async def failed_sessions(self, issue_id: str) -> list[Row[Any]]:
        params = {"org_id": self.org_id, "issue_id": issue_id}
        return list((await self.session.execute(_PREVIOUS_SESSIONS, params)).all())

    async def neighbours(self, issue_id: str, parent_id: str | None) -> list[Row[Any]]:
        params = {
            "org_id": self.org_id,
            "issue_id": issue_id,
            "parent_id": parent_id,
            "children_of": None if parent_id else issue_id,
        }
        return list((await self.session.execute(_NEIGHBOURS, params)).all())

    async def project(self, project_id: str) -> Row[Any] | None:
        params = {"org_id": self.org_id, "project_id": project_id}
        return (await self.session.execute(_PROJECT, params)).first()

    async def active_goal(self, project_id: str) -> Goal | None:
        params = {"org_id": self.org_id, "project_id": project_id}
        return (await self.session.execute(_ACTIVE_GOAL, params)).scalar_one_or_none()
