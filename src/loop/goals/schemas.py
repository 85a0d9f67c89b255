"""Request and response shapes of goals (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from loop.surfaces.engine import EngineModel

GoalStatus = Literal["active", "achieved", "abandoned"]
Direction = Literal["increase", "decrease"]


class GoalCreate(EngineModel):
    title: str = Field(min_length=1, max_length=500)
    description: str | None = None
    metric: str | None = Field(None, max_length=500)
    target_value: float | None = None
    current_value: float | None = None
    unit: str | None = Field(None, max_length=500)
    status: GoalStatus = "active"
    direction: Direction = Field("increase", description="increase: higher is better; decrease: lower is")
    project_id: str | None = None


class GoalUpdate(EngineModel):
    title: str = Field(None, min_length=1, max_length=500)  # type: ignore[assignment]
    description: str | None = None
    metric: str | None = Field(None, max_length=500)
    target_value: float | None = None
    current_value: float | None = None
    unit: str | None = Field(None, max_length=500)
    status: GoalStatus = None  # type: ignore[assignment]
    direction: Direction = None  # type: ignore[assignment]
    project_id: str | None = None

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class GoalOut(EngineModel):
    id: str
    title: str
    description: str | None
    metric: str | None
    target_value: float | None
    current_value: float | None
    unit: str | None
    direction: Direction
    progress: float | None = Field(description="0–100 toward the target, null without both values")
    status: GoalStatus
    project_id: str | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
