"""Developer tickets generated from feedback items and board cards.

``feedback_id``/``card_id`` keep the link to the source while it exists (``source_id`` keeps its id after
it is deleted); ``issue_id`` links the engine issue a ticket is sent to.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from loop.db.base import Base, IdMixin, OrgMixin, TimestampMixin
from loop.db.types import JSONType

STATUSES = ("open", "in_progress", "done")
PRIORITIES = ("low", "medium", "high", "critical")
SOURCE_TYPES = ("feedback", "board_card")


class Ticket(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_org_created", "org_id", "created_at"),
        Index("ix_tickets_org_status_created", "org_id", "status", "created_at"),
        Index("ix_tickets_project_created", "project_id", "created_at"),
    )

    project_id: Mapped[str] = mapped_column(String(36), ForeignKey("projects.id", ondelete="CASCADE"))
    source_type: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[str] = mapped_column(String(36))
    feedback_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("feedback.id", ondelete="SET NULL"), nullable=True, index=True
    )
    card_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("board_cards.id", ondelete="SET NULL"), nullable=True, index=True
    )
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[str] = mapped_column(String(20), default="medium")
    status: Mapped[str] = mapped_column(String(20), default="open")
    labels: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    ai_context: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    created_by: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    assigned_to: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # The engine issue this ticket was sent to (set by the engine bridge).
    issue_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
