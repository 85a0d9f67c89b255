"""Clients through the developer API: the same rows invoicing sees, with how many live projects each has."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from loop.clients.developer_schemas import ClientCreate, ClientUpdate
from loop.clients.models import Client
from loop.clients.repository import ClientRepository, name_key
from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Conflict, NotFound
from loop.projects.models import Project

CLIENT_NOT_FOUND = "Client not found"
DUPLICATE = "A client with this name already exists"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_FIELDS = ("name", "email", "company", "phone", "logo_url")


async def project_counts(session: AsyncSession, org_id: str, client_ids: Sequence[str]) -> dict[str, int]:
    """Live projects per client, in one query for a whole page."""
    if not client_ids:
        return {}
    stmt = (
        select(Project.client_id, func.count())
        .where(Project.org_id == org_id, Project.client_id.in_(client_ids), Project.deleted_at.is_(None))
        .group_by(Project.client_id)
    )
    return {client_id: count for client_id, count in (await session.execute(stmt)).all()}


async def list_clients(
    session: AsyncSession, org_id: str, *, q: str | None, limit: int, offset: int
) -> tuple[list[tuple[Client, int]], int]:
    repo = ClientRepository(session, org_id)
    stmt = repo.search(q).order_by(Client.name_key, Client.id)
    rows, total = await repo.page(stmt, limit=limit, offset=offset)
    counts = await project_counts(session, org_id, [c.id for c in rows])
    return [(c, counts.get(c.id, 0)) for c in rows], total


async def get_client(session: AsyncSession, org_id: str, client_id: str) -> tuple[Client, int]:
    client = await ClientRepository(session, org_id).get(client_id)
    if client is None:
        raise NotFound(CLIENT_NOT_FOUND)
    counts = await project_counts(session, org_id, [client.id])
    return client, counts.get(client.id, 0)


def _clean(field: str, value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if field == "name":
        if not value:
            raise BadRequest("name is required", code="validation_error")
        return " ".join(value.split())
    if not value:
        return None
    if field == "email" and not _EMAIL.match(value):
        raise BadRequest("Invalid email", code="validation_error")
    return value


async def _flush_unique(session: AsyncSession) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(DUPLICATE, code="client_exists") from exc


async def create_client(session: AsyncSession, org_id: str, body: ClientCreate) -> Client:
    values: dict[str, Any] = {field: _clean(field, getattr(body, field)) for field in _FIELDS}
    repo = ClientRepository(session, org_id)
    if await repo.get_by_name(values["name"]) is not None:
        raise Conflict(DUPLICATE, code="client_exists")
    client = repo.add(Client(name_key=name_key(values["name"]), **values))
    await _flush_unique(session)
    return client


async def update_client(
    session: AsyncSession, org_id: str, client_id: str, body: ClientUpdate
) -> tuple[Client, int]:
    fields = [f for f in _FIELDS if f in body.model_fields_set]
    if not fields:
        raise BadRequest("No valid fields", code="no_valid_fields")
    client, count = await get_client(session, org_id, client_id)
    if "name" in fields:
        if body.name is None:
            raise BadRequest("name cannot be empty", code="validation_error")
        name = _clean("name", body.name)
        assert name is not None
        other = await ClientRepository(session, org_id).get_by_name(name)
        if other is not None and other.id != client.id:
            raise Conflict(DUPLICATE, code="client_exists")
        client.name = name
        client.name_key = name_key(name)
    for field in fields:
        if field != "name":
            setattr(client, field, _clean(field, getattr(body, field)))
    client.updated_at = utcnow()
    await _flush_unique(session)
    return client, count
