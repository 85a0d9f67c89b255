"""Projects as Track shows them: ``title`` (the shared ``name``), ``code``, ``status`` (Track's own
PENDING|ACTIVE|COMPLETED|ARCHIVED) and members with their hourly ``rate`` and ``cost``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from loop.invoices.money import rate_str
from loop.orgs.models import User
from loop.projects.models import Project, ProjectMember
from loop.surfaces.track import TrackModel

TrackStatus = Literal["PENDING", "ACTIVE", "COMPLETED", "ARCHIVED"]
MemberRole = Literal["MEMBER", "MANAGER", "OWNER"]


class ProjectCreate(TrackModel):
    title: str = Field(min_length=1, max_length=500)
    code: str | None = Field(None, min_length=1, max_length=50, description="Unique per team")
    status: TrackStatus = "ACTIVE"
    client_id: str | None = Field(None, description="The client billed for this project")


class ProjectChanges(TrackModel):
    title: str | None = Field(None, min_length=1, max_length=500)
    code: str | None = Field(None, min_length=1, max_length=50)
    status: TrackStatus | None = None
    client_id: str | None = None


class ProjectUpdate(TrackModel):
    id: str | None = Field(None, description="The project id, as in the path")
    data: ProjectChanges


class MemberBody(TrackModel):
    role: MemberRole | None = None
    rate: Decimal | None = Field(None, description="Billing rate per hour, in the team's currency")
    cost: Decimal | None = Field(None, description="Internal cost per hour")


class MemberOut(TrackModel):
    user_id: str
    name: str | None
    email: str | None
    role: str
    rate: str | None
    cost: str | None


class ProjectOut(TrackModel):
    id: str
    title: str
    code: str | None
    status: str
    client_id: str | None
    members: list[MemberOut] | None = None
    created_at: datetime
    updated_at: datetime


class ProjectMutation(TrackModel):
    success: bool = True
    data: str
    project: ProjectOut


class MemberMutation(TrackModel):
    success: bool = True
    data: str
    member: MemberOut


def member_to_api(member: ProjectMember, user: User | None) -> dict[str, Any]:
    return {
        "userId": member.user_id,
        "name": user.display_name if user else None,
        "email": user.email if user else None,
        "role": member.role,
        "rate": rate_str(member.rate) if member.rate is not None else None,
        "cost": rate_str(member.cost) if member.cost is not None else None,
    }


def project_to_api(project: Project, members: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": project.id,
        "title": project.name,
        "code": project.code,
        "status": project.track_status,
        "clientId": project.client_id,
        "createdAt": project.created_at,
        "updatedAt": project.updated_at,
    }
    if members is not None:
        body["members"] = members
    return body
