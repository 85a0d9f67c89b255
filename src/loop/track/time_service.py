"""Time entries: a key acts as its creator; members see their own entries, owners and admins the team's."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from loop.auth.principal import Principal
from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Conflict, Forbidden, NotFound
from loop.issues.repository import IssueRepository
from loop.tickets.service import TicketRepository
from loop.track import common
from loop.track.models import Tag, TimeEntry
from loop.track.repository import PeopleRepository, TimeEntryRepository, TodoRepository
from loop.track.schemas import TagRef, TimeCreate, TimePatch, time_to_api

NOT_FOUND = "Time entry not found"
FREQUENCIES = ("day", "week", "month")
# Changing these on an invoiced entry would make the invoice disagree with the time it bills.
BILLED_FIELDS = ("duration_seconds", "date", "project_id", "user_id", "billable")


def window(day: date, frequency: str | None) -> tuple[date, date]:
    """day: that day; week (the default): the 7 days ending on ``day``; month: its calendar month."""
    frequency = (frequency or "week").lower()
    if frequency == "day":
        return day, day
    if frequency == "week":
        return day - timedelta(days=6), day
    if frequency == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    raise BadRequest(
        f"Invalid 'frequency': use one of {', '.join(FREQUENCIES)}",
        code="validation_error",
        field="frequency",
        allowed=list(FREQUENCIES),
    )


async def to_api_many(
    session: AsyncSession, org_id: str, entries: Sequence[TimeEntry]
) -> list[dict[str, Any]]:
    """Entries with tags, project (with the user's rate) and user, in four queries whatever their number."""
    if not entries:
        return []
    people = PeopleRepository(session, org_id)
    tags = await TimeEntryRepository(session, org_id).tags_for([e.id for e in entries])
    projects = await people.projects(e.project_id for e in entries if e.project_id)
    rates = await people.rates((e.project_id, e.user_id) for e in entries if e.project_id)
    users = await people.users(e.user_id for e in entries)
    return [
        time_to_api(
            e,
            tags=tags.get(e.id, []),
            project=projects.get(e.project_id) if e.project_id else None,
            member=rates.get((e.project_id, e.user_id)) if e.project_id else None,
            user=users.get(e.user_id),
        )
        for e in entries
    ]


async def _resolve_tags(session: AsyncSession, org_id: str, refs: list[TagRef]) -> list[Tag]:
    """Tags given by id must exist; tags given only by title are found (any case) or created."""
    ids = [r.id for r in refs if r.id]
    by_id = {t.id: t for t in await common.tags_by_id(session, org_id, ids)} if ids else {}
    result: dict[str, Tag] = {}
    for ref in refs:
        if ref.id:
            tag = by_id[ref.id]
        elif ref.title and ref.title.strip():
            tag, _ = await common.find_or_create_tag(session, org_id, ref.title)
        else:
            raise BadRequest("Each tag needs an id or a title", code="validation_error", field="tags")
        result[tag.id] = tag
    return list(result.values())


async def _check_todo(session: AsyncSession, org_id: str, todo_id: str | None) -> None:
    if todo_id is not None and await TodoRepository(session, org_id).get(todo_id) is None:
        raise common.invalid_reference("todoId", "Todo not found")


async def _check_links(
    session: AsyncSession, org_id: str, issue_id: str | None, ticket_id: str | None
) -> None:
    """``issueId`` / ``ticketId`` must name a live engine issue / a ticket of the same organisation."""
    if issue_id is not None and await IssueRepository(session, org_id).get_live(issue_id) is None:
        raise common.invalid_reference("issueId", f"Issue not found: no issue '{issue_id}' in this team")
    if ticket_id is not None and await TicketRepository(session, org_id).get(ticket_id) is None:
        raise common.invalid_reference("ticketId", f"Ticket not found: no ticket '{ticket_id}' in this team")


async def _visible(
    session: AsyncSession, principal: Principal, entry_id: str, *, lock: bool = False
) -> TimeEntry:
    entry = await TimeEntryRepository(session, principal.org_id).get(entry_id, for_update=lock)
    if entry is None or (not principal.is_admin and entry.user_id != principal.user_id):
        raise NotFound(NOT_FOUND)
    return entry


async def create(session: AsyncSession, principal: Principal, body: TimeCreate) -> dict[str, Any]:
    org_id = principal.org_id
    user_id = await common.acting_user(session, principal, body.user_id)
    project = await common.project_ref(session, org_id, body.project_id)
    _, project_id = await common.section_ref(
        session, org_id, body.section_id, project.id if project else None
    )
    if project is None and project_id is not None:
        project = await common.project_ref(session, org_id, project_id)
    await _check_todo(session, org_id, body.todo_id)
    await _check_links(session, org_id, body.issue_id, body.ticket_id)
    tags = await _resolve_tags(session, org_id, body.tags or [])
    now = utcnow()
    entry = TimeEntry(
        user_id=user_id,
        project_id=project_id,
        section_id=body.section_id,
        todo_id=body.todo_id,
        task_name=body.task_name,
        duration_seconds=body.duration_seconds,
        date=body.date,
        description=body.description,
        billable=body.billable,
        ai_generated=body.ai_generated,
        issue_id=body.issue_id,
        ticket_id=body.ticket_id,
        created_at=now,
        updated_at=now,
    )
    repo = TimeEntryRepository(session, org_id)
    repo.add(entry)
    await repo.flush()
    await repo.set_tags(entry.id, [t.id for t in tags], new=True)
    # everything but the user and their rate is already at hand
    user, member = await PeopleRepository(session, org_id).person_and_rate(user_id, project_id)
    ordered = sorted(tags, key=lambda t: t.title_key)
    return time_to_api(entry, tags=ordered, project=project, member=member, user=user)


async def listing(
    session: AsyncSession,
    principal: Principal,
    *,
    day: date,
    frequency: str | None,
    user_id: str | None,
    project_id: str | None,
) -> list[dict[str, Any]]:
    start, end = window(day, frequency)
    if principal.is_admin:
        owner_filter = user_id
    else:
        if user_id is not None and user_id != principal.user_id:
            raise Forbidden(common.ACT_FOR_OTHERS, code="role_required")
        owner_filter = principal.user_id
    entries = await TimeEntryRepository(session, principal.org_id).window(
        start, end, user_id=owner_filter, project_id=project_id
    )
    return await to_api_many(session, principal.org_id, entries)


async def get(session: AsyncSession, principal: Principal, entry_id: str) -> dict[str, Any]:
    entry = await _visible(session, principal, entry_id)
    return (await to_api_many(session, principal.org_id, [entry]))[0]


async def update(
    session: AsyncSession, principal: Principal, entry_id: str, body: TimePatch
) -> dict[str, Any]:
    org_id = principal.org_id
    entry = await _visible(session, principal, entry_id, lock=True)
    given = body.model_fields_set
    changes: dict[str, Any] = {}
    for field in ("task_name", "duration_seconds", "date", "billable", "ai_generated"):
        if field in given:
            value = getattr(body, field)
            if value is None:
                raise BadRequest(f"{field} cannot be null", code="validation_error", field=field)
            changes[field] = value
    for field in ("description", "issue_id", "ticket_id"):
        if field in given:
            changes[field] = getattr(body, field)
    await _check_links(session, org_id, changes.get("issue_id"), changes.get("ticket_id"))
    if "user_id" in given:
        changes["user_id"] = await common.acting_user(session, principal, body.user_id or principal.user_id)
    if "todo_id" in given:
        await _check_todo(session, org_id, body.todo_id)
        changes["todo_id"] = body.todo_id
    if "project_id" in given or "section_id" in given:
        project_id = body.project_id if "project_id" in given else entry.project_id
        section_id = body.section_id if "section_id" in given else entry.section_id
        if "project_id" in given and "section_id" not in given and project_id != entry.project_id:
            section_id = None  # the old section belonged to the old project
        await common.project_ref(session, org_id, project_id)
        _, project_id = await common.section_ref(session, org_id, section_id, project_id)
        if project_id is not None:
            await common.project_ref(session, org_id, project_id)
        changes["project_id"], changes["section_id"] = project_id, section_id
    if entry.invoice_line_item_id is not None:
        touched = [f for f in BILLED_FIELDS if f in changes and changes[f] != getattr(entry, f)]
        if touched:
            raise Conflict(
                "Time entry is invoiced: remove it from the invoice (or void the invoice) before changing "
                + ", ".join(_camel(f) for f in touched),
                code="time_entry_invoiced",
            )
    for field, value in changes.items():
        setattr(entry, field, value)
    if "tags" in given:
        tags = await _resolve_tags(session, org_id, body.tags or [])
        await TimeEntryRepository(session, org_id).set_tags(entry.id, [t.id for t in tags])
    entry.updated_at = utcnow()
    await session.flush()
    return (await to_api_many(session, org_id, [entry]))[0]


async def delete(session: AsyncSession, principal: Principal, entry_id: str) -> None:
    entry = await _visible(session, principal, entry_id, lock=True)
    if entry.invoice_line_item_id is not None:
        raise Conflict(
            "Time entry is invoiced: remove it from the invoice (or void the invoice) before deleting it",
            code="time_entry_invoiced",
        )
    await session.delete(entry)
    await session.flush()


def _camel(field: str) -> str:
    head, *rest = field.split("_")
    return head + "".join(part.title() for part in rest)
