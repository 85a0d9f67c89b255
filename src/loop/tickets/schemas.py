"""Developer API shapes of tickets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from loop.surfaces.developer import DeveloperModel
from loop.tickets.models import Ticket


class TicketOut(DeveloperModel):
    id: str
    org_id: str
    project_id: str
    source_type: str = Field(description="feedback or board_card")
    source_id: str
    title: str
    description: str = Field(description="Markdown with ## Summary and ## Acceptance Criteria")
    priority: str = Field(description="low, medium, high or critical")
    status: str = Field(description="open, in_progress or done")
    labels: list[str]
    ai_context: dict[str, Any] = Field(
        description="Provider, model and the inputs the ticket was generated from"
    )
    created_by: str | None
    assigned_to: str | None
    issue_id: str | None = Field(description="The engine issue this ticket was sent to, if any")
    created_at: datetime
    updated_at: datetime


class TicketGenerated(DeveloperModel):
    id: str
    title: str
    description: str
    priority: str
    status: str
    labels: list[str]
    source_type: str
    source_id: str
    created_at: datetime


class IssueLink(DeveloperModel):
    """The engine issue a ticket was sent to (the engine API serves it in full at ``url``)."""

    id: str
    number: int
    title: str
    type: str
    status: str = Field(description="The engine status: triage, backlog, todo, in_progress, done, canceled")
    priority: int = Field(description="Engine priority: 1 urgent (critical), 2 high, 3 medium, 4 low")
    project_id: str | None
    labels: list[str]
    ticket_id: str
    ticket_status: str
    url: str = Field(description="The issue on the engine API")
    created_at: datetime


class TicketPatch(DeveloperModel):
    status: str | None = Field(None, description="open, in_progress or done")
    priority: str | None = Field(None, description="low, medium, high or critical")
    title: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=50000)
    assigned_to: str | None = Field(None, description="User id, or null to unassign")
    labels: list[str] | None = Field(None, max_length=20)


class GenerateRequest(DeveloperModel):
    source_type: str | None = Field(None, description="feedback or board_card")
    source_id: str | None = Field(None, description="Id of the feedback item or board card")


def ticket_to_api(row: Ticket) -> dict[str, Any]:
    return {
        "id": row.id,
        "org_id": row.org_id,
        "project_id": row.project_id,
        "source_type": row.source_type,
        "source_id": row.source_id,
        "title": row.title,
        "description": row.description,
        "priority": row.priority,
        "status": row.status,
        "labels": list(row.labels or []),
        "ai_context": row.ai_context or {},
        "created_by": row.created_by,
        "assigned_to": row.assigned_to,
        "issue_id": row.issue_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def generated_to_api(row: Ticket) -> dict[str, Any]:
    """The documented subset returned by ``POST /tickets/generate``."""
    return {
        "id": row.id,
        "title": row.title,
        "description": row.description,
        "priority": row.priority,
        "status": row.status,
        "labels": list(row.labels or []),
        "source_type": row.source_type,
        "source_id": row.source_id,
        "created_at": row.created_at,
    }
