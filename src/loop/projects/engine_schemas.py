"""The engine's view of projects (``/api/projects``): camelCase, with status, health and the primary goal."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from loop.goals.schemas import GoalOut
from loop.surfaces.engine import EngineModel

PROJECT_STATUSES = ("backlog", "planned", "active", "paused", "completed", "canceled")
PROJECT_HEALTHS = ("on_track", "at_risk", "off_track")
ProjectStatus = Literal["backlog", "planned", "active", "paused", "completed", "canceled"]
ProjectHealth = Literal["on_track", "at_risk", "off_track"]


class ProjectCreate(EngineModel):
    name: str = Field(min_length=1, max_length=500)
    description: str | None = None
    status: ProjectStatus = "backlog"
    health: ProjectHealth = "on_track"
    goal_id: str | None = Field(
        None, description="A goal to attach to the project (becomes its primary goal)"
    )


class ProjectUpdate(EngineModel):
    name: str = Field(None, min_length=1, max_length=500)  # type: ignore[assignment]
    description: str | None = None
    status: ProjectStatus = None  # type: ignore[assignment]
    health: ProjectHealth = None  # type: ignore[assignment]
    goal_id: str | None = Field(
        None, description="Attach this goal as the primary goal; null detaches every goal of the project"
    )

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class ProjectOut(EngineModel):
    id: str
    name: str
    description: str | None
    status: ProjectStatus
    health: ProjectHealth
    goal_id: str | None = Field(description="The primary goal: the most recently attached active goal")
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class ProjectDetail(ProjectOut):
    goal: GoalOut | None
    goals: list[GoalOut]
    issue_counts: dict[str, int] = Field(description="Live issues of the project by status (zeros omitted)")


def project_to_api(project: Any, goal_id: str | None) -> dict[str, Any]:
    return {
        "id": project.id,
        "name": project.name,
        "description": project.description,
        "status": project.status,
        "health": project.health,
        "goalId": goal_id,
        "createdAt": project.created_at,
        "updatedAt": project.updated_at,
        "deletedAt": project.deleted_at,
    }
