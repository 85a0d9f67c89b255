"""Issues: the engine's single work entity (signals, hypotheses, plans, tasks and monitors are all issues),
their labels, the relations between them and their comments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from loop.core.clock import utcnow
from loop.db.base import Base, IdMixin, OrgMixin, TimestampMixin
from loop.db.types import JSONType

ISSUE_TYPES = ("signal", "hypothesis", "plan", "task", "monitor")
ISSUE_STATUSES = ("triage", "backlog", "todo", "in_progress", "done", "canceled")
CLOSED_STATUSES = frozenset({"done", "canceled"})
# What clients may send; ``blocked_by`` is stored as the ``blocks`` fact seen from the other side.
RELATION_TYPES = ("blocks", "blocked_by", "related", "duplicate")
STORED_RELATION_TYPES = ("blocks", "related", "duplicate")
AUTHOR_TYPES = ("human", "agent")


def _live(column: str = "deleted_at") -> dict[str, Any]:
    """Partial-index clause for rows that are not soft-deleted (both dialects support partial indexes)."""
    clause = text(f"{column} IS NULL")
    return {"postgresql_where": clause, "sqlite_where": clause}


def _queued() -> dict[str, Any]:
    clause = text("sort_key IS NOT NULL")
    return {"postgresql_where": clause, "sqlite_where": clause}


class Issue(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "issues"
    __table_args__ = (
        UniqueConstraint("org_id", "number"),
        CheckConstraint("priority >= 0 AND priority <= 4", name="priority_range"),
        # The list's default order, its status / type filters and the updated sort, over live rows only:
        # the page and its count both walk one index.
        Index("ix_issues_live_created", "org_id", "created_at", "id", **_live()),
        Index("ix_issues_live_status", "org_id", "status", "created_at", **_live()),
        Index("ix_issues_live_type", "org_id", "type", "created_at", **_live()),
        Index("ix_issues_live_updated", "org_id", "updated_at", **_live()),
        Index("ix_issues_live_project", "org_id", "project_id", "status", **_live()),
        Index("ix_issues_live_parent", "org_id", "parent_id", **_live()),
        # The dispatch queue: only dispatchable rows (todo, not deleted) carry a sort key, so the claim and
        # the queue page walk this index in claim order (loop.dispatch.scoring).
        Index(
            "ix_issues_dispatch",
            "org_id",
            "sort_key",
            "todo_since",
            "number",
            "id",
            **_queued(),
        ),
        Index(
            "ix_issues_dispatch_project",
            "org_id",
            "project_id",
            "sort_key",
            "todo_since",
            "number",
            "id",
            **_queued(),
        ),
    )

    # No index on org_id alone: every index above leads with it, and SQLite's planner (without statistics)
    # would otherwise pick a bare org_id index over the partial and composite ones that serve each query.
    org_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False
    )

    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="triage")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    parent_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("issues.id", ondelete="SET NULL"), nullable=True
    )
    project_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="SET NULL"), nullable=True
    )
    signal_source: Mapped[str | None] = mapped_column(String(200), nullable=True)
    signal_payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType(), nullable=True)
    # Signal issues: how many signals this issue has received (repeats are deduplicated into it) and when
    # the last one arrived; null on issues no signal opened.
    occurrences: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(nullable=True)
    hypothesis: Mapped[dict[str, Any] | None] = mapped_column(JSONType(), nullable=True)
    agent_session_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    agent_summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    commits: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType(), nullable=True)
    pull_requests: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType(), nullable=True)
    # When the issue last entered ``todo`` (null while it is elsewhere): dispatch ages work from here.
    todo_since: Mapped[datetime | None] = mapped_column(nullable=True)
    # The dispatch order (loop.dispatch.scoring.queue_key: lower is claimed first) while the issue is todo and not deleted, else null.
    sort_key: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Set when the issue reaches done or canceled, cleared when it is reopened.
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)


class IssueLabel(Base):
    __tablename__ = "issue_labels"
    __table_args__ = (Index("ix_issue_labels_label", "label_id", "issue_id"),)

    issue_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True
    )
    label_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False
    )


class IssueRelation(IdMixin, OrgMixin, Base):
    """One row per fact. ``blocks`` rows always point from the blocker to the blocked issue, whichever of
    ``blocks`` / ``blocked_by`` the client used."""

    __tablename__ = "issue_relations"
    __table_args__ = (
        UniqueConstraint("issue_id", "related_issue_id", "type"),
        Index("ix_issue_relations_related", "related_issue_id", "type"),
    )

    # Looked up by issue, never by organisation alone (see Issue.org_id).
    org_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False
    )

    type: Mapped[str] = mapped_column(String(20))
    issue_id: Mapped[str] = mapped_column(String(36), ForeignKey("issues.id", ondelete="CASCADE"))
    related_issue_id: Mapped[str] = mapped_column(String(36), ForeignKey("issues.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Comment(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_issue_roots", "issue_id", "parent_id", "created_at"),
        Index("ix_comments_thread", "thread_id"),
    )

    issue_id: Mapped[str] = mapped_column(String(36), ForeignKey("issues.id", ondelete="CASCADE"))
    parent_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("comments.id", ondelete="CASCADE"), nullable=True
    )
    # The top-level comment of the thread (itself for a top-level comment): one query loads a whole thread.
    thread_id: Mapped[str] = mapped_column(String(36))
    body: Mapped[str] = mapped_column(Text)
    author_name: Mapped[str] = mapped_column(String(200))
    author_type: Mapped[str] = mapped_column(String(10))
    # The credential that wrote the comment: only it may edit or delete the comment.
    credential_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("credentials.id", ondelete="SET NULL"), nullable=True
    )
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)
