"""Queries on goals, scoped by organisation."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, case, update

from loop.core.clock import utcnow
from loop.db.repository import OrgRepository
from loop.goals.models import Goal


class GoalRepository(OrgRepository[Goal]):
    model = Goal

    def live(self) -> Select[tuple[Goal]]:
        return self.select().where(Goal.deleted_at.is_(None))

    async def get_live(self, goal_id: str) -> Goal | None:
        stmt = self.live().where(Goal.id == goal_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def for_projects(self, project_ids: Iterable[str]) -> dict[str, list[Goal]]:
        """Live goals of each project, primary goal first: active before the rest, then the most recently
        attached."""
        ids = list(set(project_ids))
        result: dict[str, list[Goal]] = {project_id: [] for project_id in ids}
        if not ids:
            return result
        stmt = (
            self.live()
            .where(Goal.project_id.in_(ids))
            .order_by(
                Goal.project_id,
                case((Goal.status == "active", 0), else_=1),
                Goal.linked_at.desc(),
                Goal.id.desc(),
            )
        )
        for goal in await self.all(stmt):
            result[goal.project_id].append(goal)  # type: ignore[index]
        return result

    async def detach_project(self, project_id: str) -> None:
        await self.session.execute(
            update(Goal)
            .where(Goal.org_id == self.org_id, Goal.project_id == project_id, Goal.deleted_at.is_(None))
            .values(project_id=None, linked_at=None, updated_at=utcnow())
        )
