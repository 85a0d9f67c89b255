"""``/v1/invoices/clients``: the shared clients, as invoicing shows them. Registered before
``/v1/invoices/{id}`` so that "clients" is never read as an invoice id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from loop.auth.principal import Principal
from loop.clients import invoicing_service as service
from loop.clients.invoicing_schemas import ClientCreate, ClientMutation, ClientOut, ClientPatch, client_to_api
from loop.db.session import ReadSession, WriteSession
from loop.surfaces import track as surface

router = APIRouter(prefix="/v1/invoices/clients", tags=["Invoice clients"])

ClientRead = Annotated[Principal, surface.requires("read:client")]
ClientWrite = Annotated[Principal, surface.requires("write:client")]
NOT_FOUND = {404: {"description": "Not found, or another team's"}}


@router.get("", response_model=surface.Paged[ClientOut], summary="List or search clients")
async def list_clients(
    principal: ClientRead,
    session: ReadSession,
    pages: surface.Pages,
    q: Annotated[
        str | None, Query(max_length=200, description="Matches name, email, phone or VAT number")
    ] = None,
):
    rows, total = await service.listing(
        session, principal.org_id, q=q, limit=pages.limit, offset=pages.offset
    )
    return surface.paged([client_to_api(c) for c in rows], total, pages)


@router.post(
    "",
    status_code=201,
    response_model=ClientMutation,
    responses={409: {"description": "Client name already exists"}},
    summary="Add a client",
)
async def create_client(body: ClientCreate, principal: ClientWrite, session: WriteSession):
    client = await service.create(session, principal.org_id, body)
    return surface.mutation("Client added", 201, client=client_to_api(client))


@router.get("/{client_id}", response_model=ClientOut, responses=NOT_FOUND, summary="Get a client")
async def get_client(client_id: str, principal: ClientRead, session: ReadSession):
    return surface.entity(client_to_api(await service.get(session, principal.org_id, client_id)))


@router.patch(
    "/{client_id}",
    response_model=ClientMutation,
    responses={**NOT_FOUND, 400: {"description": "A name in the body: names cannot be changed"}},
    summary="Update a client (anything except its name)",
)
async def update_client(client_id: str, body: ClientPatch, principal: ClientWrite, session: WriteSession):
    client = await service.update(session, principal.org_id, client_id, body)
    return surface.mutation("Client updated", client=client_to_api(client))


@router.delete(
    "/{client_id}",
    response_model=surface.Message,
    responses={**NOT_FOUND, 409: {"description": "Cannot delete client with invoices"}},
    summary="Delete a client without invoices",
)
async def delete_client(client_id: str, principal: ClientWrite, session: WriteSession):
    await service.delete(session, principal.org_id, client_id)
    return surface.mutation("Client deleted")
