"""Kanban boards of board projects: ordered lists (columns) holding ordered cards.

Positions are dense (0…n-1) within a project's lists and within a list's cards; every move rewrites the
neighbours in the same transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from loop.db.base import Base, IdMixin, OrgMixin, TimestampMixin
from loop.db.types import JSONType

DEFAULT_LISTS = ("To Do", "In Progress", "Done")


class BoardList(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "board_lists"
    __table_args__ = (Index("ix_board_lists_project_position", "project_id", "position"),)

    project_id: Mapped[str] = mapped_column(String(36), ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Card(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "board_cards"
    __table_args__ = (
        Index("ix_board_cards_list_position", "list_id", "position"),
        Index("ix_board_cards_project", "project_id"),
    )

    project_id: Mapped[str] = mapped_column(String(36), ForeignKey("projects.id", ondelete="CASCADE"))
    list_id: Mapped[str] = mapped_column(String(36), ForeignKey("board_lists.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    labels: Mapped[list[dict[str, Any]]] = mapped_column(JSONType(), default=list)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(JSONType(), default=list)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType(), default=list)
    author_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    author_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
