"""Dashboard sessions: sign in, look up, sign out; and the CSRF rules for every form the dashboard posts.

The cookie holds ``<random token>.<HMAC of it with the app secret>``: a forged or altered cookie is refused
before any lookup, and the database keeps only a keyed hash of the token, so a leaked table signs nobody in.
A row per session means signing out (or the expiry) ends that session in every server process at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.auth.principal import Principal
from loop.core.clock import utcnow
from loop.core.security import constant_time_equal, hash_token
from loop.orgs.models import Membership, Organisation, User
from loop.orgs.repository import OrgRepository
from loop.web.models import WebSession
from loop.web.passwords import dummy_hash, hash_password, needs_rehash, verify_password

SESSION_COOKIE = "loop_session"
LOGIN_CSRF_COOKIE = "loop_login_csrf"
DEFAULT_TTL = timedelta(days=14)
WRONG_CREDENTIALS = "Wrong email or password"


@dataclass(frozen=True)
class SessionUser:
    """The signed-in person, as the services need them (``principal``) and as the pages show them."""

    session_id: str
    user_id: str
    email: str
    display_name: str
    org_id: str
    org_name: str
    plan: str
    trial_ends_at: datetime | None
    role: str
    csrf_token: str
    expires_at: datetime

    @property
    def principal(self) -> Principal:
        # A signed-in member acts with every scope; what the role allows is checked by the pages themselves.
        return Principal(
            credential_id="",
            credential_name="dashboard",
            org_id=self.org_id,
            user_id=self.user_id,
            role=self.role,
            plan=self.plan,
            trial_ends_at=self.trial_ends_at,
            scopes=("*",),
            token_format="session",
            rate_limit=None,
            last_used_at=None,
        )

    @property
    def is_admin(self) -> bool:
        return self.role in ("owner", "admin")


def _mac(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), f"web-session\n{token}".encode(), hashlib.sha256).hexdigest()[:32]


def cookie_value(secret: str, token: str) -> str:
    return f"{token}.{_mac(secret, token)}"


def token_from_cookie(secret: str, value: str | None) -> str | None:
    if not value or len(value) > 200 or "." not in value:
        return None
    token, _, mac = value.rpartition(".")
    if not token or not constant_time_equal(mac, _mac(secret, token)):
        return None
    return token


async def check_password(session: AsyncSession, email: str, password: str) -> User | None:
    """The user whose email and password these are, or None (same cost whether the email exists or not)."""
    user = await OrgRepository(session).user_by_email(email) if email.strip() else None
    if user is None or not user.password_hash:
        verify_password(password, dummy_hash())
        return None
    if not verify_password(password, user.password_hash):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


async def set_password(session: AsyncSession, user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    await session.flush()


async def start_session(
    session: AsyncSession, secret: str, user: User, *, ttl: timedelta = DEFAULT_TTL
) -> tuple[WebSession, str] | None:
    """A new session in the user's first organisation; returns it with the cookie value (None: no org)."""
    stmt = (
        select(Membership.org_id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.created_at, Membership.id)
        .limit(1)
    )
    org_id = (await session.execute(stmt)).scalar_one_or_none()
    if org_id is None:
        return None
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = WebSession(
        org_id=org_id,
        user_id=user.id,
        token_hash=hash_token(secret, token),
        csrf_token=secrets.token_urlsafe(32),
        expires_at=now + ttl,
        created_at=now,
    )
    session.add(row)
    # Expired sessions of this user go when a new one starts: the table never grows without bound.
    await session.execute(
        delete(WebSession).where(WebSession.user_id == user.id, WebSession.expires_at <= now)
    )
    await session.flush()
    return row, cookie_value(secret, token)


async def load_session(session: AsyncSession, secret: str, cookie: str | None) -> SessionUser | None:
    token = token_from_cookie(secret, cookie)
    if token is None:
        return None
    stmt = (
        select(WebSession, User, Organisation, Membership.role)
        .join(User, User.id == WebSession.user_id)
        .join(Organisation, Organisation.id == WebSession.org_id)
        .join(
            Membership, (Membership.org_id == WebSession.org_id) & (Membership.user_id == WebSession.user_id)
        )
        .where(WebSession.token_hash == hash_token(secret, token))
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        return None
    web, user, org, role = row
    if web.expires_at <= utcnow():
        return None
    return SessionUser(
        session_id=web.id,
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        org_id=org.id,
        org_name=org.name,
        plan=org.plan,
        trial_ends_at=org.trial_ends_at,
        role=role,
        csrf_token=web.csrf_token,
        expires_at=web.expires_at,
    )


async def end_session(session: AsyncSession, session_id: str) -> None:
    await session.execute(delete(WebSession).where(WebSession.id == session_id))


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and constant_time_equal(expected or "", given or "")
