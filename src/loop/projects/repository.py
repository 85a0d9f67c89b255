"""Queries on the shared projects table. Each surface adds its own views in its own module; the lookups
every surface needs live here once."""

from __future__ import annotations

from sqlalchemy import Select

from loop.db.repository import OrgRepository
from loop.projects.models import Project, ProjectMember


class ProjectRepository(OrgRepository[Project]):
    model = Project

    def live(self) -> Select[tuple[Project]]:
        """Projects that are not deleted (archived ones included: they still own their history)."""
        return self.select().where(Project.deleted_at.is_(None))

    async def get_live(self, project_id: str) -> Project | None:
        stmt = self.live().where(Project.id == project_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_by_code(self, code: str) -> Project | None:
        stmt = self.live().where(Project.code == code)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def exists(self, project_id: str) -> bool:
        return await self.get_live(project_id) is not None


class ProjectMemberRepository(OrgRepository[ProjectMember]):
    model = ProjectMember

    async def for_project(self, project_id: str) -> list[ProjectMember]:
        stmt = self.select().where(ProjectMember.project_id == project_id).order_by(ProjectMember.created_at)
        return list(await self.all(stmt))

    async def get_member(self, project_id: str, user_id: str) -> ProjectMember | None:
        stmt = self.select().where(ProjectMember.project_id == project_id, ProjectMember.user_id == user_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()
