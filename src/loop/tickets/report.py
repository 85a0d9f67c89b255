"""Tickets in inbox report exports: one row per ticket created in the window.

The channel is what the ticket was made from (``feedback`` or ``board_card``); the author is who generated it,
teammates are its author and assignee, the team is the project, the customer is the project's client, the
contact is the reporter of the feedback it came from, and its labels are its tags.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.clients.models import Client
from loop.feedback.models import Feedback
from loop.inbox.sources import ConversationRow, ExportQuery, conversation_source
from loop.orgs.models import User
from loop.projects.models import Project
from loop.tickets.models import Ticket


@conversation_source("ticket")
async def ticket_rows(session: AsyncSession, query: ExportQuery) -> AsyncIterator[ConversationRow]:
    stmt = (
        select(Ticket, Project.client_id, Client.name, User.email, Feedback.reporter_email)
        .join(Project, Project.id == Ticket.project_id)
        .outerjoin(Client, Client.id == Project.client_id)
        .outerjoin(User, User.id == Ticket.created_by)
        .outerjoin(Feedback, Feedback.id == Ticket.feedback_id)
        .where(Ticket.org_id == query.org_id)
        .where(Ticket.created_at >= query.start, Ticket.created_at < query.end)
        .order_by(Ticket.created_at, Ticket.id)
    )
    if query.customer_ids:
        stmt = stmt.where(Project.client_id.in_(list(query.customer_ids)))
    if query.team_ids:
        stmt = stmt.where(Ticket.project_id.in_(list(query.team_ids)))
    if query.teammate_ids:
        wanted = list(query.teammate_ids)
        stmt = stmt.where(or_(Ticket.created_by.in_(wanted), Ticket.assigned_to.in_(wanted)))
    rows: list[Any] = list((await session.execute(stmt)).all())
    for ticket, client_id, client_name, author_email, reporter_email in rows:
        yield ConversationRow(
            conversation_id=ticket.id,
            source="ticket",
            subject=ticket.title,
            status=ticket.status,
            channel=ticket.source_type,
            team_id=ticket.project_id,
            created_at=ticket.created_at,
            last_activity_at=ticket.updated_at,
            closed_at=ticket.updated_at if ticket.status == "done" else None,
            author_id=ticket.created_by,
            author_email=author_email,
            teammate_ids=list(dict.fromkeys(u for u in (ticket.created_by, ticket.assigned_to) if u)),
            contacts=[reporter_email] if reporter_email else [],
            customer_id=client_id,
            customer_name=client_name,
            tag_ids=list(ticket.labels or []),
        )
