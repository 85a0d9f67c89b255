"""Tenancy: an organisation is at once the agency, the engine workspace, the inbox workspace and the
invoicing team. Users belong to organisations through memberships that carry a role."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loop.core.clock import utcnow
from loop.db.base import Base, IdMixin, TimestampMixin
from loop.db.types import JSONType


class Plan(enum.StrEnum):
    starter = "starter"
    trial = "trial"
    pro = "pro"
    business = "business"


class Role(enum.StrEnum):
    owner = "owner"
    admin = "admin"
    developer = "developer"
    member = "member"


class Organisation(IdMixin, TimestampMixin, Base):
    __tablename__ = "organisations"

    name: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str] = mapped_column(String(20), default=Plan.business.value)
    trial_ends_at: Mapped[datetime | None] = mapped_column(nullable=True)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    address: Mapped[dict[str, Any] | None] = mapped_column(JSONType(), nullable=True)
    bank_details: Mapped[dict[str, Any] | None] = mapped_column(JSONType(), nullable=True)


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    avatar_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Membership(IdMixin, Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    org_id: Mapped[str] = mapped_column(String(36), ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=Role.member.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrgCounter(Base):
    """Per-organisation sequences (issue numbers, invoice serials): gap-free because the increment is part
    of the same transaction as the row that uses it."""

    __tablename__ = "org_counters"

    org_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
