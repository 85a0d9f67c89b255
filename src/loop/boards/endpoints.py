"""``/api/v1/boards``: lists (columns, ordered) and cards of board projects."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from loop.auth.principal import Principal
from loop.boards import service
from loop.boards.schemas import (
    CardCreate,
    CardOut,
    CardUpdate,
    ListCreate,
    ListOut,
    ListUpdate,
    card_to_api,
    list_to_api,
)
from loop.db.session import ReadSession, WriteSession
from loop.projects.developer_support import WholeList
from loop.surfaces import developer
from loop.surfaces.developer import DeveloperModel

router = APIRouter(prefix="/api/v1/boards", tags=["Boards"])

BoardRead = Annotated[Principal, developer.requires("read:board")]
BoardWrite = Annotated[Principal, developer.requires("write:board")]
LIST_404 = {404: {"description": "List not found"}}
CARD_404 = {404: {"description": "Card not found"}}


class BoardItemDeleted(DeveloperModel):
    id: str
    deleted: bool


@router.get(
    "/lists",
    response_model=developer.Page[ListOut],
    responses={
        400: {"description": "project_id query parameter is required"},
        404: {"description": "Project not found"},
    },
    summary="List a board's lists, ordered by position",
)
async def list_lists(
    principal: BoardRead,
    session: ReadSession,
    pagination: WholeList,
    project_id: Annotated[str | None, Query(description="The board project (required)")] = None,
):
    rows, total = await service.list_lists(
        session, principal.org_id, project_id, limit=pagination.limit, offset=pagination.offset
    )
    return developer.page([list_to_api(r) for r in rows], total, pagination)


@router.post(
    "/lists",
    status_code=201,
    response_model=developer.Data[ListOut],
    responses={404: {"description": "Project not found"}},
    summary="Create a list",
)
async def create_list(body: ListCreate, principal: BoardWrite, session: WriteSession):
    row = await service.create_list(session, principal.org_id, body)
    return developer.one(list_to_api(row), 201)


@router.get(
    "/lists/{list_id}", response_model=developer.Data[ListOut], responses=LIST_404, summary="Get a list"
)
async def get_list(list_id: str, principal: BoardRead, session: ReadSession):
    return developer.one(list_to_api(await service.get_list(session, principal.org_id, list_id)))


@router.patch(
    "/lists/{list_id}",
    response_model=developer.Data[ListOut],
    responses=LIST_404,
    summary="Rename or reorder a list",
)
async def update_list(list_id: str, body: ListUpdate, principal: BoardWrite, session: WriteSession):
    row = await service.update_list(session, principal.org_id, list_id, body)
    return developer.one(list_to_api(row))


@router.delete(
    "/lists/{list_id}",
    response_model=developer.Data[BoardItemDeleted],
    responses={**LIST_404, 409: {"description": "List is not empty"}},
    summary="Delete an empty list",
)
async def delete_list(list_id: str, principal: BoardWrite, session: WriteSession):
    await service.delete_list(session, principal.org_id, list_id)
    return developer.one({"id": list_id, "deleted": True})


@router.get(
    "/cards",
    response_model=developer.Page[CardOut],
    responses={404: {"description": "Project not found / List not found"}},
    summary="List cards",
)
async def list_cards(
    principal: BoardRead,
    session: ReadSession,
    pagination: developer.Pagination,
    project_id: Annotated[str | None, Query(description="Filter by project")] = None,
    list_id: Annotated[str | None, Query(description="Filter by list")] = None,
):
    rows, total = await service.list_cards(
        session,
        principal.org_id,
        project_id=project_id,
        list_id=list_id,
        limit=pagination.limit,
        offset=pagination.offset,
    )
    return developer.page([card_to_api(r) for r in rows], total, pagination)


@router.post("/cards", status_code=201, response_model=developer.Data[CardOut], summary="Create a card")
async def create_card(body: CardCreate, principal: BoardWrite, session: WriteSession):
    card = await service.create_card(session, principal, body)
    return developer.one(card_to_api(card), 201)


@router.get(
    "/cards/{card_id}", response_model=developer.Data[CardOut], responses=CARD_404, summary="Get a card"
)
async def get_card(card_id: str, principal: BoardRead, session: ReadSession):
    return developer.one(card_to_api(await service.get_card(session, principal.org_id, card_id)))


@router.patch(
    "/cards/{card_id}",
    response_model=developer.Data[CardOut],
    responses=CARD_404,
    summary="Update, move or reorder a card",
)
async def update_card(card_id: str, body: CardUpdate, principal: BoardWrite, session: WriteSession):
    card = await service.update_card(session, principal.org_id, card_id, body)
    return developer.one(card_to_api(card))


@router.delete(
    "/cards/{card_id}",
    response_model=developer.Data[BoardItemDeleted],
    responses=CARD_404,
    summary="Delete a card",
)
async def delete_card(card_id: str, principal: BoardWrite, session: WriteSession):
    await service.delete_card(session, principal.org_id, card_id)
    return developer.one({"id": card_id, "deleted": True})
