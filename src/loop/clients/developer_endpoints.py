"""``/api/v1/clients``: list, get, create, update (the same clients invoicing sees)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from loop.auth.principal import Principal
from loop.clients import developer_service as service
from loop.clients.developer_schemas import ClientCreate, ClientOut, ClientUpdate, client_to_api
from loop.db.session import ReadSession, WriteSession
from loop.surfaces import developer

router = APIRouter(prefix="/api/v1/clients", tags=["Clients"])

ClientsRead = Annotated[Principal, developer.requires("read:client")]
ClientsWrite = Annotated[Principal, developer.requires("write:client")]
NOT_FOUND = {404: {"description": "Client not found"}}


@router.get("", response_model=developer.Page[ClientOut], summary="List clients")
async def list_clients(
    principal: ClientsRead,
    session: ReadSession,
    pagination: developer.Pagination,
    q: Annotated[str | None, Query(max_length=200, description="Search name, email, phone")] = None,
):
    rows, total = await service.list_clients(
        session, principal.org_id, q=q, limit=pagination.limit, offset=pagination.offset
    )
    return developer.page([client_to_api(c, n) for c, n in rows], total, pagination)


@router.post(
    "",
    status_code=201,
    response_model=developer.Data[ClientOut],
    responses={409: {"description": "A client with this name already exists"}},
    summary="Create a client",
)
async def create_client(body: ClientCreate, principal: ClientsWrite, session: WriteSession):
    client = await service.create_client(session, principal.org_id, body)
    return developer.one(client_to_api(client, 0), 201)


@router.get(
    "/{client_id}", response_model=developer.Data[ClientOut], responses=NOT_FOUND, summary="Get a client"
)
async def get_client(client_id: str, principal: ClientsRead, session: ReadSession):
    client, count = await service.get_client(session, principal.org_id, client_id)
    return developer.one(client_to_api(client, count))


@router.patch(
    "/{client_id}",
    response_model=developer.Data[ClientOut],
    responses={**NOT_FOUND, 409: {"description": "A client with this name already exists"}},
    summary="Update a client",
)
async def update_client(client_id: str, body: ClientUpdate, principal: ClientsWrite, session: WriteSession):
    client, count = await service.update_client(session, principal.org_id, client_id, body)
    return developer.one(client_to_api(client, count))
