"""Dashboard sign-in sessions: a row per signed-in browser, so signing out (or an expiry) ends it for good."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from loop.core.clock import utcnow
from loop.db.base import Base, IdMixin, OrgMixin


class WebSession(IdMixin, OrgMixin, Base):
    __tablename__ = "web_sessions"

    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # HMAC-SHA256(secret_key, cookie token): the cookie's token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Every form the session posts carries this value (and htmx sends it as X-CSRF-Token).
    csrf_token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
