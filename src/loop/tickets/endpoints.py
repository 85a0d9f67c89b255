"""``/api/v1/tickets``: list, generate, get, update. ``generate`` is routed before ``/{id}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from loop.auth.principal import Principal
from loop.db.session import ReadSession, WriteSession
from loop.llm import get_generator
from loop.surfaces import developer
from loop.tickets import bridge, generation, service
from loop.tickets.schemas import (
    GenerateRequest,
    IssueLink,
    TicketGenerated,
    TicketOut,
    TicketPatch,
    generated_to_api,
    ticket_to_api,
)

router = APIRouter(prefix="/api/v1/tickets", tags=["Tickets"])

TicketsRead = Annotated[Principal, developer.requires("read:ticket")]
TicketsWrite = Annotated[Principal, developer.requires("write:ticket")]
TicketsToEngine = Annotated[Principal, developer.requires("write:ticket", "write:issue")]
NOT_FOUND = {404: {"description": "Ticket not found"}}


@router.get("", response_model=developer.Page[TicketOut], summary="List tickets")
async def list_tickets(
    principal: TicketsRead,
    session: ReadSession,
    pagination: developer.Pagination,
    project_id: Annotated[str | None, Query(description="Filter by project")] = None,
    status: Annotated[str | None, Query(description="open, in_progress or done")] = None,
):
    rows, total = await service.list_tickets(
        session,
        principal.org_id,
        project_id=project_id,
        status=status,
        limit=pagination.limit,
        offset=pagination.offset,
    )
    return developer.page([ticket_to_api(r) for r in rows], total, pagination)


@router.post(
    "/generate",
    status_code=201,
    response_model=developer.Data[TicketGenerated],
    responses={
        400: {"description": "Missing source_type or source_id / Invalid source_type"},
        404: {"description": "Source item not found"},
        500: {"description": "AI generation failed"},
    },
    summary="Generate a ticket from a feedback item or a board card",
)
async def generate_ticket(
    request: Request, principal: TicketsWrite, session: ReadSession, body: GenerateRequest | None = None
):
    # End the request's read transaction: nothing stays open while the provider thinks.
    await session.rollback()
    body = body or GenerateRequest()
    state = request.app.state
    ticket = await generation.generate_ticket(
        state.database, get_generator(state.settings), principal, body.source_type, body.source_id
    )
    return developer.one(generated_to_api(ticket), 201)


@router.get(
    "/{ticket_id}", response_model=developer.Data[TicketOut], responses=NOT_FOUND, summary="Get a ticket"
)
async def get_ticket(ticket_id: str, principal: TicketsRead, session: ReadSession):
    return developer.one(ticket_to_api(await service.get_ticket(session, principal.org_id, ticket_id)))


@router.patch(
    "/{ticket_id}",
    response_model=developer.Data[TicketOut],
    responses={**NOT_FOUND, 400: {"description": "No valid fields / Invalid status / Invalid priority"}},
    summary="Update a ticket",
)
async def update_ticket(ticket_id: str, body: TicketPatch, principal: TicketsWrite, session: WriteSession):
    row = await service.update_ticket(session, principal.org_id, ticket_id, body)
    return developer.one(ticket_to_api(row))


@router.post(
    "/{ticket_id}/issue",
    status_code=201,
    response_model=developer.Data[IssueLink],
    responses={**NOT_FOUND, 200: {"description": "Already sent: the linked issue"}},
    summary="Send a ticket to the engine as an issue",
)
async def send_ticket_to_engine(ticket_id: str, principal: TicketsToEngine, session: WriteSession):
    issue, ticket, created = await bridge.send_to_engine(session, principal.org_id, ticket_id)
    names = await bridge.issue_label_names(session, principal.org_id, issue.id)
    return developer.one(bridge.issue_link_to_api(issue, ticket, names), 201 if created else 200)
