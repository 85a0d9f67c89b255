"""Credentials: every kind of API token lives in this one table, whatever surface it was made for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from loop.core.clock import utcnow
from loop.db.base import Base, IdMixin, OrgMixin
from loop.db.types import JSONType


class Credential(IdMixin, OrgMixin, Base):
    __tablename__ = "credentials"

    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(20))
    # First characters of the token, shown in listings so people can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(32))
    # HMAC-SHA256(secret_key, token) in hex: the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    # An explicit "<n>/minute;<n>/day" overriding the plan's limits for this credential.
    rate_limit: Mapped[str | None] = mapped_column(String(100), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
