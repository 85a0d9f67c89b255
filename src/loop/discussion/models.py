"""Comments on feedback items and board cards (the developer API's discussion threads)."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from loop.db.base import Base, IdMixin, OrgMixin, TimestampMixin
from loop.db.types import JSONType


class DiscussionComment(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "discussion_comments"
    __table_args__ = (
        CheckConstraint("(feedback_id IS NULL) <> (card_id IS NULL)", name="one_parent"),
        Index("ix_discussion_comments_feedback_created", "feedback_id", "created_at"),
        Index("ix_discussion_comments_card_created", "card_id", "created_at"),
    )

    feedback_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("feedback.id", ondelete="CASCADE"), nullable=True
    )
    card_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("board_cards.id", ondelete="CASCADE"), nullable=True
    )
    author_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    author_name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # user ids of the project members the body mentions
    mentions: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    is_internal: Mapped[bool] = mapped_column(Boolean, default=False)
