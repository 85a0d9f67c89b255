"""Import time into an invoice: billable, not yet invoiced entries in a date range become line items priced
at each member's project rate.

An hour is billed once. The candidate entries are read with a row lock (PostgreSQL ``FOR UPDATE``; SQLite
writers are serialised by ``BEGIN IMMEDIATE``), so a concurrent import waits and then no longer sees them;
the link is then written with a guarded ``UPDATE … WHERE invoice_line_item_id IS NULL`` whose row count is
checked, so even an unforeseen race fails the request rather than billing twice.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Conflict
from loop.invoices import service
from loop.invoices.models import InvoiceLineItem
from loop.invoices.money import hours, line_amount, rate_str
from loop.invoices.repository import LineItemRepository
from loop.invoices.schemas import ImportTime
from loop.projects.models import Project
from loop.projects.repository import ProjectRepository
from loop.track.models import TimeEntry
from loop.track.repository import PeopleRepository


@dataclass
class _Group:
    description: str
    rate: Decimal
    seconds: int = 0
    entry_ids: list[str] = field(default_factory=list)


async def _projects(
    session: AsyncSession, org_id: str, client_id: str, project_ids: list[str] | None
) -> dict[str, Project]:
    repo = ProjectRepository(session, org_id)
    if project_ids:
        found = {p.id: p for p in await repo.all(repo.live().where(Project.id.in_(set(project_ids))))}
        missing = [p for p in project_ids if p not in found]
        if missing:
            raise BadRequest(f"Project not found: {missing[0]}", code="invalid_reference", field="projectIds")
        return found
    found = {p.id: p for p in await repo.all(repo.live().where(Project.client_id == client_id))}
    if not found:
        raise BadRequest(
            "No project is linked to this invoice's client: pass projectIds",
            code="no_projects",
            field="projectIds",
        )
    return found


async def import_time(
    session: AsyncSession, org_id: str, invoice_id: str, body: ImportTime
) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    """(invoice, the new lines, how many entries were imported)."""
    if body.from_ > body.to:
        raise BadRequest("from must not be after to", code="validation_error", field="from")
    invoice = await service.load(session, org_id, invoice_id, lock=True)
    service.ensure_editable(invoice)
    projects = await _projects(session, org_id, invoice.client_id, body.project_ids)
    people = PeopleRepository(session, org_id)
    if body.user_ids:
        members = await people.members(body.user_ids)
        missing = [u for u in body.user_ids if u not in members]
        if missing:
            raise BadRequest(f"User not found: {missing[0]}", code="invalid_reference", field="userIds")

    stmt = (
        select(TimeEntry)
        .where(
            TimeEntry.org_id == org_id,
            TimeEntry.date >= body.from_,
            TimeEntry.date <= body.to,
            TimeEntry.billable.is_(True),
            TimeEntry.invoice_line_item_id.is_(None),
            TimeEntry.project_id.in_(list(projects)),
        )
        .order_by(TimeEntry.date, TimeEntry.created_at, TimeEntry.id)
        .with_for_update()
    )
    if body.user_ids:
        stmt = stmt.where(TimeEntry.user_id.in_(set(body.user_ids)))
    entries = list((await session.execute(stmt)).scalars().all())
    if not entries:
        return await service.to_api(session, org_id, invoice), [], 0

    rates = await people.rates((e.project_id, e.user_id) for e in entries if e.project_id)
    users = await people.users(e.user_id for e in entries)
    unpriced = sorted(
        {
            (e.project_id, e.user_id)
            for e in entries
            if e.project_id and getattr(rates.get((e.project_id, e.user_id)), "rate", None) is None
        }
    )
    if unpriced:
        project_id, user_id = unpriced[0]
        user = users.get(user_id)
        raise BadRequest(
            f"No rate set for {user.display_name if user else user_id} on {projects[project_id].name}: set it with "
            f"PUT /v1/track/projects/{project_id}/members/{user_id}",
            code="missing_rate",
            missingRates=[{"projectId": p, "userId": u} for p, u in unpriced],
        )

    groups: OrderedDict[tuple[Any, ...], _Group] = OrderedDict()
    rates_per_project: dict[str, set[Decimal]] = {}
    for entry in entries:
        assert entry.project_id is not None
        rate = rates[(entry.project_id, entry.user_id)].rate
        assert rate is not None
        rates_per_project.setdefault(entry.project_id, set()).add(rate)
        project = projects[entry.project_id]
        if body.group_by == "entry":
            key: tuple[Any, ...] = ("entry", entry.id)
            description = entry.task_name
        elif body.group_by == "project":
            key = ("project", entry.project_id, rate)
            description = project.name
        else:
            user = users.get(entry.user_id)
            key = ("user", entry.user_id, entry.project_id)
            description = f"{user.display_name if user else entry.user_id} — {project.name}"
        group = groups.setdefault(key, _Group(description=description, rate=rate))
        group.seconds += entry.duration_seconds
        group.entry_ids.append(entry.id)
    if body.group_by == "project":
        for key, group in groups.items():
            if len(rates_per_project[key[1]]) > 1:
                group.description = f"{group.description} — {rate_str(group.rate)}/h"

    repo = LineItemRepository(session, org_id)
    lines = await repo.for_invoice(invoice.id)
    now = utcnow()
    created: list[tuple[InvoiceLineItem, _Group]] = []
    for group in groups.values():
        quantity = hours(group.seconds)
        line = InvoiceLineItem(
            org_id=org_id,
            invoice_id=invoice.id,
            position=len(lines),
            description=group.description,
            quantity=quantity,
            rate=group.rate,
            amount=line_amount(quantity, group.rate),
            amount_overridden=False,
            created_at=now,
            updated_at=now,
        )
        session.add(line)
        lines.append(line)
        created.append((line, group))
    await session.flush()
    links = {entry_id: line.id for line, group in created for entry_id in group.entry_ids}
    if await repo.claim(links, now) != len(links):
        raise Conflict(
            "Some of these time entries were invoiced at the same moment; try again", code="import_conflict"
        )
    service.recompute(invoice, lines)
    await session.flush()
    new_lines = await service.lines_to_api(session, org_id, [line for line, _ in created])
    return await service.to_api(session, org_id, invoice), new_lines, len(entries)
