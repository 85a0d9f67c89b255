"""Track's rules on the shared projects: codes unique per team, a project with time cannot be deleted,
member rates are set by owners and admins."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.auth.principal import Principal
from loop.clients.repository import ClientRepository
from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Conflict, Forbidden, NotFound
from loop.invoices.money import checked
from loop.projects.models import Project, ProjectMember
from loop.projects.repository import ProjectMemberRepository, ProjectRepository
from loop.projects.track_schemas import (
    MemberBody,
    ProjectChanges,
    ProjectCreate,
    member_to_api,
    project_to_api,
)
from loop.track.common import save_unique
from loop.track.repository import PeopleRepository, TimeEntryRepository

NOT_FOUND = "Project not found"
CODE_EXISTS = "Project code already exists"
HAS_TIME = "Cannot delete project with associated time entries"
RATES_ARE_ADMIN = "Only owners and admins can change project members and their rates"


async def _live(session: AsyncSession, org_id: str, project_id: str) -> Project:
    project = await ProjectRepository(session, org_id).get_live(project_id)
    if project is None:
        raise NotFound(NOT_FOUND)
    return project


async def _code_taken(session: AsyncSession, org_id: str, code: str, except_id: str | None = None) -> bool:
    # every row counts, deleted or not: the unique constraint does not know about soft deletes
    stmt = select(Project.id).where(Project.org_id == org_id, Project.code == code)
    if except_id is not None:
        stmt = stmt.where(Project.id != except_id)
    return (await session.execute(stmt.limit(1))).first() is not None


async def _check_client(session: AsyncSession, org_id: str, client_id: str | None) -> None:
    if client_id is not None and await ClientRepository(session, org_id).get(client_id) is None:
        raise BadRequest("Client not found", code="invalid_reference", field="clientId")


async def _save(session: AsyncSession, apply: Any) -> None:
    if not await save_unique(session, apply):  # the same code, saved concurrently
        raise Conflict(CODE_EXISTS, code="project_code_exists")


async def members_of(session: AsyncSession, org_id: str, project_id: str) -> list[dict[str, Any]]:
    members = await ProjectMemberRepository(session, org_id).for_project(project_id)
    users = await PeopleRepository(session, org_id).users(m.user_id for m in members)
    return [member_to_api(m, users.get(m.user_id)) for m in members]


async def listing(
    session: AsyncSession, org_id: str, *, status: str | None, limit: int, offset: int
) -> tuple[Sequence[Project], int]:
    repo = ProjectRepository(session, org_id)
    stmt = repo.live().order_by(Project.created_at.desc(), Project.id.desc())
    if status is not None:
        stmt = stmt.where(Project.track_status == status)
    return await repo.page(stmt, limit=limit, offset=offset)


async def get(session: AsyncSession, org_id: str, project_id: str) -> dict[str, Any]:
    project = await _live(session, org_id, project_id)
    return project_to_api(project, await members_of(session, org_id, project.id))


async def create(session: AsyncSession, org_id: str, body: ProjectCreate) -> dict[str, Any]:
    code = body.code.strip() if body.code else None
    if code and await _code_taken(session, org_id, code):
        raise Conflict(CODE_EXISTS, code="project_code_exists")
    await _check_client(session, org_id, body.client_id)
    now = utcnow()
    project = Project(
        name=body.title.strip(),
        code=code or None,
        track_status=body.status,
        client_id=body.client_id,
        created_at=now,
        updated_at=now,
    )
    await _save(session, lambda: ProjectRepository(session, org_id).add(project))
    return project_to_api(project, [])


async def update(
    session: AsyncSession, org_id: str, project_id: str, changes: ProjectChanges
) -> dict[str, Any]:
    project = await _live(session, org_id, project_id)
    given = changes.model_fields_set
    values: dict[str, Any] = {"updated_at": utcnow()}
    if "title" in given:
        if not changes.title or not changes.title.strip():
            raise BadRequest("title cannot be empty", code="validation_error", field="title")
        values["name"] = changes.title.strip()
    if "status" in given:
        if changes.status is None:
            raise BadRequest("status cannot be null", code="validation_error", field="status")
        values["track_status"] = changes.status
    if "code" in given:
        code = changes.code.strip() if changes.code else None
        if code and await _code_taken(session, org_id, code, except_id=project.id):
            raise Conflict(CODE_EXISTS, code="project_code_exists")
        values["code"] = code or None
    if "client_id" in given:
        await _check_client(session, org_id, changes.client_id)
        values["client_id"] = changes.client_id

    def apply() -> None:
        for name, value in values.items():
            setattr(project, name, value)

    await _save(session, apply)
    return project_to_api(project, await members_of(session, org_id, project.id))


async def delete(session: AsyncSession, org_id: str, project_id: str) -> None:
    """Soft delete, as every surface does (the row may be referenced elsewhere); the code is freed."""
    project = await _live(session, org_id, project_id)
    if await TimeEntryRepository(session, org_id).count_for_project(project.id):
        raise BadRequest(HAS_TIME, code="project_has_time_entries")
    project.deleted_at = utcnow()
    project.code = None
    await session.flush()


# -- members -----------------------------------------------------------------------------------------------
async def list_members(session: AsyncSession, org_id: str, project_id: str) -> list[dict[str, Any]]:
    await _live(session, org_id, project_id)
    return await members_of(session, org_id, project_id)


async def save_member(
    session: AsyncSession, principal: Principal, project_id: str, user_id: str, body: MemberBody
) -> tuple[dict[str, Any], bool]:
    if not principal.is_admin:
        raise Forbidden(RATES_ARE_ADMIN, code="role_required")
    org_id = principal.org_id
    await _live(session, org_id, project_id)
    people = PeopleRepository(session, org_id)
    if not await people.is_member(user_id):
        raise NotFound("User not found")
    repo = ProjectMemberRepository(session, org_id)
    member = await repo.get_member(project_id, user_id)
    created = member is None
    if member is None:
        member = repo.add(
            ProjectMember(project_id=project_id, user_id=user_id, role="MEMBER", created_at=utcnow())
        )
    given = body.model_fields_set
    if "role" in given and body.role is not None:
        member.role = body.role
    for field in ("rate", "cost"):
        if field in given:
            value = getattr(body, field)
            setattr(member, field, None if value is None else checked(value, field, minimum=0))
    await session.flush()
    users = await people.users([user_id])
    return member_to_api(member, users.get(user_id)), created


async def remove_member(session: AsyncSession, principal: Principal, project_id: str, user_id: str) -> None:
    if not principal.is_admin:
        raise Forbidden(RATES_ARE_ADMIN, code="role_required")
    await _live(session, principal.org_id, project_id)
    member = await ProjectMemberRepository(session, principal.org_id).get_member(project_id, user_id)
    if member is None:
        raise NotFound("Project member not found")
    await session.delete(member)
    await session.flush()
