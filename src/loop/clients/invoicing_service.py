"""Invoicing's rules on the shared clients: names unique per team whatever their case and never renamed,
an address to bill, and no deleting a client that has invoices."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.clients.invoicing_schemas import ClientCreate, ClientPatch
from loop.clients.models import Client
from loop.clients.repository import ClientRepository, name_key
from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Conflict, NotFound
from loop.invoices.models import Invoice
from loop.track.common import save_unique

NOT_FOUND = "Client not found"
NAME_EXISTS = "Client name already exists"
NAME_IMMUTABLE = "A client's name cannot be changed"
HAS_INVOICES = "Cannot delete client with invoices"


async def listing(
    session: AsyncSession, org_id: str, *, q: str | None, limit: int, offset: int
) -> tuple[Sequence[Client], int]:
    repo = ClientRepository(session, org_id)
    stmt = repo.search(q).order_by(Client.name_key, Client.id)
    return await repo.page(stmt, limit=limit, offset=offset)


async def get(session: AsyncSession, org_id: str, client_id: str) -> Client:
    client = await ClientRepository(session, org_id).get(client_id)
    if client is None:
        raise NotFound(NOT_FOUND)
    return client


async def create(session: AsyncSession, org_id: str, body: ClientCreate) -> Client:
    repo = ClientRepository(session, org_id)
    if await repo.get_by_name(body.name) is not None:
        raise Conflict(NAME_EXISTS, code="client_name_exists")
    now = utcnow()
    client = Client(
        name=body.name,
        name_key=name_key(body.name),
        email=body.email,
        phone=body.phone,
        vat_number=body.vat_number,
        address=body.address.model_dump(by_alias=True),
        created_at=now,
        updated_at=now,
    )
    if not await save_unique(session, lambda: repo.add(client)):  # the same name, saved concurrently
        raise Conflict(NAME_EXISTS, code="client_name_exists")
    return client


async def update(session: AsyncSession, org_id: str, client_id: str, body: ClientPatch) -> Client:
    client = await get(session, org_id, client_id)
    given = body.model_fields_set
    if "name" in given:
        raise BadRequest(NAME_IMMUTABLE, code="validation_error", field="name")
    if "email" in given:
        client.email = body.email
    if "phone" in given:
        client.phone = body.phone
    if "vat_number" in given:
        client.vat_number = body.vat_number
    if "address" in given:
        if body.address is None:
            raise BadRequest(
                "address is required (line1 and postalCode at least)",
                code="validation_error",
                field="address",
            )
        client.address = body.address.model_dump(by_alias=True)
    client.updated_at = utcnow()
    await session.flush()
    return client


async def delete(session: AsyncSession, org_id: str, client_id: str) -> None:
    client = await ClientRepository(session, org_id).get(client_id, for_update=True)
    if client is None:
        raise NotFound(NOT_FOUND)
    has_invoices = select(Invoice.id).where(Invoice.org_id == org_id, Invoice.client_id == client.id).limit(1)
    if (await session.execute(has_invoices)).first() is not None:
        raise Conflict(HAS_INVOICES, code="client_has_invoices")
    if not await save_unique(session, lambda: session.delete(client)):  # an invoice arrived meanwhile
        raise Conflict(HAS_INVOICES, code="client_has_invoices")
