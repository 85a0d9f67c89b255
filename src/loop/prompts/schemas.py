"""Request and response shapes of prompt templates, versions and reviews (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from loop.surfaces.engine import EngineModel

AuthorType = Literal["human", "agent"]


class TemplateCreate(EngineModel):
    slug: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=500)
    description: str | None = None
    conditions: dict[str, Any] | None = Field(
        None,
        description="All must hold: type, signalSource, labels (names), projectId, hasFailedSessions, "
        "hypothesisConfidence (0–1, a minimum). Unknown keys are refused.",
    )
    specificity: int = Field(10, ge=0, le=100)
    project_id: str | None = None


class TemplateUpdate(EngineModel):
    name: str = Field(None, min_length=1, max_length=500)  # type: ignore[assignment]
    description: str | None = None
    conditions: dict[str, Any] = None  # type: ignore[assignment]
    specificity: int = Field(None, ge=0, le=100)  # type: ignore[assignment]
    project_id: str | None = None

    def changes(self) -> dict[str, Any]:
        return {
            "project_id" if name == "project_id" else name: getattr(self, name)
            for name in self.model_fields_set
        }


class VersionCreate(EngineModel):
    content: str = Field(min_length=1, max_length=200_000)
    changelog: str | None = None
    author_type: AuthorType
    author_name: str = Field(min_length=1, max_length=200)


class ReviewCreate(EngineModel):
    version_id: str = Field(min_length=1, max_length=36)
    issue_id: str = Field(min_length=1, max_length=36)
    clarity: int = Field(ge=1, le=5)
    completeness: int = Field(ge=1, le=5)
    relevance: int = Field(ge=1, le=5)
    feedback: str | None = Field(None, max_length=20_000)
    author_type: AuthorType = Field("agent", description="Defaults to agent")


class TemplateOut(EngineModel):
    id: str
    slug: str
    name: str
    description: str | None
    conditions: dict[str, Any]
    specificity: int
    project_id: str | None
    active_version_id: str | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class VersionOut(EngineModel):
    id: str
    template_id: str
    version: int
    content: str
    changelog: str | None
    author_type: AuthorType
    author_name: str
    status: Literal["active", "draft", "retired"]
    usage_count: int
    completion_rate: float | None
    avg_duration_ms: float | None
    review_score: float | None
    review_count: int
    created_at: datetime


class TemplateDetail(TemplateOut):
    active_version: VersionOut | None


class ReviewOut(EngineModel):
    id: str
    version_id: str
    issue_id: str
    clarity: int
    completeness: int
    relevance: int
    feedback: str | None
    author_type: AuthorType
    created_at: datetime
