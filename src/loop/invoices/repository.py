"""Every invoice query, scoped by organisation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, case, or_, select, update

from loop.clients.models import Client
from loop.db.repository import OrgRepository
from loop.invoices import rules
from loop.invoices.models import Invoice, InvoiceEmail, InvoiceLineItem
from loop.track.models import TimeEntry

# entries linked per UPDATE statement (three bound parameters each, well under every driver's limit)
CLAIM_CHUNK = 500


class InvoiceRepository(OrgRepository[Invoice]):
    model = Invoice

    def status_filter(self, status: str, today: date) -> Any:
        """SQL for an effective status (OVERDUE and EXPIRED are derived from the dates)."""
        not_expired = or_(Invoice.expiry_date.is_(None), Invoice.expiry_date >= today)
        if status == rules.EXPIRED:
            return and_(Invoice.status == rules.PENDING, Invoice.expiry_date < today)
        if status == rules.OVERDUE:
            return and_(Invoice.status == rules.PENDING, Invoice.due_date < today, not_expired)
        if status == rules.PENDING:
            return and_(
                Invoice.status == rules.PENDING,
                or_(Invoice.due_date.is_(None), Invoice.due_date >= today),
                not_expired,
            )
        return Invoice.status == status

    def listing(
        self,
        *,
        statuses: Sequence[str],
        today: date,
        client_id: str | None,
        start: date | None,
        end: date | None,
        q: str | None,
    ) -> Select[Any]:
        stmt = self.select()
        if statuses:
            stmt = stmt.where(or_(*(self.status_filter(s, today) for s in statuses)))
        if client_id:
            stmt = stmt.where(Invoice.client_id == client_id)
        if start:
            stmt = stmt.where(Invoice.issue_date >= start)
        if end:
            stmt = stmt.where(Invoice.issue_date <= end)
        if q and q.strip():
            needle = q.strip()
            clients = select(Client.id).where(
                Client.org_id == self.org_id, Client.name_key.contains(needle.casefold(), autoescape=True)
            )
            stmt = stmt.where(
                or_(
                    Invoice.serial_number.icontains(needle, autoescape=True),
                    Invoice.description.icontains(needle, autoescape=True),
                    Invoice.client_id.in_(clients),
                )
            )
        return stmt.order_by(Invoice.issue_date.desc(), Invoice.serial_number.desc())

    async def has_payments(self) -> bool:
        stmt = self.select(Invoice.id).where(Invoice.status.in_((rules.PAID, rules.PAID_PARTIAL))).limit(1)
        return (await self.session.execute(stmt)).first() is not None


class LineItemRepository(OrgRepository[InvoiceLineItem]):
    model = InvoiceLineItem

    async def for_invoice(self, invoice_id: str) -> list[InvoiceLineItem]:
        stmt = (
            self.select()
            .where(InvoiceLineItem.invoice_id == invoice_id)
            .order_by(InvoiceLineItem.position, InvoiceLineItem.id)
        )
        return list(await self.all(stmt))

    async def for_invoices(self, invoice_ids: Iterable[str]) -> dict[str, list[InvoiceLineItem]]:
        ids = list(set(invoice_ids))
        result: dict[str, list[InvoiceLineItem]] = defaultdict(list)
        if not ids:
            return result
        stmt = (
            self.select()
            .where(InvoiceLineItem.invoice_id.in_(ids))
            .order_by(InvoiceLineItem.invoice_id, InvoiceLineItem.position, InvoiceLineItem.id)
        )
        for line in await self.all(stmt):
            result[line.invoice_id].append(line)
        return result

    async def time_entry_ids(self, line_ids: Iterable[str]) -> dict[str, list[str]]:
        ids = list(set(line_ids))
        result: dict[str, list[str]] = defaultdict(list)
        if not ids:
            return result
        stmt = (
            select(TimeEntry.invoice_line_item_id, TimeEntry.id)
            .where(TimeEntry.org_id == self.org_id, TimeEntry.invoice_line_item_id.in_(ids))
            .order_by(TimeEntry.date, TimeEntry.id)
        )
        for line_id, entry_id in (await self.session.execute(stmt)).all():
            result[line_id].append(entry_id)
        return result

    async def release(self, line_ids: Iterable[str]) -> None:
        """Make the hours these lines billed billable again."""
        ids = list(set(line_ids))
        if not ids:
            return
        await self.session.execute(
            update(TimeEntry)
            .where(TimeEntry.org_id == self.org_id, TimeEntry.invoice_line_item_id.in_(ids))
            .values(invoice_line_item_id=None, invoiced_at=None)
            .execution_options(synchronize_session=False)
        )

    async def claim(self, links: dict[str, str], at: datetime) -> int:
        """Link unbilled entries to lines ({entry id: line id}); returns how many were still unbilled.

        One guarded UPDATE per chunk of entries (``CASE`` maps each entry to its line)."""
        claimed = 0
        items = list(links.items())
        for start in range(0, len(items), CLAIM_CHUNK):
            chunk = dict(items[start : start + CLAIM_CHUNK])
            result = await self.session.execute(
                update(TimeEntry)
                .where(
                    TimeEntry.org_id == self.org_id,
                    TimeEntry.id.in_(list(chunk)),
                    TimeEntry.invoice_line_item_id.is_(None),
                )
                .values(invoice_line_item_id=case(chunk, value=TimeEntry.id), invoiced_at=at)
                .execution_options(synchronize_session=False)
            )
            claimed += result.rowcount  # type: ignore[attr-defined]
        return claimed


class InvoiceEmailRepository(OrgRepository[InvoiceEmail]):
    model = InvoiceEmail

    async def for_invoice(self, invoice_id: str) -> list[InvoiceEmail]:
        stmt = (
            self.select()
            .where(InvoiceEmail.invoice_id == invoice_id)
            .order_by(InvoiceEmail.created_at.desc())
        )
        return list(await self.all(stmt))
