"""Feedback board: board cards as a Kanban board (drag to move, or buttons that work without JavaScript),
the feedback list, and ticket generation from a card or a feedback item."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request

from loop.boards import service as boards
from loop.boards.schemas import CardCreate, CardUpdate, card_to_api
from loop.core.errors import BadRequest
from loop.db.session import ReadSession, WriteSession
from loop.feedback import service as feedback
from loop.feedback.models import STATUSES as FEEDBACK_STATUSES
from loop.feedback.models import TYPES as FEEDBACK_TYPES
from loop.feedback.schemas import FeedbackPatch
from loop.llm import get_generator
from loop.projects import developer_service as projects
from loop.tickets import generation
from loop.tickets import service as tickets
from loop.tickets.schemas import ticket_to_api
from loop.web.common import CurrentUser, PageRoute, redirect, render

router = APIRouter(route_class=PageRoute)
FEEDBACK_PER_PAGE = 25
MAX_CARDS = 1000


async def _projects(session: Any, org_id: str, type_: str | None) -> list[Any]:
    rows, _ = await projects.list_projects(
        session, org_id, include_archived=False, type_=type_, client_id=None, limit=100, offset=0
    )
    return list(rows)


@router.get("/board", summary="Kanban board")
async def board(
    request: Request,
    user: CurrentUser,
    session: ReadSession,
    project: Annotated[str | None, Query(max_length=36)] = None,
):
    board_projects = await _projects(session, user.org_id, "board")
    current = None
    columns: list[dict[str, Any]] = []
    if project:
        current = await projects.get_project(session, user.org_id, project)
    elif board_projects:
        current = board_projects[0]
    if current is not None:
        lists, _ = await boards.list_lists(session, user.org_id, current.id, limit=100, offset=0)
        cards, _ = await boards.list_cards(
            session, user.org_id, project_id=current.id, list_id=None, limit=MAX_CARDS, offset=0
        )
        by_list: dict[str, list[dict[str, Any]]] = {row.id: [] for row in lists}
        for card in cards:
            by_list.setdefault(card.list_id, []).append(card_to_api(card))
        columns = [{"id": row.id, "name": row.name, "cards": by_list[row.id]} for row in lists]
    return render(request, "board.html", projects=board_projects, current=current, columns=columns)


@router.post("/board/cards", summary="Add a card")
async def add_card(
    request: Request,
    user: CurrentUser,
    session: WriteSession,
    list_id: Annotated[str, Form(max_length=36)] = "",
    title: Annotated[str, Form(max_length=500)] = "",
):
    card = await boards.create_card(session, user.principal, CardCreate(list_id=list_id or None, title=title))
    return redirect(f"/app/board?project={card.project_id}#card-{card.id}", request)


@router.post("/board/cards/{card_id}/move", summary="Move a card")
async def move_card(
    request: Request,
    card_id: str,
    user: CurrentUser,
    session: WriteSession,
    list_id: Annotated[str, Form(max_length=36)] = "",
    position: Annotated[str, Form(max_length=6)] = "",
):
    if position and not position.isdigit():
        raise BadRequest("position must be a whole number, 0 or more", code="validation_error")
    body = CardUpdate(list_id=list_id or None, position=int(position) if position else None)
    if body.list_id is None and body.position is None:
        raise BadRequest("Give a list or a position to move the card to", code="validation_error")
    card = await boards.update_card(session, user.org_id, card_id, body)
    return redirect(f"/app/board?project={card.project_id}#card-{card.id}", request)


async def _generate(request: Request, user: Any, session: Any, source_type: str, source_id: str) -> Any:
    # Nothing stays open while the provider thinks: the generation opens its own short transactions.
    await session.rollback()
    state = request.app.state
    ticket = await generation.generate_ticket(
        state.database, get_generator(state.settings), user.principal, source_type, source_id
    )
    return redirect(f"/app/tickets/{ticket.id}", request)


@router.post("/board/cards/{card_id}/ticket", summary="Generate a ticket from a card")
async def card_ticket(request: Request, card_id: str, user: CurrentUser, session: ReadSession):
    return await _generate(request, user, session, "board_card", card_id)


@router.get("/feedback", summary="Feedback")
async def feedback_list(
    request: Request,
    user: CurrentUser,
    session: ReadSession,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    status: Annotated[str | None, Query(max_length=20)] = None,
    type: Annotated[str | None, Query(max_length=20)] = None,
    project: Annotated[str | None, Query(max_length=36)] = None,
):
    rows, total = await feedback.list_feedback(
        session, user.org_id, project_id=project or None, status=status or None, type_=type or None,
        limit=FEEDBACK_PER_PAGE, offset=(page - 1) * FEEDBACK_PER_PAGE,
    )  # fmt: skip
    pages = max(1, math.ceil(total / FEEDBACK_PER_PAGE))
    query = {k: v for k, v in {"status": status, "type": type, "project": project}.items() if v}
    return render(
        request, "feedback.html", items=rows, total=total, page=page, pages=pages, query=query,
        statuses=FEEDBACK_STATUSES, types=FEEDBACK_TYPES, projects=await _projects(session, user.org_id, None),
        first=(page - 1) * FEEDBACK_PER_PAGE + 1 if rows else 0, last=(page - 1) * FEEDBACK_PER_PAGE + len(rows),
    )  # fmt: skip


@router.post("/feedback/{feedback_id}/status", summary="Change a feedback item's status")
async def feedback_status(
    request: Request,
    feedback_id: str,
    user: CurrentUser,
    session: WriteSession,
    status: Annotated[str, Form(max_length=20)] = "",
):
    await feedback.update_feedback(session, user.org_id, feedback_id, FeedbackPatch(status=status))
    return redirect(f"/app/feedback#feedback-{feedback_id}", request)


@router.post("/feedback/{feedback_id}/ticket", summary="Generate a ticket from a feedback item")
async def feedback_ticket(request: Request, feedback_id: str, user: CurrentUser, session: ReadSession):
    return await _generate(request, user, session, "feedback", feedback_id)


@router.get("/tickets/{ticket_id}", summary="A ticket")
async def ticket_page(request: Request, ticket_id: str, user: CurrentUser, session: ReadSession):
    ticket = ticket_to_api(await tickets.get_ticket(session, user.org_id, ticket_id))
    return render(request, "ticket.html", ticket=ticket, nav="board")
