"""``/api/goals``: goals with a computed progress, filterable by status and project."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from loop.auth.principal import Principal
from loop.db.session import ReadSession, WriteSession
from loop.goals import service
from loop.goals.schemas import GoalCreate, GoalOut, GoalUpdate
from loop.surfaces import engine

router = APIRouter(prefix="/api/goals", tags=["Goals"])

GoalsRead = Annotated[Principal, engine.requires("read:goal")]
GoalsWrite = Annotated[Principal, engine.requires("write:goal")]


@router.get("", response_model=engine.Page[GoalOut], summary="List goals")
async def list_goals(
    principal: GoalsRead,
    session: ReadSession,
    pagination: engine.Pagination,
    status: Annotated[str | None, Query(description="Comma-separated: active,achieved,abandoned")] = None,
    project_id: Annotated[str | None, Query(alias="projectId")] = None,
):
    rows, total = await service.list_goals(
        session,
        principal.org_id,
        statuses=service.parse_statuses(status),
        project_id=project_id,
        limit=pagination.limit,
        offset=pagination.offset,
    )
    return engine.page([service.to_api(row) for row in rows], total)


@router.post("", status_code=201, response_model=engine.Data[GoalOut], summary="Create a goal")
async def create_goal(body: GoalCreate, principal: GoalsWrite, session: WriteSession):
    goal = await service.create_goal(session, principal.org_id, **body.model_dump())
    return engine.one(service.to_api(goal), 201)


@router.get("/{goal_id}", response_model=engine.Data[GoalOut], summary="Get a goal")
async def get_goal(goal_id: str, principal: GoalsRead, session: ReadSession):
    return engine.one(service.to_api(await service.get_goal(session, principal.org_id, goal_id)))


@router.patch("/{goal_id}", response_model=engine.Data[GoalOut], summary="Update a goal")
async def update_goal(goal_id: str, body: GoalUpdate, principal: GoalsWrite, session: WriteSession):
    goal = await service.update_goal(session, principal.org_id, goal_id, body.changes())
    return engine.one(service.to_api(goal))


@router.delete("/{goal_id}", status_code=204, response_class=Response, summary="Delete a goal (soft)")
async def delete_goal(goal_id: str, principal: GoalsWrite, session: WriteSession):
    await service.delete_goal(session, principal.org_id, goal_id)
    return Response(status_code=204)
