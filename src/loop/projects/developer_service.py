"""Projects as the developer API sees them: the shared ``projects`` rows with their type, url, client and
widget key. Creating a board project also creates its default lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from loop.auth.principal import Principal
from loop.boards.models import DEFAULT_LISTS, BoardList
from loop.clients.repository import ClientRepository
from loop.config import Settings
from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Forbidden, NotFound
from loop.db.session import Database
from loop.orgs.repository import OrgRepository as Orgs
from loop.projects.developer_schemas import ProjectCreate, ProjectUpdate, clean_url, new_widget_key
from loop.projects.developer_support import effective_plan, lock_organisation, plan_quota
from loop.projects.models import Project
from loop.projects.repository import ProjectRepository

PROJECT_NOT_FOUND = "Project not found"


class DeveloperProjects(ProjectRepository):
    def listing(self, *, include_archived: bool, type_: str | None, client_id: str | None) -> Any:
        stmt = self.live().order_by(Project.created_at.desc(), Project.id.desc())
        if not include_archived:
            stmt = stmt.where(Project.archived_at.is_(None))
        if type_ is not None:
            stmt = stmt.where(Project.type == type_)
        if client_id is not None:
            stmt = stmt.where(Project.client_id == client_id)
        return stmt

    async def count_active(self) -> int:
        stmt = self.select(func.count()).where(Project.deleted_at.is_(None), Project.archived_at.is_(None))
        return (await self.session.execute(stmt)).scalar_one()


async def get_project(session: AsyncSession, org_id: str, project_id: str) -> Project:
    project = await ProjectRepository(session, org_id).get_live(project_id)
    if project is None:
        raise NotFound(PROJECT_NOT_FOUND)
    return project


async def list_projects(
    session: AsyncSession,
    org_id: str,
    *,
    include_archived: bool,
    type_: str | None,
    client_id: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Project], int]:
    repo = DeveloperProjects(session, org_id)
    stmt = repo.listing(include_archived=include_archived, type_=type_, client_id=client_id)
    return await repo.page(stmt, limit=limit, offset=offset)


async def ensure_widget_key(database: Database, project: Project) -> Project:
    """Projects created on another surface get their widget key the first time it is asked for."""
    if project.widget_key:
        return project
    async with database.write() as session:
        await session.execute(
            update(Project)
            .where(Project.id == project.id, Project.widget_key.is_(None))
            .values(widget_key=new_widget_key())
        )
        key = (await session.execute(select(Project.widget_key).where(Project.id == project.id))).scalar_one()
    project.widget_key = key
    return project


async def _check_client(session: AsyncSession, org_id: str, client_id: str | None) -> None:
    if client_id is not None and await ClientRepository(session, org_id).get(client_id) is None:
        raise BadRequest("client_id does not match a client of this organisation", code="invalid_client_id")


async def _check_quota(session: AsyncSession, settings: Settings, org_id: str) -> None:
    org = await lock_organisation(session, org_id)
    limit = plan_quota(settings, "projects", effective_plan(org.plan, org.trial_ends_at))
    if limit is not None and await DeveloperProjects(session, org_id).count_active() >= limit:
        raise Forbidden(
            f"Project limit reached for your plan ({limit} active projects): archive a project or upgrade",
            code="project_limit_reached",
            limit=limit,
        )


async def create_project(
    session: AsyncSession, settings: Settings, principal: Principal, body: ProjectCreate
) -> Project:
    name = body.name.strip()
    if not name:
        raise BadRequest("name is required", code="validation_error")
    if body.type == "board":
        if body.url:
            raise BadRequest("Board projects have no url", code="invalid_url")
        url = None
    else:
        if not body.url:
            raise BadRequest("url is required for website projects", code="invalid_url")
        url = clean_url(body.url)
    await _check_client(session, principal.org_id, body.client_id)
    await _check_quota(session, settings, principal.org_id)
    repo = ProjectRepository(session, principal.org_id)
    project = repo.add(
        Project(
            name=name,
            type=body.type,
            url=url,
            client_id=body.client_id,
            description=body.description,
            widget_key=new_widget_key(),
        )
    )
    await session.flush()
    if body.type == "board":
        for position, list_name in enumerate(DEFAULT_LISTS):
            session.add(
                BoardList(org_id=principal.org_id, project_id=project.id, name=list_name, position=position)
            )
        await session.flush()
    return project


async def update_project(
    session: AsyncSession, principal: Principal, project_id: str, body: ProjectUpdate
) -> Project:
    fields = body.model_fields_set & {"name", "url", "client_id", "description"}
    if not fields:
        raise BadRequest("No valid fields", code="no_valid_fields")
    project = await get_project(session, principal.org_id, project_id)
    if "name" in fields:
        if body.name is None or not body.name.strip():
            raise BadRequest("name cannot be empty", code="validation_error")
        project.name = body.name.strip()
    if "url" in fields:
        if project.type == "board":
            if body.url:
                raise BadRequest("Board projects have no url", code="invalid_url")
        elif not body.url:
            raise BadRequest("url is required for website projects", code="invalid_url")
        project.url = clean_url(body.url) if body.url else None
    if "client_id" in fields:
        await _check_client(session, principal.org_id, body.client_id)
        project.client_id = body.client_id
    if "description" in fields:
        project.description = body.description
    project.updated_at = utcnow()
    await session.flush()
    return project


async def set_archived(
    session: AsyncSession, settings: Settings, principal: Principal, project_id: str, archived: bool
) -> Project:
    project = await get_project(session, principal.org_id, project_id)
    if archived and project.archived_at is None:
        project.archived_at = utcnow()
    elif not archived and project.archived_at is not None:
        await _check_quota(session, settings, principal.org_id)
        project.archived_at = None
    project.updated_at = utcnow()
    await session.flush()
    return project


async def rotate_widget_key(session: AsyncSession, principal: Principal, project_id: str) -> Project:
    project = await get_project(session, principal.org_id, project_id)
    project.widget_key = new_widget_key()
    project.updated_at = utcnow()
    await session.flush()
    return project


async def list_members(session: AsyncSession, org_id: str, project_id: str) -> list[dict[str, Any]]:
    """Everyone in the organisation can work on every project (Loop has no per-project access list), so a
    project's members are the organisation's members."""
    await get_project(session, org_id, project_id)
    members = await Orgs(session).members(org_id)
    return [
        {
            "user_id": user.id,
            "display_name": user.display_name,
            "email": user.email,
            "role": membership.role,
            "avatar_url": user.avatar_url,
        }
        for user, membership in members
    ]
