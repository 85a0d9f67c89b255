"""Ticket generation: one interface, several providers.

A provider receives a ``SourceItem`` (a feedback item or a board card with its comments, read in one short
transaction) and returns a ``TicketDraft``; it raises ``GenerationFailed`` when it cannot.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator


class GenerationFailed(Exception):
    """The provider failed, timed out or answered something unusable."""


@dataclass(frozen=True)
class SourceComment:
    author_name: str
    body: str
    is_internal: bool
    created_at: str


@dataclass(frozen=True)
class SourceItem:
    kind: Literal["feedback", "board_card"]
    id: str
    project_id: str
    project_name: str
    project_url: str | None
    title: str
    description: str | None
    # feedback
    type: str | None = None
    status: str | None = None
    page_url: str | None = None
    reporter_name: str | None = None
    reporter_email: str | None = None
    browser_info: dict[str, Any] | None = None
    annotations: list[dict[str, Any]] = field(default_factory=list)
    has_screenshot: bool = False
    # board card
    list_name: str | None = None
    labels: list[dict[str, Any]] = field(default_factory=list)
    checklist: list[dict[str, Any]] = field(default_factory=list)
    due_date: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    comments: list[SourceComment] = field(default_factory=list)

    def snapshot(self, *, text_limit: int = 4000, comment_limit: int = 1000) -> dict[str, Any]:
        """What a provider is given (recorded in ``ai_context.inputs``). Reporter emails stay out."""
        data = asdict(self)
        data.pop("reporter_email", None)
        if data["description"] and len(data["description"]) > text_limit:
            data["description"] = data["description"][:text_limit] + "…"
        data["comments"] = [
            {**c, "body": c["body"][:comment_limit] + ("…" if len(c["body"]) > comment_limit else "")}
            for c in data["comments"]
        ]
        return {k: v for k, v in data.items() if v not in (None, [], {})}


class TicketDraft(BaseModel):
    """What every provider must produce; an LLM's answer is validated against it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=10, max_length=20000)
    priority: Literal["low", "medium", "high", "critical"]
    labels: list[str] = Field(default_factory=list, max_length=12)

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: list[str]) -> list[str]:
        cleaned: list[str] = []
        for label in value:
            label = " ".join(str(label).split()).lower()[:40]
            if label and label not in cleaned:
                cleaned.append(label)
        return cleaned


@dataclass(frozen=True)
class Generated:
    draft: TicketDraft
    provider: str
    model: str
    details: dict[str, Any] = field(default_factory=dict)


class TicketGenerator(Protocol):
    provider: str
    model: str

    async def generate(self, source: SourceItem) -> Generated: ...
