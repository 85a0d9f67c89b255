"""Agent sessions: one row per claim of an issue, with its lease and how it ended."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from loop.core.clock import utcnow
from loop.db.base import Base, IdMixin, OrgMixin

SESSION_STATUSES = ("active", "completed", "released", "expired", "canceled")
ACTIVE = "active"


class AgentSession(IdMixin, OrgMixin, Base):
    __tablename__ = "agent_sessions"
    __table_args__ = (
        # Lazy expiry finds run-out leases without scanning finished sessions.
        Index(
            "ix_agent_sessions_active_lease",
            "org_id",
            "lease_expires_at",
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
        Index("ix_agent_sessions_issue", "issue_id", "claimed_at"),
        Index(
            "ix_agent_sessions_idempotency",
            "org_id",
            "credential_id",
            "idempotency_key",
            unique=True,
            postgresql_where=text("idempotency_key IS NOT NULL"),
            sqlite_where=text("idempotency_key IS NOT NULL"),
        ),
        Index("ix_agent_sessions_ended", "org_id", "ended_at"),
    )

    issue_id: Mapped[str] = mapped_column(String(36), ForeignKey("issues.id", ondelete="CASCADE"))
    credential_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("credentials.id", ondelete="SET NULL"), nullable=True
    )
    agent_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    template_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    version_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("prompt_versions.id", ondelete="SET NULL"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE)
    # How the session ended: completed, released, expired, canceled (null while active).
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The prompt handed out, so a retried claim (same Idempotency-Key) gets exactly the same answer.
    prompt: Mapped[str | None] = mapped_column(Text, nullable=True)
    # When the issue had entered todo before this claim: a requeue gives it back its age.
    queued_since: Mapped[datetime | None] = mapped_column(nullable=True)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime | None] = mapped_column(nullable=True)
    lease_expires_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
