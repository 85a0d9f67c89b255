"""Developer API shapes of feedback items, and the fields the widget (or the API) submits."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field, field_validator, model_validator

from loop.feedback.models import Feedback
from loop.storage.links import FileLinks
from loop.surfaces.developer import DeveloperModel

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_JSON_FIELD_BYTES = 64 * 1024


class FeedbackOut(DeveloperModel):
    id: str
    project_id: str
    title: str
    description: str | None
    status: str
    type: str
    page_url: str | None
    reporter_name: str | None
    reporter_email: str | None
    screenshot_url: str | None = Field(description="Signed link, valid for LOOP_FILE_URL_TTL_S seconds")
    recording_url: str | None
    position: int
    created_at: datetime
    updated_at: datetime


class FeedbackDetail(FeedbackOut):
    annotations: list[dict[str, Any]]
    browser_info: dict[str, Any] | None


class FeedbackPatch(DeveloperModel):
    status: str | None = Field(None, description="new, in_progress, review or done")
    type: str | None = Field(None, description="bug, feature or general")
    title: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=20000)


class FeedbackFields(DeveloperModel):
    """What a submission carries (widget form fields or JSON)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    title: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=20000)
    type: str | None = Field(None, description="bug, feature or general (default general)")
    page_url: str | None = Field(None, max_length=2000)
    reporter_name: str | None = Field(None, max_length=200)
    reporter_email: str | None = Field(None, max_length=320)
    browser_info: dict[str, Any] | None = Field(
        None, description="user_agent, browser, browser_version, os, device_type, viewport {width, height}, …"
    )
    annotations: list[dict[str, Any]] | None = Field(
        None, max_length=100, description="[{type: pin|rect|arrow|draw, x, y, width?, height?, text?}]"
    )

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        """HTML forms send empty strings for untouched fields."""
        if isinstance(data, dict):
            return {k: (None if isinstance(v, str) and not v.strip() else v) for k, v in data.items()}
        return data

    @field_validator("reporter_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value and not _EMAIL.match(value):
            raise ValueError("not an email address")
        return value or None

    @field_validator("browser_info", "annotations")
    @classmethod
    def _bounded(cls, value: Any) -> Any:
        import orjson

        if value is not None and len(orjson.dumps(value)) > MAX_JSON_FIELD_BYTES:
            raise ValueError("too large (max 64 KB)")
        return value


class FeedbackCreate(FeedbackFields):
    project_id: str
    status: str | None = Field(None, description="new (default), in_progress, review or done")


class WidgetAccepted(DeveloperModel):
    id: str
    project_id: str
    status: str
    type: str
    title: str
    screenshot: bool
    created_at: datetime


def feedback_to_api(row: Feedback, links: FileLinks, *, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": row.id,
        "project_id": row.project_id,
        "title": row.title,
        "description": row.description,
        "status": row.status,
        "type": row.type,
        "page_url": row.page_url,
        "reporter_name": row.reporter_name,
        "reporter_email": row.reporter_email,
        "screenshot_url": links.url(row.screenshot_key),
        "recording_url": links.url(row.recording_key),
        "position": row.position,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
    if full:
        data["annotations"] = row.annotations or []
        data["browser_info"] = row.browser_info
    return data
