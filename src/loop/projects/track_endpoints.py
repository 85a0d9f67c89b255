"""``/v1/track/projects``: the shared projects, as Track shows them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from loop.auth.principal import Principal
from loop.core.errors import BadRequest
from loop.db.session import ReadSession, WriteSession
from loop.projects import track_service as service
from loop.projects.track_schemas import (
    MemberBody,
    MemberMutation,
    MemberOut,
    ProjectCreate,
    ProjectMutation,
    ProjectOut,
    ProjectUpdate,
    TrackStatus,
    project_to_api,
)
from loop.surfaces import track as surface

router = APIRouter(prefix="/v1/track/projects", tags=["Track"])

ProjectRead = Annotated[Principal, surface.requires("read:project")]
ProjectWrite = Annotated[Principal, surface.requires("write:project")]
NOT_FOUND = {404: {"description": "Not found, or another team's"}}


@router.get("", response_model=surface.Paged[ProjectOut], summary="List projects (10 per page by default)")
async def list_projects(
    principal: ProjectRead,
    session: ReadSession,
    pages: surface.Pages,
    status: Annotated[TrackStatus | None, Query(description="Only projects with this status")] = None,
):
    rows, total = await service.listing(
        session, principal.org_id, status=status, limit=pages.limit, offset=pages.offset
    )
    return surface.paged([project_to_api(p) for p in rows], total, pages)


@router.post(
    "",
    status_code=201,
    response_model=ProjectMutation,
    responses={409: {"description": "Project code already exists"}},
    summary="Add a project",
)
async def create_project(body: ProjectCreate, principal: ProjectWrite, session: WriteSession):
    project = await service.create(session, principal.org_id, body)
    return surface.mutation("Project added", 201, project=project)


@router.get(
    "/{project_id}", response_model=ProjectOut, responses=NOT_FOUND, summary="Get a project and its members"
)
async def get_project(project_id: str, principal: ProjectRead, session: ReadSession):
    return surface.entity(await service.get(session, principal.org_id, project_id))


@router.put(
    "/{project_id}",
    response_model=ProjectMutation,
    responses={**NOT_FOUND, 409: {"description": "Project code already exists"}},
    summary="Update a project: {id, data: {title?, code?, status?}}",
)
async def update_project(
    project_id: str, body: ProjectUpdate, principal: ProjectWrite, session: WriteSession
):
    if body.id is not None and body.id != project_id:
        raise BadRequest("The id in the body does not match the path", code="validation_error", field="id")
    project = await service.update(session, principal.org_id, project_id, body.data)
    return surface.mutation("Project updated", project=project)


@router.delete(
    "/{project_id}",
    response_model=surface.Message,
    responses={**NOT_FOUND, 400: {"description": "Cannot delete project with associated time entries"}},
    summary="Delete a project without time entries",
)
async def delete_project(project_id: str, principal: ProjectWrite, session: WriteSession):
    await service.delete(session, principal.org_id, project_id)
    return surface.mutation("Project deleted")


@router.get(
    "/{project_id}/members", response_model=list[MemberOut], responses=NOT_FOUND, summary="List members"
)
async def list_members(project_id: str, principal: ProjectRead, session: ReadSession):
    return surface.items(await service.list_members(session, principal.org_id, project_id))


@router.put(
    "/{project_id}/members/{user_id}",
    response_model=MemberMutation,
    responses=NOT_FOUND,
    summary="Add a member or change their role, rate and cost (owners and admins)",
)
async def save_member(
    project_id: str, user_id: str, body: MemberBody, principal: ProjectWrite, session: WriteSession
):
    member, created = await service.save_member(session, principal, project_id, user_id, body)
    return surface.mutation(
        "Member added" if created else "Member updated", 201 if created else 200, member=member
    )


@router.delete(
    "/{project_id}/members/{user_id}",
    response_model=surface.Message,
    responses=NOT_FOUND,
    summary="Remove a member from a project (owners and admins)",
)
async def remove_member(project_id: str, user_id: str, principal: ProjectWrite, session: WriteSession):
    await service.remove_member(session, principal, project_id, user_id)
    return surface.mutation("Member removed")
