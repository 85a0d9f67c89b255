"""``/api/projects``: the engine's view of projects."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response

from loop.auth.principal import Principal
from loop.db.session import ReadSession, WriteSession
from loop.projects import engine_service as service
from loop.projects.engine_schemas import ProjectCreate, ProjectDetail, ProjectOut, ProjectUpdate
from loop.surfaces import engine

router = APIRouter(prefix="/api/projects", tags=["Projects"])

ProjectsRead = Annotated[Principal, engine.requires("read:project")]
ProjectsWrite = Annotated[Principal, engine.requires("write:project")]


@router.get("", response_model=engine.Page[ProjectOut], summary="List projects")
async def list_projects(principal: ProjectsRead, session: ReadSession, pagination: engine.Pagination):
    items, total = await service.list_projects(
        session, principal.org_id, limit=pagination.limit, offset=pagination.offset
    )
    return engine.page(items, total)


@router.post("", status_code=201, response_model=engine.Data[ProjectOut], summary="Create a project")
async def create_project(body: ProjectCreate, principal: ProjectsWrite, session: WriteSession):
    return engine.one(await service.create_project(session, principal.org_id, **body.model_dump()), 201)


@router.get("/{project_id}", response_model=engine.Data[ProjectDetail], summary="Get a project")
async def get_project(project_id: str, principal: ProjectsRead, session: ReadSession):
    return engine.one(await service.project_detail(session, principal.org_id, project_id))


@router.patch("/{project_id}", response_model=engine.Data[ProjectOut], summary="Update a project")
async def update_project(
    project_id: str, body: ProjectUpdate, principal: ProjectsWrite, session: WriteSession
):
    return engine.one(await service.update_project(session, principal.org_id, project_id, body.changes()))


@router.delete("/{project_id}", status_code=204, response_class=Response, summary="Delete a project (soft)")
async def delete_project(project_id: str, principal: ProjectsWrite, session: WriteSession):
    await service.delete_project(session, principal.org_id, project_id)
    return Response(status_code=204)
