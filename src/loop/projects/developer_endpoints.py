"""``/api/v1/projects``: list, get (with the widget key), members; create, update, archive, rotate key."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from loop.auth.principal import Principal
from loop.db.session import ReadSession, WriteSession
from loop.projects import developer_service as service
from loop.projects.developer_schemas import (
    MemberOut,
    ProjectCreate,
    ProjectDetail,
    ProjectOut,
    ProjectUpdate,
    project_to_api,
)
from loop.projects.developer_support import WholeList
from loop.surfaces import developer

router = APIRouter(prefix="/api/v1/projects", tags=["Projects"])

ProjectsRead = Annotated[Principal, developer.requires("read:project")]
ProjectsWrite = Annotated[Principal, developer.requires("write:project")]
NOT_FOUND = {404: {"description": "Project not found"}}


@router.get("", response_model=developer.Page[ProjectOut], summary="List projects")
async def list_projects(
    principal: ProjectsRead,
    session: ReadSession,
    pagination: WholeList,
    type: Annotated[Literal["website", "board"] | None, Query(description="website or board")] = None,
    client_id: Annotated[str | None, Query(description="Only this client's projects")] = None,
    include_archived: Annotated[bool, Query(description="Include archived projects")] = False,
):
    rows, total = await service.list_projects(
        session,
        principal.org_id,
        include_archived=include_archived,
        type_=type,
        client_id=client_id,
        limit=pagination.limit,
        offset=pagination.offset,
    )
    return developer.page([project_to_api(p) for p in rows], total, pagination)


@router.post("", status_code=201, response_model=developer.Data[ProjectDetail], summary="Create a project")
async def create_project(
    request: Request, body: ProjectCreate, principal: ProjectsWrite, session: WriteSession
):
    project = await service.create_project(session, request.app.state.settings, principal, body)
    return developer.one(project_to_api(project, with_key=True), 201)


@router.get(
    "/{project_id}",
    response_model=developer.Data[ProjectDetail],
    responses=NOT_FOUND,
    summary="Get a project",
)
async def get_project(request: Request, project_id: str, principal: ProjectsRead, session: ReadSession):
    project = await service.get_project(session, principal.org_id, project_id)
    project = await service.ensure_widget_key(request.app.state.database, project)
    return developer.one(project_to_api(project, with_key=True))


@router.patch(
    "/{project_id}",
    response_model=developer.Data[ProjectDetail],
    responses=NOT_FOUND,
    summary="Update a project",
)
async def update_project(
    project_id: str, body: ProjectUpdate, principal: ProjectsWrite, session: WriteSession
):
    project = await service.update_project(session, principal, project_id, body)
    return developer.one(project_to_api(project, with_key=True))


@router.post(
    "/{project_id}/archive",
    response_model=developer.Data[ProjectDetail],
    responses=NOT_FOUND,
    summary="Archive a project",
)
async def archive_project(request: Request, project_id: str, principal: ProjectsWrite, session: WriteSession):
    project = await service.set_archived(session, request.app.state.settings, principal, project_id, True)
    return developer.one(project_to_api(project, with_key=True))


@router.post(
    "/{project_id}/unarchive",
    response_model=developer.Data[ProjectDetail],
    responses=NOT_FOUND,
    summary="Restore an archived project",
)
async def unarchive_project(
    request: Request, project_id: str, principal: ProjectsWrite, session: WriteSession
):
    project = await service.set_archived(session, request.app.state.settings, principal, project_id, False)
    return developer.one(project_to_api(project, with_key=True))


@router.post(
    "/{project_id}/rotate-key",
    response_model=developer.Data[ProjectDetail],
    responses=NOT_FOUND,
    summary="Replace the widget key (the old key stops working at once)",
)
async def rotate_key(project_id: str, principal: ProjectsWrite, session: WriteSession):
    project = await service.rotate_widget_key(session, principal, project_id)
    return developer.one(project_to_api(project, with_key=True))


@router.get(
    "/{project_id}/members",
    response_model=developer.Page[MemberOut],
    responses=NOT_FOUND,
    summary="List a project's members (for @mentions)",
)
async def list_members(project_id: str, principal: ProjectsRead, session: ReadSession, pagination: WholeList):
    members = await service.list_members(session, principal.org_id, project_id)
    window = members[pagination.offset : pagination.offset + pagination.limit]
    return developer.page(window, len(members), pagination)
