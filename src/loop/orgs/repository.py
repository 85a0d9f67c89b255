from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.orgs.models import Membership, Organisation, User


class OrgRepository:
    """Organisations are the tenants themselves, so this repository is not org-scoped."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def count(self) -> int:
        return (await self.session.execute(select(func.count()).select_from(Organisation))).scalar_one()

    async def get(self, org_id: str) -> Organisation | None:
        return await self.session.get(Organisation, org_id)

    async def first(self) -> Organisation | None:
        stmt = select(Organisation).order_by(Organisation.created_at, Organisation.id).limit(1)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def user_by_email(self, email: str) -> User | None:
        stmt = select(User).where(User.email == email.strip().lower())
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def membership(self, org_id: str, user_id: str) -> Membership | None:
        stmt = select(Membership).where(Membership.org_id == org_id, Membership.user_id == user_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def owner_of(self, org_id: str) -> User | None:
        stmt = (
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.org_id == org_id, Membership.role == "owner")
            .order_by(Membership.created_at)
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def members(self, org_id: str) -> list[tuple[User, Membership]]:
        stmt = (
            select(User, Membership)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.org_id == org_id)
            .order_by(Membership.created_at, User.id)
        )
        return [(u, m) for u, m in (await self.session.execute(stmt)).all()]
