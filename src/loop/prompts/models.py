"""Prompt templates, their immutable versions and the reviews agents write about them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from loop.core.clock import utcnow
from loop.db.base import Base, IdMixin, OrgMixin, TimestampMixin
from loop.db.types import JSONType

VERSION_STATUSES = ("active", "draft", "retired")


class PromptTemplate(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "prompt_templates"
    __table_args__ = (UniqueConstraint("org_id", "slug"),)

    slug: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    specificity: Mapped[int] = mapped_column(Integer, default=10)
    project_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="SET NULL"), nullable=True
    )
    # No foreign key: versions point at their template, and a cycle of keys would complicate deletes.
    active_version_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # The last version number handed out: ``UPDATE … SET last_version = last_version + 1 RETURNING`` numbers
    # versions atomically (and locks the template row for the rest of the transaction).
    last_version: Mapped[int] = mapped_column(Integer, default=0)
    # The improvement issue last opened for this template: another is opened only once it is closed.
    improvement_issue_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)


class PromptVersion(IdMixin, OrgMixin, Base):
    """Immutable content; only ``status`` and the counters below change."""

    __tablename__ = "prompt_versions"
    __table_args__ = (UniqueConstraint("template_id", "version"),)

    template_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("prompt_templates.id", ondelete="CASCADE")
    )
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    changelog: Mapped[str | None] = mapped_column(Text, nullable=True)
    author_type: Mapped[str] = mapped_column(String(10))
    author_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    usage_count: Mapped[int] = mapped_column(Integer, default=0)
    # The EWMA of review composites, updated in one statement per review.
    review_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    review_count: Mapped[int] = mapped_column(Integer, default=0)
    reviews_since_improvement: Mapped[int] = mapped_column(Integer, default=0)
    low_score_reported: Mapped[bool] = mapped_column(Boolean, default=False)
    # Outcomes of the sessions this version's prompts started (completion rate and mean duration).
    sessions_ended: Mapped[int] = mapped_column(Integer, default=0)
    sessions_completed: Mapped[int] = mapped_column(Integer, default=0)
    completed_duration_ms: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PromptReview(IdMixin, OrgMixin, Base):
    __tablename__ = "prompt_reviews"
    __table_args__ = (
        CheckConstraint("clarity BETWEEN 1 AND 5", name="clarity_range"),
        CheckConstraint("completeness BETWEEN 1 AND 5", name="completeness_range"),
        CheckConstraint("relevance BETWEEN 1 AND 5", name="relevance_range"),
        Index("ix_prompt_reviews_version_created", "version_id", "created_at"),
    )

    version_id: Mapped[str] = mapped_column(String(36), ForeignKey("prompt_versions.id", ondelete="CASCADE"))
    template_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("prompt_templates.id", ondelete="CASCADE"), index=True
    )
    issue_id: Mapped[str] = mapped_column(String(36), ForeignKey("issues.id", ondelete="CASCADE"))
    clarity: Mapped[int] = mapped_column(Integer)
    completeness: Mapped[int] = mapped_column(Integer)
    relevance: Mapped[int] = mapped_column(Integer)
    feedback: Mapped[str | None] = mapped_column(Text, nullable=True)
    author_type: Mapped[str] = mapped_column(String(10))
    credential_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("credentials.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
