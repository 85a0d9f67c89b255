"""The engine's view of the shared projects table: status, health, description, soft delete, the
project's goals (through ``goals.project_id``, the only link) and its issue counts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.core.errors import BadRequest, NotFound
from loop.goals import service as goals
from loop.issues.repository import IssueRepository
from loop.projects.engine_schemas import PROJECT_HEALTHS, PROJECT_STATUSES, project_to_api
from loop.projects.models import Project
from loop.projects.repository import ProjectRepository

PROJECT_NOT_FOUND = "Project not found"
UPDATABLE = frozenset({"name", "description", "status", "health", "goal_id"})
NOT_NULL = frozenset({"name", "status", "health"})


def _check(changes: Mapping[str, Any]) -> None:
    for field in NOT_NULL & set(changes):
        if changes[field] is None:
            raise BadRequest(f"Invalid '{field}': must not be null", code="validation_error")
    if "status" in changes and changes["status"] not in PROJECT_STATUSES:
        raise BadRequest(
            f"Invalid 'status' (allowed: {', '.join(PROJECT_STATUSES)})", code="validation_error"
        )
    if "health" in changes and changes["health"] not in PROJECT_HEALTHS:
        raise BadRequest(f"Invalid 'health' (allowed: {', '.join(PROJECT_HEALTHS)})", code="validation_error")


async def _get(session: AsyncSession, org_id: str, project_id: str) -> Project:
    project = await ProjectRepository(session, org_id).get_live(project_id)
    if project is None:
        raise NotFound(PROJECT_NOT_FOUND)
    return project


async def _primary_goal_id(session: AsyncSession, org_id: str, project_id: str) -> str | None:
    found = (await goals.goals_of_projects(session, org_id, [project_id]))[project_id]
    return found[0].id if found else None


async def list_projects(
    session: AsyncSession, org_id: str, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    repo = ProjectRepository(session, org_id)
    rows, total = await repo.page(
        repo.live().order_by(Project.created_at, Project.id), limit=limit, offset=offset
    )
    by_project = await goals.goals_of_projects(session, org_id, [row.id for row in rows])
    return [
        project_to_api(row, by_project[row.id][0].id if by_project[row.id] else None) for row in rows
    ], total


async def create_project(
    session: AsyncSession,
    org_id: str,
    *,
    name: str,
    description: str | None = None,
    status: str = "backlog",
    health: str = "on_track",
    goal_id: str | None = None,
) -> dict[str, Any]:
    _check({"name": name, "status": status, "health": health})
    if goal_id is not None:
        await goals.get_goal_for_link(session, org_id, goal_id)
    now = utcnow()
    project = ProjectRepository(session, org_id).add(
        Project(
            name=name, description=description, status=status, health=health, created_at=now, updated_at=now
        )
    )
    await session.flush()
    if goal_id is not None:
        await goals.attach_to_project(session, org_id, goal_id, project.id)
    return project_to_api(project, goal_id)


async def project_detail(session: AsyncSession, org_id: str, project_id: str) -> dict[str, Any]:
    project = await _get(session, org_id, project_id)
    project_goals = (await goals.goals_of_projects(session, org_id, [project.id]))[project.id]
    counts = await IssueRepository(session, org_id).status_counts(project.id)
    primary = project_goals[0] if project_goals else None
    return {
        **project_to_api(project, primary.id if primary else None),
        "goal": goals.to_api(primary) if primary else None,
        "goals": [goals.to_api(goal) for goal in project_goals],
        "issueCounts": counts,
    }


async def update_project(
    session: AsyncSession, org_id: str, project_id: str, changes: Mapping[str, Any]
) -> dict[str, Any]:
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    _check(changes)
    project = await _get(session, org_id, project_id)
    if "goal_id" in changes:
        goal_id = changes["goal_id"]
        if goal_id is None:
            await goals.detach_project_goals(session, org_id, project.id)
        else:
            await goals.attach_to_project(session, org_id, goal_id, project.id)
    for field in ("name", "description", "status", "health"):
        if field in changes:
            setattr(project, field, changes[field])
    project.updated_at = utcnow()
    await session.flush()
    return project_to_api(project, await _primary_goal_id(session, org_id, project.id))


async def delete_project(session: AsyncSession, org_id: str, project_id: str) -> None:
    """Soft delete. Its issues and goals keep their link (and their history); the project no longer lists."""
    project = await _get(session, org_id, project_id)
    now = utcnow()
    project.deleted_at = now
    project.updated_at = now
    await session.flush()
