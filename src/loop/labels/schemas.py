"""Request and response shapes of labels (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from loop.surfaces.engine import EngineModel


class LabelCreate(EngineModel):
    name: str = Field(min_length=1, max_length=100)
    color: str = Field(min_length=1, max_length=50)


class LabelUpdate(EngineModel):
    name: str = Field(None, min_length=1, max_length=100)  # type: ignore[assignment]
    color: str = Field(None, min_length=1, max_length=50)  # type: ignore[assignment]


class LabelOut(EngineModel):
    id: str
    name: str
    color: str
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
