"""The bridge between developer tickets and engine issues.

``send_to_engine`` turns a ticket into a ``task`` issue in ``todo`` (title, description with the acceptance
criteria, priority mapped, labels by name) and links both ways: ``tickets.issue_id`` on the ticket, and
``signalSource: "loop-ticket"`` with ``signalPayload.ticketId`` on the issue. Sending again returns the linked
issue (unless it was deleted, then a new one is made).

``follow_issue_status`` keeps the ticket and its feedback item in step with the issue, whatever path moved it
(it runs inside the transaction that changed the status):

=============  ===========  =================================================================
issue          ticket       feedback item
=============  ===========  =================================================================
in_progress    in_progress  in_progress
done           done         review (the client verifies; a person then sets done); the issue's
                            agent summary, if any, is added as an internal comment
canceled       done         unchanged; an internal comment notes the cancellation
triage,        open         unchanged (the work was reopened or put back in the queue)
backlog, todo
=============  ===========  =================================================================
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.core.errors import NotFound
from loop.discussion.models import DiscussionComment
from loop.feedback.models import Feedback
from loop.issues import service as issues
from loop.issues.events import on_status_changed
from loop.issues.models import Issue
from loop.issues.repository import IssueRepository
from loop.labels import service as labels
from loop.labels.repository import LabelRepository
from loop.projects.repository import ProjectRepository
from loop.tickets.models import Ticket
from loop.tickets.service import TICKET_NOT_FOUND

SOURCE = "loop-ticket"
# Ticket priority → engine priority (0 none, 1 urgent … 4 low).
PRIORITY_TO_ENGINE = {"critical": 1, "high": 2, "medium": 3, "low": 4}
LABEL_COLOR = "#6B7280"

ISSUE_TO_TICKET = {
    "in_progress": "in_progress",
    "done": "done",
    "canceled": "done",
    "triage": "open",
    "backlog": "open",
    "todo": "open",
}
ISSUE_TO_FEEDBACK = {"in_progress": "in_progress", "done": "review"}
BRIDGE_AUTHOR = "Loop engine"


async def _locked_ticket(session: AsyncSession, org_id: str, ticket_id: str) -> Ticket:
    # Row lock on PostgreSQL so two concurrent sends make one issue (SQLite writers are serialised already).
    stmt = select(Ticket).where(Ticket.id == ticket_id, Ticket.org_id == org_id).with_for_update()
    ticket = (await session.execute(stmt)).scalar_one_or_none()
    if ticket is None:
        raise NotFound(TICKET_NOT_FOUND)
    return ticket


async def _label_ids(session: AsyncSession, org_id: str, names: list[str]) -> list[str]:
    repo = LabelRepository(session, org_id)
    ids: list[str] = []
    for name in names:
        name = " ".join(name.split())[:100]
        if not name:
            continue
        label = await repo.live_by_name(name) or await labels.create_label(
            session, org_id, name=name, color=LABEL_COLOR
        )
        if label.id not in ids:
            ids.append(label.id)
    return ids


def _description(ticket: Ticket) -> str:
    origin = (
        f"feedback item `{ticket.source_id}`"
        if ticket.source_type == "feedback"
        else f"board card `{ticket.source_id}`"
    )
    footer = f"---\nSent from Loop ticket `{ticket.id}` ({origin})."
    body = (ticket.description or "").rstrip()
    return f"{body}\n\n{footer}" if body else footer


async def send_to_engine(session: AsyncSession, org_id: str, ticket_id: str) -> tuple[Issue, Ticket, bool]:
    """The ticket's engine issue, and whether it was created now (False: it already existed)."""
    ticket = await _locked_ticket(session, org_id, ticket_id)
    if ticket.issue_id is not None:
        existing = await IssueRepository(session, org_id).get_live(ticket.issue_id)
        if existing is not None:
            return existing, ticket, False
    project_id = (
        ticket.project_id if await ProjectRepository(session, org_id).exists(ticket.project_id) else None
    )
    issue = await issues.create_issue(
        session,
        org_id,
        title=ticket.title[:500],
        type="task",
        description=_description(ticket),
        status="todo",
        priority=PRIORITY_TO_ENGINE.get(ticket.priority, 0),
        project_id=project_id,
        signal_source=SOURCE,
        signal_payload={
            "ticketId": ticket.id,
            "sourceType": ticket.source_type,
            "sourceId": ticket.source_id,
            "feedbackId": ticket.feedback_id,
            "cardId": ticket.card_id,
            "ticketPriority": ticket.priority,
        },
        label_ids=await _label_ids(session, org_id, list(ticket.labels or [])),
    )
    ticket.issue_id = issue.id
    ticket.updated_at = utcnow()
    await session.flush()
    return issue, ticket, True


async def issue_label_names(session: AsyncSession, org_id: str, issue_id: str) -> list[str]:
    by_issue = await IssueRepository(session, org_id).labels_by_issue([issue_id])
    return [label.name for label in by_issue[issue_id]]


def issue_link_to_api(issue: Issue, ticket: Ticket, label_names: list[str]) -> dict[str, Any]:
    return {
        "id": issue.id,
        "number": issue.number,
        "title": issue.title,
        "type": issue.type,
        "status": issue.status,
        "priority": issue.priority,
        "project_id": issue.project_id,
        "labels": label_names,
        "ticket_id": ticket.id,
        "ticket_status": ticket.status,
        "url": f"/api/issues/{issue.id}",
        "created_at": issue.created_at,
    }


# -- status sync -------------------------------------------------------------------------------------------
def _note(issue: Issue) -> str | None:
    if issue.status == "canceled":
        return f"Engine issue #{issue.number} was canceled; this item was not changed."
    if issue.status == "done" and issue.agent_summary:
        return f"Engine issue #{issue.number} is done: {issue.agent_summary}"
    return None


_TICKETS_OF_ISSUE = select(Ticket).where(
    Ticket.org_id == bindparam("org_id"), Ticket.issue_id == bindparam("issue_id")
)


def _has_ticket(issue: Any) -> Any:
    """SQL: a ticket follows this issue (the entity or an alias of it)."""
    return select(Ticket.id).where(Ticket.org_id == issue.org_id, Ticket.issue_id == issue.id).exists()


@on_status_changed(only_if=_has_ticket)
async def follow_issue_status(session: AsyncSession, org_id: str, issue: Issue, previous: str) -> None:
    ticket_status = ISSUE_TO_TICKET.get(issue.status)
    params = {"org_id": org_id, "issue_id": issue.id}
    tickets = list((await session.execute(_TICKETS_OF_ISSUE, params)).scalars())
    if not tickets:
        return
    now = utcnow()
    note = _note(issue)
    seen: set[str] = set()
    for ticket in tickets:
        if ticket_status is not None and ticket.status != ticket_status:
            ticket.status = ticket_status
            ticket.updated_at = now
        if ticket.feedback_id is None or ticket.feedback_id in seen:
            continue
        seen.add(ticket.feedback_id)
        feedback = (
            await session.execute(
                select(Feedback).where(Feedback.id == ticket.feedback_id, Feedback.org_id == org_id)
            )
        ).scalar_one_or_none()
        if feedback is None:
            continue
        feedback_status = ISSUE_TO_FEEDBACK.get(issue.status)
        if feedback_status is not None and feedback.status != feedback_status:
            feedback.status = feedback_status
            feedback.updated_at = now
        if note is not None:
            session.add(
                DiscussionComment(
                    org_id=org_id,
                    feedback_id=feedback.id,
                    author_id=None,
                    author_name=BRIDGE_AUTHOR,
                    body=note,
                    mentions=[],
                    is_internal=True,
                )
            )
    await session.flush()
