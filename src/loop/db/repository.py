"""Repository base: every query of a tenant-owned table is scoped by ``org_id`` here, once.

A row of another organisation is indistinguishable from a missing row: ``get`` returns None for both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.db.base import Base

M = TypeVar("M", bound=Base)


class OrgRepository(Generic[M]):
    model: type[M]

    def __init__(self, session: AsyncSession, org_id: str) -> None:
        self.session = session
        self.org_id = org_id

    # -- statements ------------------------------------------------------------------------------
    def select(self, *entities: Any) -> Select[Any]:
        stmt = select(*entities) if entities else select(self.model)
        return stmt.where(self.model.org_id == self.org_id)  # type: ignore[attr-defined]

    def scoped(self, stmt: Select[Any]) -> Select[Any]:
        return stmt.where(self.model.org_id == self.org_id)  # type: ignore[attr-defined]

    # -- reads ------------------------------------------------------------------------------------
    async def get(self, id_: str, *, for_update: bool = False) -> M | None:
        stmt = self.select().where(self.model.id == id_)  # type: ignore[attr-defined]
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def all(self, stmt: Select[Any]) -> Sequence[M]:
        return (await self.session.execute(stmt)).scalars().all()

    async def page(self, stmt: Select[Any], *, limit: int, offset: int) -> tuple[Sequence[M], int]:
        """One page of ``stmt`` and the total number of rows it matches (order_by is dropped for the count)."""
        count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())
        total = (await self.session.execute(count_stmt)).scalar_one()
        if total == 0 or offset >= total:
            return [], total
        rows = (await self.session.execute(stmt.limit(limit).offset(offset))).scalars().all()
        return rows, total

    # -- writes -----------------------------------------------------------------------------------
    def add(self, obj: M) -> M:
        obj.org_id = self.org_id  # type: ignore[attr-defined]
        self.session.add(obj)
        return obj

    async def flush(self) -> None:
        await self.session.flush()
