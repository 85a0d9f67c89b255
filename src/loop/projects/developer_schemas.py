"""Developer API shapes of projects and their members (snake_case)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field

from loop.core.errors import BadRequest
from loop.projects.models import Project
from loop.surfaces.developer import DeveloperModel

WIDGET_KEY_PREFIX = "pk_"


def new_widget_key() -> str:
    return WIDGET_KEY_PREFIX + secrets.token_hex(24)


def url_origin(url: str | None) -> str | None:
    """``scheme://host[:port]`` in lower case, the form browsers send in ``Origin``; None if not http(s)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme.lower()]
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    suffix = f":{port}" if port and port != default else ""
    return f"{parts.scheme.lower()}://{host}{suffix}"


def clean_url(value: str | None, field: str = "url") -> str | None:
    if value is None:
        return None
    value = value.strip()
    if url_origin(value) is None:
        raise BadRequest(
            f"Invalid {field}: use an http(s) URL such as https://example.com", code="invalid_url"
        )
    return value


class ProjectOut(DeveloperModel):
    id: str
    name: str
    url: str | None
    type: Literal["website", "board"]
    client_id: str | None
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ProjectDetail(ProjectOut):
    api_key: str | None = Field(description="The widget key (pk_…), used to configure the feedback widget")


class ProjectCreate(DeveloperModel):
    name: str = Field(min_length=1, max_length=500)
    type: Literal["website", "board"] = "website"
    url: str | None = Field(
        None, max_length=2000, description="Required for website projects; null for boards"
    )
    client_id: str | None = None
    description: str | None = Field(None, max_length=20000)


class ProjectUpdate(DeveloperModel):
    name: str | None = Field(None, min_length=1, max_length=500)
    url: str | None = Field(None, max_length=2000)
    client_id: str | None = None
    description: str | None = Field(None, max_length=20000)


class MemberOut(DeveloperModel):
    user_id: str
    display_name: str
    email: str
    role: str
    avatar_url: str | None


def project_to_api(project: Project, *, with_key: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": project.id,
        "name": project.name,
        "url": project.url,
        "type": project.type,
        "client_id": project.client_id,
        "archived_at": project.archived_at,
        "created_at": project.created_at,
        "updated_at": project.updated_at,
    }
    if with_key:
        data["api_key"] = project.widget_key
    return data
