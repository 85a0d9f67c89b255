"""Developer API shapes of comments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from loop.discussion.models import DiscussionComment
from loop.surfaces.developer import DeveloperModel

MAX_BODY = 20000


class CommentOut(DeveloperModel):
    id: str
    feedback_id: str | None
    card_id: str | None
    author_id: str | None
    author_name: str
    body: str = Field(description="Markdown")
    mentions: list[str] = Field(description="User ids of the members the body mentions")
    is_internal: bool
    created_at: datetime
    updated_at: datetime


class CommentCreate(DeveloperModel):
    body: str | None = Field(None, max_length=MAX_BODY, description="Markdown (required)")
    mentions: list[str] | None = Field(None, max_length=50, description="Extra user ids to mention")
    is_internal: bool = Field(False, description="Visible to the team only")


class CommentUpdate(DeveloperModel):
    body: str | None = Field(None, max_length=MAX_BODY)
    mentions: list[str] | None = Field(None, max_length=50)
    is_internal: bool | None = None


def comment_to_api(row: DiscussionComment) -> dict[str, Any]:
    return {
        "id": row.id,
        "feedback_id": row.feedback_id,
        "card_id": row.card_id,
        "author_id": row.author_id,
        "author_name": row.author_name,
        "body": row.body,
        "mentions": list(row.mentions or []),
        "is_internal": row.is_internal,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
