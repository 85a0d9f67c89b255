"""Inbox tables: email drafts (and the messages they became once sent), their attachments, report exports."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from loop.core.clock import utcnow
from loop.db.base import Base, IdMixin, OrgMixin, TimestampMixin
from loop.db.types import JSONType


class DraftStatus(enum.StrEnum):
    draft = "draft"  # saved, not asked to be sent
    scheduled = "scheduled"  # to be sent at send_at
    queued = "queued"  # asked to be sent, but no SMTP server is configured
    sending = "sending"  # handed to the delivery job
    sent = "sent"
    failed = "failed"  # delivery failed for good; last_error says why


class Draft(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "drafts"
    __table_args__ = (
        Index("ix_drafts_org_id_created_at", "org_id", "created_at"),
        Index("ix_drafts_org_id_conversation_id", "org_id", "conversation_id"),
    )

    author_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # Drafts of one email thread share a conversation id (a new draft starts its own).
    conversation_id: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(Text, nullable=True)
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    from_address: Mapped[str | None] = mapped_column(String(320), nullable=True)
    from_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    to_fields: Mapped[list[dict[str, Any]]] = mapped_column(JSONType(), default=list)
    cc_fields: Mapped[list[dict[str, Any]]] = mapped_column(JSONType(), default=list)
    bcc_fields: Mapped[list[dict[str, Any]]] = mapped_column(JSONType(), default=list)
    message_references: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    team_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # shared labels (the tags a report filters on) and the teammates added to the conversation
    labels: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    user_ids: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    client_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("clients.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # what the draft answers, e.g. ("feedback", <id>) or ("invoice", <id>)
    link_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    link_id: Mapped[str | None] = mapped_column(String(64), nullable=True)

    status: Mapped[str] = mapped_column(String(16), default=DraftStatus.draft.value)
    send_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # the delivery job that owns the next send; a stale job (rescheduled, cancelled) finds another id here
    send_job_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attachment_count: Mapped[int] = mapped_column(default=0)
    attachment_bytes: Mapped[int] = mapped_column(default=0)


class DraftAttachment(IdMixin, OrgMixin, Base):
    __tablename__ = "draft_attachments"

    draft_id: Mapped[str] = mapped_column(String(36), ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(default=0)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExportStatus(enum.StrEnum):
    processing = "Processing"
    completed = "Completed"
    failed = "Failed"
    expired = "Expired"


class ReportExport(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "report_exports"
    __table_args__ = (Index("ix_report_exports_org_id_created_at", "org_id", "created_at"),)

    requested_by: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(16), default=ExportStatus.processing.value)
    result_format: Mapped[str] = mapped_column(String(8), default="Json")
    # the request: start, end (epoch seconds), timezone, and the id filters
    params: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    file_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    file_size: Mapped[int | None] = mapped_column(nullable=True)
    row_count: Mapped[int | None] = mapped_column(nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
