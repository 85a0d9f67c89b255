"""Goals: measurable targets, optionally attached to one project (``goals.project_id`` is the only link),
with a progress figure computed from the current and target values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.core.errors import BadRequest, NotFound, Unprocessable
from loop.dispatch import keys as dispatch_keys
from loop.goals.models import DIRECTIONS, GOAL_STATUSES, Goal
from loop.goals.repository import GoalRepository
from loop.projects.repository import ProjectRepository

GOAL_NOT_FOUND = "Goal not found"
PROJECT_NOT_FOUND = "Project not found"
UPDATABLE = frozenset(
    {
        "title",
        "description",
        "metric",
        "target_value",
        "current_value",
        "unit",
        "status",
        "direction",
        "project_id",
    }
)


def progress(current: float | None, target: float | None, direction: str = "increase") -> float | None:
    """How far the metric has come, 0–100, or None when either value is missing.

    Higher-is-better metrics score ``current / target``; lower-is-better ones ``target / current``, so a
    latency of 450 ms against a 200 ms target is 44.4%, not 100%. A met target is 100; a ratio that means
    nothing (a zero or negative denominator, values of opposite signs) is 0 until the target is met.
    """
    if current is None or target is None:
        return None
    if direction == "decrease":
        if current <= target:
            return 100.0
        ratio = target / current if current > 0 and target >= 0 else 0.0
    else:
        if current >= target:
            return 100.0
        ratio = current / target if target > 0 and current >= 0 else 0.0
    return round(max(0.0, min(1.0, ratio)) * 100, 1)


def to_api(goal: Goal) -> dict[str, Any]:
    return {
        "id": goal.id,
        "title": goal.title,
        "description": goal.description,
        "metric": goal.metric,
        "targetValue": goal.target_value,
        "currentValue": goal.current_value,
        "unit": goal.unit,
        "direction": goal.direction,
        "progress": progress(goal.current_value, goal.target_value, goal.direction),
        "status": goal.status,
        "projectId": goal.project_id,
        "createdAt": goal.created_at,
        "updatedAt": goal.updated_at,
        "deletedAt": goal.deleted_at,
    }


def parse_statuses(raw: str | None) -> list[str] | None:
    if raw is None or not raw.strip():
        return None
    values = [part.strip() for part in raw.split(",") if part.strip()]
    unknown = [value for value in values if value not in GOAL_STATUSES]
    if unknown:
        raise BadRequest(
            f"Invalid 'status': unknown value '{unknown[0]}' (allowed: {', '.join(GOAL_STATUSES)})",
            code="validation_error",
            allowed=list(GOAL_STATUSES),
        )
    return values


async def _check_project(session: AsyncSession, org_id: str, project_id: str) -> None:
    if not await ProjectRepository(session, org_id).exists(project_id):
        raise Unprocessable(PROJECT_NOT_FOUND, code="project_not_found")


def _check_enums(status: str | None, direction: str | None) -> None:
    if status is not None and status not in GOAL_STATUSES:
        raise BadRequest(f"Invalid 'status' (allowed: {', '.join(GOAL_STATUSES)})", code="validation_error")
    if direction is not None and direction not in DIRECTIONS:
        raise BadRequest(f"Invalid 'direction' (allowed: {', '.join(DIRECTIONS)})", code="validation_error")


async def list_goals(
    session: AsyncSession,
    org_id: str,
    *,
    statuses: Sequence[str] | None = None,
    project_id: str | None = None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Goal], int]:
    repo = GoalRepository(session, org_id)
    stmt = repo.live()
    if statuses:
        stmt = stmt.where(Goal.status.in_(statuses))
    if project_id is not None:
        stmt = stmt.where(Goal.project_id == project_id)
    return await repo.page(stmt.order_by(Goal.created_at, Goal.id), limit=limit, offset=offset)


async def get_goal(session: AsyncSession, org_id: str, goal_id: str) -> Goal:
    goal = await GoalRepository(session, org_id).get_live(goal_id)
    if goal is None:
        raise NotFound(GOAL_NOT_FOUND)
    return goal


async def create_goal(
    session: AsyncSession,
    org_id: str,
    *,
    title: str,
    description: str | None = None,
    metric: str | None = None,
    target_value: float | None = None,
    current_value: float | None = None,
    unit: str | None = None,
    status: str = "active",
    direction: str = "increase",
    project_id: str | None = None,
) -> Goal:
    _check_enums(status, direction)
    if project_id is not None:
        await _check_project(session, org_id, project_id)
    now = utcnow()
    goal = GoalRepository(session, org_id).add(
        Goal(
            title=title,
            description=description,
            metric=metric,
            target_value=target_value,
            current_value=current_value,
            unit=unit,
            status=status,
            direction=direction,
            project_id=project_id,
            linked_at=now if project_id else None,
            created_at=now,
            updated_at=now,
        )
    )
    await session.flush()
    await dispatch_keys.refresh_projects(session, org_id, [project_id])
    return goal


async def update_goal(session: AsyncSession, org_id: str, goal_id: str, changes: Mapping[str, Any]) -> Goal:
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    goal = await get_goal(session, org_id, goal_id)
    _check_enums(changes.get("status"), changes.get("direction"))
    if "project_id" in changes:
        project_id = changes["project_id"]
        if project_id is not None and project_id != goal.project_id:
            await _check_project(session, org_id, project_id)
        if project_id != goal.project_id:
            goal.linked_at = utcnow() if project_id else None
    old_project = goal.project_id
    for field, value in changes.items():
        setattr(goal, field, value)
    goal.updated_at = utcnow()
    await session.flush()
    await dispatch_keys.refresh_projects(session, org_id, [old_project, goal.project_id])
    return goal


async def delete_goal(session: AsyncSession, org_id: str, goal_id: str) -> None:
    goal = await get_goal(session, org_id, goal_id)
    goal.deleted_at = utcnow()
    await session.flush()
    await dispatch_keys.refresh_projects(session, org_id, [goal.project_id])


async def get_goal_for_link(session: AsyncSession, org_id: str, goal_id: str) -> Goal:
    """A goal named inside a request body: unknown is 422 "Goal not found"."""
    goal = await GoalRepository(session, org_id).get_live(goal_id)
    if goal is None:
        raise Unprocessable(GOAL_NOT_FOUND, code="goal_not_found")
    return goal


async def attach_to_project(session: AsyncSession, org_id: str, goal_id: str, project_id: str) -> Goal:
    """Make ``goal_id`` the project's primary goal (the engine project API's ``goalId``). A goal belongs to
    one project at a time, so it leaves any project it was attached to."""
    goal = await get_goal_for_link(session, org_id, goal_id)
    now = utcnow()
    old_project = goal.project_id
    goal.project_id = project_id
    goal.linked_at = now
    goal.updated_at = now
    await session.flush()
    await dispatch_keys.refresh_projects(session, org_id, [old_project, project_id])
    return goal


async def detach_project_goals(session: AsyncSession, org_id: str, project_id: str) -> None:
    await GoalRepository(session, org_id).detach_project(project_id)
    await dispatch_keys.refresh_projects(session, org_id, [project_id])


async def goals_of_projects(
    session: AsyncSession, org_id: str, project_ids: Sequence[str]
) -> dict[str, list[Goal]]:
    return await GoalRepository(session, org_id).for_projects(project_ids)
