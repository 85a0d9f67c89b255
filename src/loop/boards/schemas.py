"""Developer API shapes of board lists and cards. Attachments keep the documented camelCase ``mimeType``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ConfigDict, Field, field_validator

from loop.boards.models import BoardList, Card
from loop.surfaces.developer import DeveloperModel

HEX_COLOUR = r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$"


class Strict(DeveloperModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Label(Strict):
    color: str = Field(pattern=HEX_COLOUR, description="#RRGGBB")
    text: str = Field(min_length=1, max_length=100)


class ChecklistItem(Strict):
    id: str | None = Field(None, max_length=64, description="Generated when omitted")
    text: str = Field(min_length=1, max_length=1000)
    checked: bool = False


class Attachment(Strict):
    name: str = Field(min_length=1, max_length=300)
    url: str = Field(min_length=1, max_length=2000)
    mimeType: str = Field(max_length=200)
    bytes: int = Field(ge=0)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.lower().startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value


class ListOut(DeveloperModel):
    id: str
    project_id: str
    name: str
    position: int
    created_at: datetime
    updated_at: datetime


class ListCreate(DeveloperModel):
    project_id: str
    name: str = Field(min_length=1, max_length=200)
    position: int | None = Field(None, ge=0, description="0-based; the end of the board when omitted")


class ListUpdate(DeveloperModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    position: int | None = Field(None, ge=0)


class CardOut(DeveloperModel):
    id: str
    list_id: str
    project_id: str
    title: str
    description: str | None
    labels: list[Label]
    due_date: date | None
    checklist: list[ChecklistItem]
    attachments: list[Attachment]
    author_name: str | None
    position: int
    created_at: datetime
    updated_at: datetime


class CardCreate(DeveloperModel):
    list_id: str | None = None
    project_id: str | None = Field(None, description="Optional; must be the list's project")
    title: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=50000)
    labels: list[Label] = Field(default_factory=list, max_length=30)
    due_date: date | None = None
    checklist: list[ChecklistItem] = Field(default_factory=list, max_length=200)
    attachments: list[Attachment] = Field(default_factory=list, max_length=100)
    position: int | None = Field(None, ge=0, description="0-based; the end of the list when omitted")


class CardUpdate(DeveloperModel):
    list_id: str | None = Field(None, description="Move the card to this list (same project)")
    position: int | None = Field(None, ge=0, description="0-based position in its (new) list")
    title: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=50000)
    labels: list[Label] | None = Field(None, max_length=30)
    due_date: date | None = None
    checklist: list[ChecklistItem] | None = Field(None, max_length=200)
    attachments: list[Attachment] | None = Field(None, max_length=100)


def list_to_api(row: BoardList) -> dict[str, Any]:
    return {
        "id": row.id,
        "project_id": row.project_id,
        "name": row.name,
        "position": row.position,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def card_to_api(row: Card) -> dict[str, Any]:
    return {
        "id": row.id,
        "list_id": row.list_id,
        "project_id": row.project_id,
        "title": row.title,
        "description": row.description,
        "labels": row.labels or [],
        "due_date": row.due_date,
        "checklist": row.checklist or [],
        "attachments": row.attachments or [],
        "author_name": row.author_name,
        "position": row.position,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
