"""Organisations, users and memberships; the first-start bootstrap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.core.errors import Conflict
from loop.orgs.hooks import load_seeders
from loop.orgs.models import Membership, Organisation, Plan, Role, User
from loop.orgs.repository import OrgRepository


async def create_organisation(
    session: AsyncSession,
    name: str,
    *,
    plan: str = Plan.business.value,
    trial_ends_at: datetime | None = None,
    currency: str = "USD",
) -> Organisation:
    org = Organisation(
        name=name, plan=Plan(plan).value, trial_ends_at=trial_ends_at, currency=currency.upper()
    )
    session.add(org)
    await session.flush()
    for seed in load_seeders():
        await seed(session, org)
    return org


async def create_user(session: AsyncSession, email: str, display_name: str | None = None) -> User:
    email = email.strip().lower()
    if await OrgRepository(session).user_by_email(email):
        raise Conflict("A user with this email already exists", code="user_exists")
    user = User(email=email, display_name=display_name or email.split("@")[0])
    session.add(user)
    await session.flush()
    return user


async def add_member(
    session: AsyncSession, org: Organisation, user: User, role: str = Role.member.value
) -> Membership:
    membership = Membership(org_id=org.id, user_id=user.id, role=Role(role).value, created_at=utcnow())
    session.add(membership)
    await session.flush()
    return membership


@dataclass
class Bootstrap:
    organisation: Organisation
    owner: User
    token: str
    # Set by ``loop serve`` on first start: printed once, only its hash is stored.
    dashboard_password: str | None = None


async def bootstrap(session: AsyncSession, *, owner_email: str = "owner@localhost") -> Bootstrap | None:
    """On an empty store: the default organisation (plan business), its owner and one token.

    Returns None when the store already has an organisation (a second start changes nothing)."""
    from loop.tokens.service import create_token  # tokens depend on orgs, not the other way round

    if await OrgRepository(session).count() > 0:
        return None
    org = await create_organisation(session, "My organisation", plan=Plan.business.value)
    owner = await create_user(session, owner_email, "Owner")
    await add_member(session, org, owner, Role.owner.value)
    _, token = await create_token(session, org_id=org.id, user_id=owner.id, name="First token")
    return Bootstrap(organisation=org, owner=owner, token=token)
