"""Tickets: list, get and update. Generation lives in ``generation.py``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.core.errors import BadRequest, NotFound
from loop.db.repository import OrgRepository
from loop.feedback.models import Feedback
from loop.orgs.models import Membership
from loop.projects.developer_service import get_project
from loop.projects.developer_support import check_choice
from loop.tickets.models import PRIORITIES, STATUSES, Ticket
from loop.tickets.schemas import TicketPatch

TICKET_NOT_FOUND = "Ticket not found"
PATCH_FIELDS = {"status", "priority", "title", "description", "assigned_to", "labels"}
# A ticket's feedback item follows it: work started, or done and waiting for the client to check it.
FEEDBACK_FOLLOWS = {"in_progress": "in_progress", "done": "review"}


class TicketRepository(OrgRepository[Ticket]):
    model = Ticket

    def listing(self, *, project_id: str | None, status: str | None) -> Select[tuple[Ticket]]:
        stmt = self.select().order_by(Ticket.created_at.desc(), Ticket.id.desc())
        if project_id is not None:
            stmt = stmt.where(Ticket.project_id == project_id)
        if status is not None:
            stmt = stmt.where(Ticket.status == status)
        return stmt


async def list_tickets(
    session: AsyncSession, org_id: str, *, project_id: str | None, status: str | None, limit: int, offset: int
) -> tuple[Sequence[Ticket], int]:
    check_choice(status, STATUSES, "Invalid status")
    if project_id is not None:
        await get_project(session, org_id, project_id)
    repo = TicketRepository(session, org_id)
    return await repo.page(repo.listing(project_id=project_id, status=status), limit=limit, offset=offset)


async def get_ticket(session: AsyncSession, org_id: str, ticket_id: str) -> Ticket:
    row = await TicketRepository(session, org_id).get(ticket_id)
    if row is None:
        raise NotFound(TICKET_NOT_FOUND)
    return row


def _labels(values: list[str] | None) -> list[str]:
    cleaned: list[str] = []
    for value in values or []:
        label = " ".join(value.split())
        if not label or len(label) > 50:
            raise BadRequest("Each label must be 1–50 characters", code="validation_error")
        if label not in cleaned:
            cleaned.append(label)
    return cleaned


async def update_ticket(session: AsyncSession, org_id: str, ticket_id: str, body: TicketPatch) -> Ticket:
    fields = body.model_fields_set & PATCH_FIELDS
    if not fields:
        raise BadRequest("No valid fields", code="no_valid_fields")
    if "status" in fields:
        if body.status is None:
            raise BadRequest("Invalid status", code="invalid_value", allowed=list(STATUSES))
        check_choice(body.status, STATUSES, "Invalid status")
    if "priority" in fields:
        if body.priority is None:
            raise BadRequest("Invalid priority", code="invalid_value", allowed=list(PRIORITIES))
        check_choice(body.priority, PRIORITIES, "Invalid priority")
    if "title" in fields and (body.title is None or not body.title.strip()):
        raise BadRequest("title cannot be empty", code="validation_error")
    if "description" in fields and body.description is None:
        raise BadRequest("description cannot be null", code="validation_error")
    labels = _labels(body.labels) if "labels" in fields else None
    row = await get_ticket(session, org_id, ticket_id)
    if "assigned_to" in fields and body.assigned_to is not None:
        stmt = select(Membership.id).where(
            Membership.org_id == org_id, Membership.user_id == body.assigned_to
        )
        if (await session.execute(stmt)).scalar_one_or_none() is None:
            raise BadRequest("assigned_to must be a member of this organisation", code="invalid_assignee")
    if "status" in fields and body.status != row.status:
        row.status = body.status  # type: ignore[assignment]
        await _feedback_follows(session, org_id, row)
    if "priority" in fields:
        row.priority = body.priority  # type: ignore[assignment]
    if "title" in fields:
        row.title = body.title.strip()  # type: ignore[union-attr]
    if "description" in fields:
        row.description = body.description  # type: ignore[assignment]
    if "assigned_to" in fields:
        row.assigned_to = body.assigned_to
    if labels is not None:
        row.labels = labels
    row.updated_at = utcnow()
    await session.flush()
    return row


async def _feedback_follows(session: AsyncSession, org_id: str, ticket: Ticket) -> None:
    target = FEEDBACK_FOLLOWS.get(ticket.status)
    if target is None or ticket.feedback_id is None:
        return
    stmt = select(Feedback).where(Feedback.id == ticket.feedback_id, Feedback.org_id == org_id)
    item = (await session.execute(stmt)).scalar_one_or_none()
    if item is not None and item.status != target:
        item.status = target
        item.updated_at = utcnow()
