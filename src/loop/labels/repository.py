"""Queries on labels, scoped by organisation."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, delete

from loop.db.repository import OrgRepository
from loop.issues.models import IssueLabel
from loop.labels.models import Label


def name_key(name: str) -> str:
    """Label names are unique regardless of case and surrounding or repeated spaces."""
    return " ".join(name.split()).casefold()


class LabelRepository(OrgRepository[Label]):
    model = Label

    def live(self) -> Select[tuple[Label]]:
        return self.select().where(Label.deleted_at.is_(None))

    async def get_live(self, label_id: str) -> Label | None:
        stmt = self.live().where(Label.id == label_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def live_by_ids(self, ids: Iterable[str]) -> list[Label]:
        ids = list(set(ids))
        if not ids:
            return []
        return list(await self.all(self.live().where(Label.id.in_(ids))))

    async def live_by_name(self, name: str) -> Label | None:
        stmt = self.live().where(Label.name_key == name_key(name))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def unlink_from_issues(self, label_id: str) -> None:
        await self.session.execute(
            delete(IssueLabel).where(IssueLabel.org_id == self.org_id, IssueLabel.label_id == label_id)
        )
