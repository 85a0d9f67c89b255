"""Goals: a measurable target, optionally for one project. ``goals.project_id`` is the only link between
projects and goals; the engine project API's ``goalId`` reads and writes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from loop.db.base import Base, IdMixin, OrgMixin, TimestampMixin

GOAL_STATUSES = ("active", "achieved", "abandoned")
DIRECTIONS = ("increase", "decrease")


class Goal(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "goals"
    __table_args__ = (
        Index("ix_goals_org_created", "org_id", "created_at"),
        Index("ix_goals_project", "project_id", "status"),
    )

    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    metric: Mapped[str | None] = mapped_column(String(500), nullable=True)
    target_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    current_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    unit: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Whether the metric should go up (conversion rate) or down (latency, error rate).
    direction: Mapped[str] = mapped_column(String(10), default="increase")
    status: Mapped[str] = mapped_column(String(20), default="active")
    project_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="SET NULL"), nullable=True
    )
    # When the goal was last attached to its project: the most recently attached active goal is the
    # project's primary goal (its ``goalId``).
    linked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)
