"""Track: time entries, sections of projects, tags and todos.

Projects themselves are the shared ``projects`` rows (``loop.projects.models``): Track shows ``name`` as
``title`` and uses ``code``, ``track_status`` and ``project_members`` (rate, cost).
"""

from __future__ import annotations

from datetime import date as calendar_date
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from loop.db.base import Base, IdMixin, OrgMixin, TimestampMixin
from loop.db.types import JSONType


class Section(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "track_sections"
    __table_args__ = (UniqueConstraint("project_id", "title_key"),)

    project_id: Mapped[str] = mapped_column(String(36), ForeignKey("projects.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(255))
    # casefolded title: one "Phase 2" per project, whatever its case
    title_key: Mapped[str] = mapped_column(String(255))


class Tag(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "track_tags"
    __table_args__ = (UniqueConstraint("org_id", "title_key"),)

    title: Mapped[str] = mapped_column(String(100))
    title_key: Mapped[str] = mapped_column(String(100))


class Todo(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "track_todos"
    __table_args__ = (Index("ix_track_todos_org_user_completed", "org_id", "user_id", "completed"),)

    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="SET NULL"), nullable=True
    )
    section_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("track_sections.id", ondelete="SET NULL"), nullable=True
    )
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    priority: Mapped[str] = mapped_column(String(2), default="P4")
    due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The offset the due date was given in: recurrence steps through the calendar the user lives in.
    due_offset_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recurrence: Mapped[dict[str, Any] | None] = mapped_column(JSONType(), nullable=True)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The occurrence spawned when this one was completed (completing it again spawns nothing more).
    next_occurrence_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class TimeEntry(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "time_entries"
    __table_args__ = (
        Index("ix_time_entries_org_date", "org_id", "date"),
        Index("ix_time_entries_org_user_date", "org_id", "user_id", "date"),
        Index("ix_time_entries_org_project_date", "org_id", "project_id", "date"),
    )

    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("projects.id"), nullable=True)
    section_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("track_sections.id", ondelete="SET NULL"), nullable=True
    )
    todo_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("track_todos.id", ondelete="SET NULL"), nullable=True, index=True
    )
    task_name: Mapped[str] = mapped_column(String(255))
    duration_seconds: Mapped[int] = mapped_column(Integer)
    date: Mapped[calendar_date] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    ai_generated: Mapped[bool] = mapped_column(Boolean, default=False)
    # Links into the rest of the loop (engine issue, developer-API ticket); plain ids for now.
    issue_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ticket_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The invoice line that bills this entry: set once, under a row lock, so an hour is billed once.
    invoice_line_item_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("invoice_line_items.id", ondelete="SET NULL"), nullable=True, index=True
    )
    invoiced_at: Mapped[datetime | None] = mapped_column(nullable=True)


time_entry_tags = Table(
    "time_entry_tags",
    Base.metadata,
    Column("time_entry_id", String(36), ForeignKey("time_entries.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "tag_id", String(36), ForeignKey("track_tags.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)

todo_tags = Table(
    "todo_tags",
    Base.metadata,
    Column("todo_id", String(36), ForeignKey("track_todos.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "tag_id", String(36), ForeignKey("track_tags.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)
