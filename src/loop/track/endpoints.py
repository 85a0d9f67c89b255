"""``/v1/track/{time,sections,tags,todos}`` (projects are in ``loop.projects.track_endpoints``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query

from loop.auth.principal import Principal
from loop.db.session import ReadSession, WriteSession
from loop.surfaces import track as surface
from loop.track import sections_service, tags_service, time_service, todos_service
from loop.track.schemas import (
    SectionCreate,
    SectionMutation,
    SectionOut,
    SectionUpdate,
    TagBody,
    TagMutation,
    TagOut,
    TimeCreate,
    TimeMutation,
    TimeOut,
    TimePatch,
    TodoCount,
    TodoCreate,
    TodoMutation,
    TodoOut,
    TodoPage,
    TodoPatch,
    TodoRef,
)

router = APIRouter(prefix="/v1/track", tags=["Track"])

TimeRead = Annotated[Principal, surface.requires("read:time")]
TimeWrite = Annotated[Principal, surface.requires("write:time")]
ProjectRead = Annotated[Principal, surface.requires("read:project")]
ProjectWrite = Annotated[Principal, surface.requires("write:project")]
TagRead = Annotated[Principal, surface.requires("read:tag")]
TagWrite = Annotated[Principal, surface.requires("write:tag")]
TodoRead = Annotated[Principal, surface.requires("read:todo")]
TodoWrite = Annotated[Principal, surface.requires("write:todo")]

NOT_FOUND = {404: {"description": "Not found, or another team's"}}


# -- time entries ------------------------------------------------------------------------------------------
@router.post("/time", status_code=201, response_model=TimeMutation, summary="Log time")
async def create_time(body: TimeCreate, principal: TimeWrite, session: WriteSession):
    entry = await time_service.create(session, principal, body)
    return surface.mutation("Time added", 201, time=entry)


@router.get("/time", response_model=list[TimeOut], summary="List time entries of a day, week or month")
async def list_time(
    principal: TimeRead,
    session: ReadSession,
    date: Annotated[str | None, Query(description="Required. YYYY-MM-DD (or an ISO 8601 timestamp)")] = None,
    frequency: Annotated[
        str | None, Query(description="day | week (the 7 days ending on date; default) | month")
    ] = None,
    user_id: Annotated[str | None, Query(alias="userId", description="Owners and admins only")] = None,
    project_id: Annotated[str | None, Query(alias="projectId")] = None,
):
    day = surface.parse_day(date, "date", required=True)
    assert day is not None
    rows = await time_service.listing(
        session, principal, day=day, frequency=frequency, user_id=user_id, project_id=project_id
    )
    return surface.items(rows)


@router.get("/time/{entry_id}", response_model=TimeOut, responses=NOT_FOUND, summary="Get a time entry")
async def get_time(entry_id: str, principal: TimeRead, session: ReadSession):
    return surface.entity(await time_service.get(session, principal, entry_id))


@router.patch(
    "/time/{entry_id}", response_model=TimeMutation, responses=NOT_FOUND, summary="Update a time entry"
)
async def update_time(entry_id: str, body: TimePatch, principal: TimeWrite, session: WriteSession):
    entry = await time_service.update(session, principal, entry_id, body)
    return surface.mutation("Update Successful", time=entry)


@router.delete(
    "/time/{entry_id}", response_model=surface.Message, responses=NOT_FOUND, summary="Delete a time entry"
)
async def delete_time(entry_id: str, principal: TimeWrite, session: WriteSession):
    await time_service.delete(session, principal, entry_id)
    return surface.mutation("Time deleted")


# -- sections (project scopes) -----------------------------------------------------------------------------
@router.get("/sections", response_model=list[SectionOut], summary="List the sections of a project")
async def list_sections(
    principal: ProjectRead,
    session: ReadSession,
    project_id: Annotated[str | None, Query(alias="projectId", description="Required")] = None,
):
    project_id = sections_service.require_project_id(project_id)
    return surface.items(await sections_service.listing(session, principal.org_id, project_id))


@router.post(
    "/sections",
    status_code=201,
    response_model=SectionMutation,
    responses={409: {"description": '`{"success": false, "existingSection": {…}}`'}},
    summary="Add a section to a project",
)
async def create_section(body: SectionCreate, principal: ProjectWrite, session: WriteSession):
    section = await sections_service.create(session, principal.org_id, body.project_id, body.title)
    return surface.entity({"success": True, "data": section, "section": section}, 201)


@router.put(
    "/sections/{section_id}", response_model=SectionMutation, responses=NOT_FOUND, summary="Rename a section"
)
async def update_section(
    section_id: str, body: SectionUpdate, principal: ProjectWrite, session: WriteSession
):
    section = await sections_service.rename(session, principal.org_id, section_id, body.title)
    return surface.entity({"success": True, "data": section, "section": section})


@router.delete(
    "/sections/{section_id}",
    response_model=surface.Message,
    responses=NOT_FOUND,
    summary="Delete a section (its entries stay, without a section)",
)
async def delete_section(section_id: str, principal: ProjectWrite, session: WriteSession):
    await sections_service.delete(session, principal.org_id, section_id)
    return surface.mutation("Section deleted")


# -- tags --------------------------------------------------------------------------------------------------
@router.get("/tags", response_model=list[TagOut], summary="List the team's tags")
async def list_tags(principal: TagRead, session: ReadSession):
    return surface.items(await tags_service.listing(session, principal.org_id))


@router.post(
    "/tags",
    status_code=201,
    response_model=TagMutation,
    responses={200: {"description": "The tag already existed (any case)", "model": TagMutation}},
    summary="Create a tag (idempotent, case-insensitive)",
)
async def create_tag(body: TagBody, principal: TagWrite, session: WriteSession):
    tag, created = await tags_service.create(session, principal.org_id, body.title)
    if created:
        return surface.mutation("Tag added", 201, tag=tag)
    return surface.entity(
        {"success": True, "data": tags_service.EXISTS, "tag": tag, "message": tags_service.EXISTS}
    )


@router.patch("/tags/{tag_id}", response_model=TagMutation, responses=NOT_FOUND, summary="Rename a tag")
async def update_tag(tag_id: str, body: TagBody, principal: TagWrite, session: WriteSession):
    tag = await tags_service.rename(session, principal.org_id, tag_id, body.title)
    return surface.mutation("Tag updated", tag=tag)


@router.delete("/tags/{tag_id}", response_model=surface.Message, responses=NOT_FOUND, summary="Delete a tag")
async def delete_tag(tag_id: str, principal: TagWrite, session: WriteSession):
    await tags_service.delete(session, principal.org_id, tag_id)
    return surface.mutation("Tag deleted")


# -- todos -------------------------------------------------------------------------------------------------
@router.get(
    "/todos",
    response_model=list[TodoOut] | TodoPage | TodoCount,
    summary="List todos (all, active or completed)",
)
async def list_todos(
    principal: TodoRead,
    session: ReadSession,
    filter: Annotated[str, Query(description="all (default) | active | completed")] = "all",
    count: Annotated[bool, Query(description="completed only: answer {total}")] = False,
    unlogged: Annotated[
        bool, Query(description="completed only: todos with no time logged against them")
    ] = False,
    limit: Annotated[
        int | None, Query(ge=1, le=500, description="completed only: {items, total, nextOffset}")
    ] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    user_id: Annotated[str | None, Query(alias="userId", description="Owners and admins only")] = None,
):
    result = await todos_service.listing(
        session,
        principal,
        filter_=filter.lower(),
        user_id=user_id,
        count=count,
        unlogged=unlogged,
        limit=limit,
        offset=offset,
    )
    return surface.entity(result)


@router.post("/todos", status_code=201, response_model=TodoMutation, summary="Add a todo")
async def create_todo(body: TodoCreate, principal: TodoWrite, session: WriteSession):
    todo = await todos_service.create(session, principal, body)
    return surface.mutation("Todo added", 201, todo=todo)


@router.patch("/todos", response_model=TodoMutation, summary="Update a todo named by todoId in the body")
async def update_todo_by_body(body: TodoPatch, principal: TodoWrite, session: WriteSession):
    return await _update_todo(todos_service.require_id(body.todo_id), body, principal, session)


@router.delete("/todos", response_model=surface.Message, summary="Delete a todo named by todoId in the body")
async def delete_todo_by_body(
    principal: TodoWrite,
    session: WriteSession,
    body: Annotated[TodoRef | None, Body()] = None,
    todo_id: Annotated[str | None, Query(alias="todoId")] = None,
):
    await todos_service.delete(
        session, principal, todos_service.require_id(body.todo_id if body else todo_id)
    )
    return surface.mutation("Todo deleted")


@router.get("/todos/{todo_id}", response_model=TodoOut, responses=NOT_FOUND, summary="Get a todo")
async def get_todo(todo_id: str, principal: TodoRead, session: ReadSession):
    return surface.entity(await todos_service.get(session, principal, todo_id))


@router.patch("/todos/{todo_id}", response_model=TodoMutation, responses=NOT_FOUND, summary="Update a todo")
async def update_todo(todo_id: str, body: TodoPatch, principal: TodoWrite, session: WriteSession):
    return await _update_todo(todo_id, body, principal, session)


@router.delete(
    "/todos/{todo_id}", response_model=surface.Message, responses=NOT_FOUND, summary="Delete a todo"
)
async def delete_todo(todo_id: str, principal: TodoWrite, session: WriteSession):
    await todos_service.delete(session, principal, todo_id)
    return surface.mutation("Todo deleted")


async def _update_todo(todo_id: str, body: TodoPatch, principal: Principal, session: WriteSession):
    todo, following = await todos_service.update(session, principal, todo_id, body)
    if following is not None:
        return surface.mutation("Update Successful", todo=todo, nextOccurrence=following)
    return surface.mutation("Update Successful", todo=todo)
