"""Labels: per-organisation tags on issues. A name is unique among the organisation's live labels, so a
deleted label's name can be used again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from loop.db.base import Base, IdMixin, OrgMixin, TimestampMixin


class Label(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "labels"
    __table_args__ = (
        Index(
            "uq_labels_live_name",
            "org_id",
            "name_key",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
    )

    name: Mapped[str] = mapped_column(String(100))
    # casefolded, whitespace-collapsed name: "Bug" and "bug " are the same label
    name_key: Mapped[str] = mapped_column(String(100))
    color: Mapped[str] = mapped_column(String(50))
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)
