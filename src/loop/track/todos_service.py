"""Todos: personal to the member a key acts as (owners and admins may act for others with ``userId``).
Completing a recurring todo spawns its next occurrence."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.auth.principal import Principal
from loop.core.clock import utcnow
from loop.core.errors import BadRequest, NotFound
from loop.track import common
from loop.track.models import Todo
from loop.track.recurrence import next_due
from loop.track.repository import TodoRepository
from loop.track.schemas import TodoCreate, TodoPatch, todo_to_api

NOT_FOUND = "Todo not found"
FILTERS = ("all", "active", "completed")
PRIORITY_ORDER = ("P1", "P2", "P3", "P4")


def _due(value: datetime | None) -> tuple[datetime | None, int | None]:
    if value is None:
        return None, None
    offset = value.utcoffset()
    if value.tzinfo is None or offset is None:
        raise BadRequest(
            "dueDate must include a timezone offset (e.g. 2026-05-04T09:00:00+02:00 or …Z)",
            code="validation_error",
            field="dueDate",
        )
    return value, int(offset.total_seconds() // 60)


async def to_api_many(session: AsyncSession, org_id: str, todos: Sequence[Todo]) -> list[dict[str, Any]]:
    tags = await TodoRepository(session, org_id).tags_for([t.id for t in todos])
    return [todo_to_api(t, tags.get(t.id, [])) for t in todos]


async def _one(session: AsyncSession, org_id: str, todo: Todo) -> dict[str, Any]:
    return (await to_api_many(session, org_id, [todo]))[0]


async def _visible(session: AsyncSession, principal: Principal, todo_id: str) -> Todo:
    todo = await TodoRepository(session, principal.org_id).get(todo_id)
    if todo is None or (not principal.is_admin and todo.user_id != principal.user_id):
        raise NotFound(NOT_FOUND)
    return todo


async def _place(
    session: AsyncSession, org_id: str, project_id: str | None, section_id: str | None
) -> tuple[str | None, str | None]:
    await common.project_ref(session, org_id, project_id)
    _, project_id = await common.section_ref(session, org_id, section_id, project_id)
    if project_id is not None:
        await common.project_ref(session, org_id, project_id)
    return project_id, section_id


async def listing(
    session: AsyncSession,
    principal: Principal,
    *,
    filter_: str,
    user_id: str | None,
    count: bool,
    unlogged: bool,
    limit: int | None,
    offset: int,
) -> Any:
    if filter_ not in FILTERS:
        raise BadRequest(
            f"Invalid 'filter': use one of {', '.join(FILTERS)}",
            code="validation_error",
            field="filter",
            allowed=list(FILTERS),
        )
    owner = await common.acting_user(session, principal, user_id)
    repo = TodoRepository(session, principal.org_id)
    stmt = repo.for_user(owner)
    if filter_ == "active":
        priority = func.coalesce(Todo.priority, "P4")
        stmt = stmt.where(Todo.completed.is_(False)).order_by(
            Todo.due_at.is_(None), Todo.due_at, priority, Todo.created_at, Todo.id
        )
    elif filter_ == "completed":
        stmt = stmt.where(Todo.completed.is_(True)).order_by(Todo.completed_at.desc(), Todo.id.desc())
        if unlogged:
            stmt = stmt.where(Todo.id.not_in(repo.logged()))
    else:
        stmt = stmt.order_by(Todo.completed, Todo.due_at.is_(None), Todo.due_at, Todo.created_at, Todo.id)
    if filter_ == "completed" and count:
        total = (
            await session.execute(select(func.count()).select_from(stmt.order_by(None).subquery()))
        ).scalar_one()
        return {"total": total}
    if filter_ == "completed" and limit is not None:
        rows, total = await repo.page(stmt, limit=limit, offset=offset)
        following = offset + len(rows)
        return {
            "items": await to_api_many(session, principal.org_id, rows),
            "total": total,
            "nextOffset": following if following < total else None,
        }
    return await to_api_many(session, principal.org_id, await repo.all(stmt))


async def get(session: AsyncSession, principal: Principal, todo_id: str) -> dict[str, Any]:
    return await _one(session, principal.org_id, await _visible(session, principal, todo_id))


async def create(session: AsyncSession, principal: Principal, body: TodoCreate) -> dict[str, Any]:
    org_id = principal.org_id
    user_id = await common.acting_user(session, principal, body.user_id)
    project_id, section_id = await _place(session, org_id, body.project_id, body.section_id)
    tags = await common.tags_by_id(session, org_id, body.tag_ids or [])
    due_at, offset = _due(body.due_date)
    now = utcnow()
    todo = Todo(
        user_id=user_id,
        project_id=project_id,
        section_id=section_id,
        title=body.title,
        description=body.description,
        priority=body.priority,
        due_at=due_at,
        due_offset_minutes=offset,
        recurrence=body.recurrence.model_dump(exclude_none=True) if body.recurrence else None,
        completed=body.completed,
        completed_at=now if body.completed else None,
        created_at=now,
        updated_at=now,
    )
    repo = TodoRepository(session, org_id)
    repo.add(todo)
    await repo.flush()
    await repo.set_tags(todo.id, [t.id for t in tags], new=True)
    return todo_to_api(todo, sorted(tags, key=lambda t: t.title_key))


async def update(
    session: AsyncSession, principal: Principal, todo_id: str, body: TodoPatch
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The updated todo, and the next occurrence when this call completed a recurring todo."""
    org_id = principal.org_id
    todo = await _visible(session, principal, todo_id)
    given = body.model_fields_set
    for field in ("title", "priority", "completed"):
        if field in given and getattr(body, field) is None:
            raise BadRequest(f"{field} cannot be null", code="validation_error", field=field)
    if "user_id" in given:
        todo.user_id = await common.acting_user(session, principal, body.user_id or principal.user_id)
    if "project_id" in given or "section_id" in given:
        project_id = body.project_id if "project_id" in given else todo.project_id
        section_id = body.section_id if "section_id" in given else todo.section_id
        if "project_id" in given and "section_id" not in given and project_id != todo.project_id:
            section_id = None
        todo.project_id, todo.section_id = await _place(session, org_id, project_id, section_id)
    if "title" in given:
        todo.title = body.title  # type: ignore[assignment]
    if "description" in given:
        todo.description = body.description
    if "priority" in given:
        todo.priority = body.priority  # type: ignore[assignment]
    if "due_date" in given:
        todo.due_at, todo.due_offset_minutes = _due(body.due_date)
    if "recurrence" in given:
        todo.recurrence = body.recurrence.model_dump(exclude_none=True) if body.recurrence else None
    repo = TodoRepository(session, org_id)
    if "tag_ids" in given:
        tags = await common.tags_by_id(session, org_id, body.tag_ids or [])
        await repo.set_tags(todo.id, [t.id for t in tags])
    spawned: Todo | None = None
    now = utcnow()
    if "completed" in given and body.completed != todo.completed:
        todo.completed = bool(body.completed)
        todo.completed_at = now if todo.completed else None
        if todo.completed and todo.recurrence and todo.next_occurrence_id is None:
            spawned = await _spawn_next(session, org_id, todo)
    todo.updated_at = now
    await session.flush()
    result = await _one(session, org_id, todo)
    return result, (await _one(session, org_id, spawned)) if spawned else None


async def _spawn_next(session: AsyncSession, org_id: str, todo: Todo) -> Todo:
    now = utcnow()
    base = todo.due_at or now
    offset = todo.due_offset_minutes if todo.due_offset_minutes is not None else 0
    assert todo.recurrence is not None
    following = Todo(
        user_id=todo.user_id,
        project_id=todo.project_id,
        section_id=todo.section_id,
        title=todo.title,
        description=todo.description,
        priority=todo.priority,
        due_at=next_due(base, offset, todo.recurrence),
        due_offset_minutes=offset,
        recurrence=dict(todo.recurrence),
        completed=False,
        created_at=now,
        updated_at=now,
    )
    repo = TodoRepository(session, org_id)
    repo.add(following)
    await repo.flush()
    tags = await repo.tags_for([todo.id])
    await repo.set_tags(following.id, [t.id for t in tags.get(todo.id, [])], new=True)
    todo.next_occurrence_id = following.id
    return following


async def delete(session: AsyncSession, principal: Principal, todo_id: str) -> None:
    todo = await _visible(session, principal, todo_id)
    await session.delete(todo)
    await session.flush()


def require_id(todo_id: str | None) -> str:
    if not todo_id:
        raise BadRequest("todoId is required", code="validation_error", field="todoId")
    return todo_id
