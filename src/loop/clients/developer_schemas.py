"""Developer API shapes of clients (snake_case)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from loop.clients.models import Client
from loop.surfaces.developer import DeveloperModel


class ClientOut(DeveloperModel):
    id: str
    name: str
    email: str | None
    company: str | None
    phone: str | None
    logo_url: str | None
    project_count: int
    created_at: datetime
    updated_at: datetime


class ClientCreate(DeveloperModel):
    name: str = Field(min_length=1, max_length=300)
    email: str | None = Field(None, max_length=320)
    company: str | None = Field(None, max_length=300)
    phone: str | None = Field(None, max_length=50)
    logo_url: str | None = Field(None, max_length=1000)


class ClientUpdate(DeveloperModel):
    name: str | None = Field(None, min_length=1, max_length=300)
    email: str | None = Field(None, max_length=320)
    company: str | None = Field(None, max_length=300)
    phone: str | None = Field(None, max_length=50)
    logo_url: str | None = Field(None, max_length=1000)


def client_to_api(client: Client, project_count: int) -> dict[str, Any]:
    return {
        "id": client.id,
        "name": client.name,
        "email": client.email,
        "company": client.company,
        "phone": client.phone,
        "logo_url": client.logo_url,
        "project_count": project_count,
        "created_at": client.created_at,
        "updated_at": client.updated_at,
    }
