"""Feedback items: what clients leave on a website through the widget (or what the API records for them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from loop.db.base import Base, IdMixin, OrgMixin, TimestampMixin
from loop.db.types import JSONType

STATUSES = ("new", "in_progress", "review", "done")
TYPES = ("bug", "feature", "general")


class Feedback(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "feedback"
    __table_args__ = (
        Index("ix_feedback_org_created", "org_id", "created_at"),
        Index("ix_feedback_org_status_created", "org_id", "status", "created_at"),
        Index("ix_feedback_project_created", "project_id", "created_at"),
    )

    project_id: Mapped[str] = mapped_column(String(36), ForeignKey("projects.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="new")
    type: Mapped[str] = mapped_column(String(20), default="general")
    page_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    reporter_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reporter_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    annotations: Mapped[list[dict[str, Any]]] = mapped_column(JSONType(), default=list)
    browser_info: Mapped[dict[str, Any] | None] = mapped_column(JSONType(), nullable=True)
    # Keys in the file storage (never URLs: links are signed when a response is written).
    screenshot_key: Mapped[str | None] = mapped_column(String(500), nullable=True)
    screenshot_bytes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recording_key: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Order of arrival within the project (0-based).
    position: Mapped[int] = mapped_column(Integer, default=0)
    # widget | api
    channel: Mapped[str] = mapped_column(String(20), default="widget")
