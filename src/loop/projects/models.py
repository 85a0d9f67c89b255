"""One row per real project, seen by every surface with its own fields:

- the engine: ``status`` (backlog…canceled), ``health``, ``description``, soft delete;
- the developer API: ``type`` (website|board), ``url``, the widget key ``pk_…``, ``client_id``, archive;
- Track: ``code`` (unique per organisation), ``track_status`` (PENDING|ACTIVE|COMPLETED|ARCHIVED) and member
  rates (``project_members``).
A project created on one surface exists on all of them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loop.core.clock import utcnow
from loop.db.base import Base, IdMixin, OrgMixin, TimestampMixin
from loop.db.types import ExactDecimal


class Project(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("org_id", "code"),
        Index("ix_projects_org_created", "org_id", "created_at"),
    )

    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    client_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("clients.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # engine
    status: Mapped[str] = mapped_column(String(20), default="backlog")
    health: Mapped[str] = mapped_column(String(20), default="on_track")
    # developer API
    type: Mapped[str] = mapped_column(String(20), default="website")
    url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    widget_key: Mapped[str | None] = mapped_column(String(80), unique=True, nullable=True)
    # Track
    code: Mapped[str | None] = mapped_column(String(50), nullable=True)
    track_status: Mapped[str] = mapped_column(String(20), default="ACTIVE")

    archived_at: Mapped[datetime | None] = mapped_column(nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ProjectMember(IdMixin, OrgMixin, Base):
    __tablename__ = "project_members"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    project_id: Mapped[str] = mapped_column(String(36), ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="MEMBER")
    # Billing rate and internal cost per hour, in the organisation's currency.
    rate: Mapped[Decimal | None] = mapped_column(ExactDecimal(), nullable=True)
    cost: Mapped[Decimal | None] = mapped_column(ExactDecimal(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
