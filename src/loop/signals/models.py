"""Signals, their deduplication pointers, triage rules, per-organisation settings, and the webhook
configuration (secrets, delivery ids, provider-to-project mappings)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loop.core.clock import utcnow
from loop.db.base import Base, IdMixin, OrgMixin, TimestampMixin
from loop.db.types import JSONType

SEVERITIES = ("low", "medium", "high", "critical")
# Severity → issue priority (1 urgent … 4 low), as the engine's reference does it.
SEVERITY_PRIORITY = {"critical": 1, "high": 2, "medium": 3, "low": 4}
PROVIDERS = ("github", "sentry", "posthog")
DEFAULT_DEDUP_WINDOW_S = 24 * 3600


class Signal(IdMixin, Base):
    """One inbound event, kept as history; every signal points at the issue it opened or repeated."""

    __tablename__ = "signals"
    __table_args__ = (
        Index("ix_signals_org_created", "org_id", "created_at", "id"),
        Index("ix_signals_org_source", "org_id", "source", "created_at"),
        Index("ix_signals_issue", "issue_id", "created_at"),
    )

    # Indexed through the composite indexes above only (see Issue.org_id for why).
    org_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False
    )
    source: Mapped[str] = mapped_column(String(200))
    source_id: Mapped[str | None] = mapped_column(String(500), nullable=True)
    type: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(500))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType())
    labels: Mapped[list[str] | None] = mapped_column(JSONType(), nullable=True)
    fingerprint: Mapped[str | None] = mapped_column(String(300), nullable=True)
    issue_id: Mapped[str] = mapped_column(String(36), ForeignKey("issues.id", ondelete="CASCADE"))
    project_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="SET NULL"), nullable=True
    )
    # True when the signal repeated an open issue's fingerprint instead of opening a new issue.
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SignalFingerprint(Base):
    """The issue a fingerprint currently feeds. The row is the lock concurrent identical signals queue on
    (an upsert takes it), so N simultaneous repeats open one issue. ``issue_id`` has no foreign key: the row
    is written before the issue it names, inside the same transaction."""

    __tablename__ = "signal_fingerprints"

    org_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    fingerprint: Mapped[str] = mapped_column(String(300), primary_key=True)
    issue_id: Mapped[str] = mapped_column(String(36))
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class SignalSettings(Base):
    __tablename__ = "signal_settings"

    org_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    # A repeat within this many seconds of the fingerprint's last occurrence joins the open issue; 0: never.
    dedup_window_s: Mapped[int] = mapped_column(Integer, default=DEFAULT_DEDUP_WINDOW_S)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TriageRule(IdMixin, OrgMixin, TimestampMixin, Base):
    """Ordered per organisation; the first enabled rule whose conditions all match decides a new signal
    issue's status, priority, labels and project."""

    __tablename__ = "triage_rules"

    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    match_source: Mapped[str | None] = mapped_column(String(200), nullable=True)
    match_type: Mapped[str | None] = mapped_column(String(200), nullable=True)
    match_severities: Mapped[list[str] | None] = mapped_column(JSONType(), nullable=True)
    match_label: Mapped[str | None] = mapped_column(String(200), nullable=True)
    match_project_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="CASCADE"), nullable=True
    )
    action_status: Mapped[str] = mapped_column(String(20), default="todo")
    action_priority: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action_label_ids: Mapped[list[str] | None] = mapped_column(JSONType(), nullable=True)
    action_project_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="SET NULL"), nullable=True
    )


class WebhookSecret(IdMixin, OrgMixin, TimestampMixin, Base):
    """A provider's signing secret for one organisation, encrypted with the server's secret key (HMAC
    verification needs the secret itself, so it cannot be hashed)."""

    __tablename__ = "webhook_secrets"
    __table_args__ = (UniqueConstraint("org_id", "provider"),)

    provider: Mapped[str] = mapped_column(String(20))
    secret_encrypted: Mapped[str] = mapped_column(Text)


class WebhookDelivery(IdMixin, Base):
    """A provider delivery that produced a signal: a redelivery of the same id is acknowledged and ignored."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("org_id", "provider", "delivery_id"),)

    org_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False
    )
    provider: Mapped[str] = mapped_column(String(20))
    delivery_id: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(200))
    signal_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("signals.id", ondelete="SET NULL"), nullable=True
    )
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookProjectMapping(IdMixin, OrgMixin, Base):
    """A provider-side project (GitHub repository ``owner/name``, Sentry project slug or id, PostHog project
    id or name) routed to a Loop project. ``external`` is stored lower-cased."""

    __tablename__ = "webhook_project_mappings"
    __table_args__ = (UniqueConstraint("org_id", "provider", "external"),)

    provider: Mapped[str] = mapped_column(String(20))
    external: Mapped[str] = mapped_column(String(300))
    project_id: Mapped[str] = mapped_column(String(36), ForeignKey("projects.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
