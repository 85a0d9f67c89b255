"""Track request and response shapes (camelCase), and the dict builders the endpoints return."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from loop.invoices.money import rate_str
from loop.orgs.models import User
from loop.projects.models import Project, ProjectMember
from loop.surfaces.track import TrackModel, parse_day
from loop.track.models import Section, Tag, TimeEntry, Todo

MAX_DURATION_SECONDS = 2_147_483_647


def _day(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_day(value, "date")
        except Exception:
            raise ValueError("expected an ISO 8601 date (YYYY-MM-DD)") from None
    return value


Day = Annotated[date, BeforeValidator(_day)]


# -- shared pieces -----------------------------------------------------------------------------------------
class TagRef(TrackModel):
    id: str | None = Field(None, max_length=36)
    title: str | None = Field(None, min_length=1, max_length=100)


class TagOut(TrackModel):
    id: str
    title: str


class ProjectRef(TrackModel):
    id: str
    title: str
    code: str | None
    status: str
    rate: str | None = Field(description="The entry user's hourly rate on the project")


class UserRef(TrackModel):
    id: str
    name: str
    email: str


def tag_to_api(tag: Tag) -> dict[str, Any]:
    return {"id": tag.id, "title": tag.title}


def user_to_api(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "name": user.display_name, "email": user.email}


def project_ref(project: Project | None, member: ProjectMember | None) -> dict[str, Any] | None:
    if project is None or project.deleted_at is not None:
        return None
    rate = member.rate if member is not None else None
    return {
        "id": project.id,
        "title": project.name,
        "code": project.code,
        "status": project.track_status,
        "rate": rate_str(rate) if rate is not None else None,
    }


# -- time entries ------------------------------------------------------------------------------------------
class TimeCreate(TrackModel):
    task_name: str = Field(min_length=1, max_length=255)
    duration_seconds: int = Field(gt=0, le=MAX_DURATION_SECONDS, description="9000 is 2.5 hours")
    date: Day = Field(description="ISO 8601; stored as a calendar date (the time of day is dropped)")
    project_id: str | None = None
    section_id: str | None = None
    description: str | None = Field(None, max_length=1000)
    tags: list[TagRef] | None = Field(None, description='Objects: [{"id": "…"}] or [{"title": "design"}]')
    user_id: str | None = Field(None, description="Log for another member (owners and admins only)")
    billable: bool = True
    ai_generated: bool = False
    issue_id: str | None = Field(None, max_length=64, description="Engine issue this time was spent on")
    ticket_id: str | None = Field(None, max_length=64, description="Ticket this time was spent on")
    todo_id: str | None = Field(None, description="Todo this time was spent on")


class TimePatch(TrackModel):
    task_name: str | None = Field(None, min_length=1, max_length=255)
    duration_seconds: int | None = Field(None, gt=0, le=MAX_DURATION_SECONDS)
    date: Day | None = None
    project_id: str | None = None
    section_id: str | None = None
    description: str | None = Field(None, max_length=1000)
    tags: list[TagRef] | None = None
    user_id: str | None = None
    billable: bool | None = None
    ai_generated: bool | None = None
    issue_id: str | None = Field(None, max_length=64)
    ticket_id: str | None = Field(None, max_length=64)
    todo_id: str | None = None


class TimeOut(TrackModel):
    id: str
    task_name: str
    duration_seconds: int
    date: date
    description: str | None
    project_id: str | None
    section_id: str | None
    user_id: str
    ai_generated: bool
    billable: bool
    tags: list[TagOut]
    project: ProjectRef | None
    user: UserRef | None
    issue_id: str | None
    ticket_id: str | None
    todo_id: str | None
    invoiced: bool
    invoice_line_item_id: str | None
    created_at: datetime
    updated_at: datetime


class TimeMutation(TrackModel):
    success: bool = True
    data: str
    time: TimeOut


def time_to_api(
    entry: TimeEntry,
    *,
    tags: list[Tag],
    project: Project | None,
    member: ProjectMember | None,
    user: User | None,
) -> dict[str, Any]:
    return {
        "id": entry.id,
        "taskName": entry.task_name,
        "durationSeconds": entry.duration_seconds,
        "date": entry.date,
        "description": entry.description,
        "projectId": entry.project_id,
        "sectionId": entry.section_id,
        "userId": entry.user_id,
        "aiGenerated": entry.ai_generated,
        "billable": entry.billable,
        "tags": [tag_to_api(t) for t in tags],
        "project": project_ref(project, member),
        "user": user_to_api(user),
        "issueId": entry.issue_id,
        "ticketId": entry.ticket_id,
        "todoId": entry.todo_id,
        "invoiced": entry.invoice_line_item_id is not None,
        "invoiceLineItemId": entry.invoice_line_item_id,
        "createdAt": entry.created_at,
        "updatedAt": entry.updated_at,
    }


# -- sections ----------------------------------------------------------------------------------------------
class SectionCreate(TrackModel):
    title: str = Field(min_length=1, max_length=255)
    project_id: str = Field(min_length=1)


class SectionUpdate(TrackModel):
    title: str = Field(min_length=1, max_length=255)


class SectionOut(TrackModel):
    id: str
    title: str
    project_id: str
    created_at: datetime
    updated_at: datetime


class SectionMutation(TrackModel):
    success: bool = True
    data: SectionOut
    section: SectionOut


def section_to_api(section: Section) -> dict[str, Any]:
    return {
        "id": section.id,
        "title": section.title,
        "projectId": section.project_id,
        "createdAt": section.created_at,
        "updatedAt": section.updated_at,
    }


# -- tags --------------------------------------------------------------------------------------------------
class TagBody(TrackModel):
    title: str = Field(min_length=1, max_length=100)

    @field_validator("title")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return " ".join(value.split())


class TagMutation(TrackModel):
    success: bool = True
    data: str
    tag: TagOut
    message: str | None = None


# -- todos -------------------------------------------------------------------------------------------------
Freq = Literal["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]
Priority = Literal["P1", "P2", "P3", "P4"]


class Recurrence(TrackModel):
    freq: Freq
    interval: int = Field(1, ge=1, le=1000)
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] | None = Field(
        None, description="0 = Sunday … 6 = Saturday; WEEKLY only"
    )

    @model_validator(mode="after")
    def _weekdays_are_weekly(self) -> Recurrence:
        if self.weekdays and self.freq != "WEEKLY":
            raise ValueError("weekdays applies to WEEKLY recurrence only")
        if self.weekdays:
            self.weekdays = sorted(set(self.weekdays))
        return self


class TodoCreate(TrackModel):
    title: str = Field(min_length=1, max_length=255)
    description: str | None = Field(None, max_length=2000)
    project_id: str | None = None
    section_id: str | None = None
    priority: Priority = "P4"
    due_date: datetime | None = Field(None, description="ISO 8601 with an offset (2026-05-04T09:00:00+02:00)")
    tag_ids: list[str] | None = None
    recurrence: Recurrence | None = None
    completed: bool = False
    user_id: str | None = Field(None, description="Owners and admins only")


class TodoPatch(TrackModel):
    todo_id: str | None = Field(None, description="Only when patching through the collection path")
    title: str | None = Field(None, min_length=1, max_length=255)
    description: str | None = Field(None, max_length=2000)
    project_id: str | None = None
    section_id: str | None = None
    priority: Priority | None = None
    due_date: datetime | None = None
    tag_ids: list[str] | None = None
    recurrence: Recurrence | None = None
    completed: bool | None = None
    user_id: str | None = None


class TodoRef(TrackModel):
    todo_id: str = Field(min_length=1)


class TodoOut(TrackModel):
    id: str
    title: str
    description: str | None
    project_id: str | None
    section_id: str | None
    priority: str
    due_date: datetime | None
    tag_ids: list[str]
    tags: list[TagOut]
    recurrence: Recurrence | None
    completed: bool
    completed_at: datetime | None
    user_id: str
    created_at: datetime
    updated_at: datetime


class TodoMutation(TrackModel):
    success: bool = True
    data: str
    todo: TodoOut
    next_occurrence: TodoOut | None = None


class TodoPage(TrackModel):
    items: list[TodoOut]
    total: int
    next_offset: int | None


class TodoCount(TrackModel):
    total: int


def todo_to_api(todo: Todo, tags: list[Tag]) -> dict[str, Any]:
    return {
        "id": todo.id,
        "title": todo.title,
        "description": todo.description,
        "projectId": todo.project_id,
        "sectionId": todo.section_id,
        "priority": todo.priority,
        "dueDate": todo.due_at,
        "tagIds": [t.id for t in tags],
        "tags": [tag_to_api(t) for t in tags],
        "recurrence": todo.recurrence,
        "completed": todo.completed,
        "completedAt": todo.completed_at,
        "userId": todo.user_id,
        "createdAt": todo.created_at,
        "updatedAt": todo.updated_at,
    }
