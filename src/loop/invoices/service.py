"""Invoices: serial numbers, line items and totals, status changes. Only a PENDING invoice can be edited;
voiding or deleting an invoice (or deleting a line) releases the hours it billed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from loop.auth.principal import Principal
from loop.clients.repository import ClientRepository
from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Conflict, NotFound
from loop.core.ids import new_id
from loop.db.counters import next_value
from loop.invoices import rules
from loop.invoices.models import Invoice, InvoiceLineItem
from loop.invoices.money import checked, line_amount, to_money, totals
from loop.invoices.repository import InvoiceRepository, LineItemRepository
from loop.invoices.schemas import (
    InvoiceCreate,
    InvoicePatch,
    LineItemIn,
    StatusChange,
    invoice_to_api,
    line_to_api,
)
from loop.orgs.models import Organisation

NOT_FOUND = "Invoice not found"
LINE_NOT_FOUND = "Line item not found"
CLIENT_NOT_FOUND = "Client not found"
EDIT_REFUSED = {
    rules.PAID: "Cannot edit a paid invoice",
    rules.PAID_PARTIAL: "Cannot edit an invoice with payments",
    rules.VOID: "Cannot edit a void invoice",
}
DELETE_REFUSED = {
    rules.PAID: "Cannot delete a paid invoice; void it instead",
    rules.PAID_PARTIAL: "Cannot delete an invoice with payments; void it instead",
}


def serial_number(year: int, value: int) -> str:
    return f"INV-{year}-{value:05d}"


# -- loading and rendering ---------------------------------------------------------------------------------
async def load(session: AsyncSession, org_id: str, invoice_id: str, *, lock: bool = False) -> Invoice:
    invoice = await InvoiceRepository(session, org_id).get(invoice_id, for_update=lock)
    if invoice is None:
        raise NotFound(NOT_FOUND)
    return invoice


async def lines_to_api(
    session: AsyncSession, org_id: str, lines: Sequence[InvoiceLineItem]
) -> list[dict[str, Any]]:
    entries = await LineItemRepository(session, org_id).time_entry_ids(line.id for line in lines)
    return [line_to_api(line, entries.get(line.id, [])) for line in lines]


async def to_api_many(
    session: AsyncSession, org_id: str, invoices: Sequence[Invoice]
) -> list[dict[str, Any]]:
    """Invoices with their client and lines, in three queries whatever their number."""
    if not invoices:
        return []
    clients_repo = ClientRepository(session, org_id)
    ids = list({i.client_id for i in invoices if i.client_snapshot is None})
    clients = {}
    if ids:
        clients = {
            c.id: c
            for c in await clients_repo.all(clients_repo.select().where(clients_repo.model.id.in_(ids)))
        }
    lines = await LineItemRepository(session, org_id).for_invoices(i.id for i in invoices)
    entries = await LineItemRepository(session, org_id).time_entry_ids(
        line.id for group in lines.values() for line in group
    )
    today = rules.today()
    return [
        invoice_to_api(
            invoice,
            client=clients.get(invoice.client_id),
            lines=[line_to_api(line, entries.get(line.id, [])) for line in lines.get(invoice.id, [])],
            on=today,
        )
        for invoice in invoices
    ]


async def to_api(session: AsyncSession, org_id: str, invoice: Invoice) -> dict[str, Any]:
    return (await to_api_many(session, org_id, [invoice]))[0]


# -- rules -------------------------------------------------------------------------------------------------
def ensure_editable(invoice: Invoice) -> None:
    if invoice.status in EDIT_REFUSED:
        raise Conflict(EDIT_REFUSED[invoice.status], code="invoice_locked")


def _tax(value: Decimal) -> Decimal:
    tax = checked(value, "taxPercent", places=4, minimum=Decimal(0))
    if tax > 100:
        raise BadRequest("taxPercent must be between 0 and 100", code="validation_error", field="taxPercent")
    return tax


def _check_dates(issue: date, due: date | None, expiry: date | None) -> None:
    if due is not None and due < issue:
        raise BadRequest("dueDate cannot be before issueDate", code="validation_error", field="dueDate")
    if expiry is not None and expiry < (due or issue):
        raise BadRequest(
            "expiryDate cannot be before the dueDate (or the issueDate)",
            code="validation_error",
            field="expiryDate",
        )


def set_line(
    line: InvoiceLineItem,
    *,
    description: str | None,
    quantity: Decimal | None,
    rate: Decimal | None,
    amount: Decimal | None,
    amount_given: bool,
) -> None:
    if description is not None:
        if not description.strip():
            raise BadRequest("description must not be blank", code="validation_error", field="description")
        line.description = description.strip()
    if quantity is not None:
        line.quantity = checked(quantity, "quantity", minimum=Decimal(0))
    if rate is not None:
        line.rate = checked(rate, "rate")
    if amount_given and amount is not None:
        line.amount = to_money(checked(amount, "amount"))
        line.amount_overridden = True
    elif amount_given or not line.amount_overridden:
        line.amount = line_amount(line.quantity, line.rate)
        line.amount_overridden = False


def new_line(invoice: Invoice, item: LineItemIn, position: int) -> InvoiceLineItem:
    now = utcnow()
    line = InvoiceLineItem(
        org_id=invoice.org_id,
        invoice_id=invoice.id,
        position=position,
        amount_overridden=False,
        created_at=now,
        updated_at=now,
    )
    set_line(
        line,
        description=item.description,
        quantity=item.quantity,
        rate=item.rate,
        amount=item.amount,
        amount_given="amount" in item.model_fields_set and item.amount is not None,
    )
    return line


def recompute(invoice: Invoice, lines: Sequence[InvoiceLineItem]) -> None:
    invoice.subtotal, invoice.tax, invoice.total = totals(
        (line.amount for line in lines), invoice.tax_percent
    )
    invoice.updated_at = utcnow()


async def _client(session: AsyncSession, org_id: str, client_id: str) -> Any:
    client = await ClientRepository(session, org_id).get(client_id)
    if client is None:
        raise BadRequest(CLIENT_NOT_FOUND, code="invalid_reference", field="clientId")
    return client


# -- invoices ----------------------------------------------------------------------------------------------
async def create(session: AsyncSession, principal: Principal, body: InvoiceCreate) -> dict[str, Any]:
    org_id = principal.org_id
    await _client(session, org_id, body.client_id)
    organisation = await session.get(Organisation, org_id)
    assert organisation is not None
    issue = body.issue_date or rules.today()
    _check_dates(issue, body.due_date, body.expiry_date)
    tax_percent = _tax(body.tax_percent)
    now = utcnow()
    invoice = Invoice(
        id=new_id(),
        org_id=org_id,
        client_id=body.client_id,
        status=rules.PENDING,
        issue_date=issue,
        due_date=body.due_date,
        expiry_date=body.expiry_date,
        description=body.description,
        notes=body.notes,
        currency=organisation.currency,
        tax_percent=tax_percent,
        amount_paid=Decimal(0),
        created_by_user_id=principal.user_id,
        created_at=now,
        updated_at=now,
    )
    lines = [new_line(invoice, item, position) for position, item in enumerate(body.line_items or [])]
    recompute(invoice, lines)
    # Taken last, right before the insert, in the same transaction: a failed request leaves no gap, and the
    # counter row stays locked for as short a time as possible.
    invoice.serial_number = serial_number(
        issue.year, await next_value(session, org_id, f"invoice:{issue.year}")
    )
    InvoiceRepository(session, org_id).add(invoice)
    await session.flush()
    session.add_all(lines)
    await session.flush()
    return await to_api(session, org_id, invoice)


async def listing(
    session: AsyncSession,
    org_id: str,
    *,
    statuses: list[str],
    client_id: str | None,
    start: date | None,
    end: date | None,
    q: str | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    unknown = [s for s in statuses if s not in rules.ALL]
    if unknown:
        raise BadRequest(
            f"Invalid 'status': use one of {', '.join(rules.ALL)}",
            code="validation_error",
            field="status",
            allowed=list(rules.ALL),
        )
    if start and end and start > end:
        raise BadRequest("from must not be after to", code="validation_error", field="from")
    repo = InvoiceRepository(session, org_id)
    stmt = repo.listing(
        statuses=statuses, today=rules.today(), client_id=client_id, start=start, end=end, q=q
    )
    rows, total = await repo.page(stmt, limit=limit, offset=offset)
    return await to_api_many(session, org_id, rows), total


async def get(session: AsyncSession, org_id: str, invoice_id: str) -> dict[str, Any]:
    return await to_api(session, org_id, await load(session, org_id, invoice_id))


async def update(session: AsyncSession, org_id: str, invoice_id: str, body: InvoicePatch) -> dict[str, Any]:
    invoice = await load(session, org_id, invoice_id, lock=True)
    given = body.model_fields_set
    if "status" in given:
        raise BadRequest(
            "Change the status with PATCH /v1/invoices/{id}/status", code="validation_error", field="status"
        )
    ensure_editable(invoice)
    for field in ("client_id", "issue_date"):
        if field in given and getattr(body, field) is None:
            raise BadRequest(f"{field} cannot be null", code="validation_error", field=field)
    if "client_id" in given and body.client_id != invoice.client_id:
        if invoice.sent_at is not None:
            raise Conflict("Cannot change the client of a sent invoice", code="invoice_sent")
        await _client(session, org_id, body.client_id)  # type: ignore[arg-type]
        invoice.client_id = body.client_id  # type: ignore[assignment]
    for field in ("issue_date", "due_date", "expiry_date", "description", "notes"):
        if field in given:
            setattr(invoice, field, getattr(body, field))
    _check_dates(invoice.issue_date, invoice.due_date, invoice.expiry_date)
    if "tax_percent" in given:
        invoice.tax_percent = _tax(body.tax_percent if body.tax_percent is not None else Decimal(0))
    repo = LineItemRepository(session, org_id)
    lines = await repo.for_invoice(invoice.id)
    if "line_items" in given:
        lines = await _replace_lines(session, invoice, lines, body.line_items or [])
    recompute(invoice, lines)
    await session.flush()
    return await to_api(session, org_id, invoice)


async def _replace_lines(
    session: AsyncSession, invoice: Invoice, current: list[InvoiceLineItem], items: list[LineItemIn]
) -> list[InvoiceLineItem]:
    existing = {line.id: line for line in current}
    result: list[InvoiceLineItem] = []
    for position, item in enumerate(items):
        if item.id:
            line = existing.pop(item.id, None)
            if line is None:
                raise BadRequest(f"{LINE_NOT_FOUND}: {item.id}", code="invalid_reference", field="lineItems")
            set_line(
                line,
                description=item.description,
                quantity=item.quantity,
                rate=item.rate,
                amount=item.amount,
                amount_given="amount" in item.model_fields_set,
            )
            line.position, line.updated_at = position, utcnow()
        else:
            line = new_line(invoice, item, position)
            session.add(line)
        result.append(line)
    removed = list(existing.values())
    await LineItemRepository(session, invoice.org_id).release(line.id for line in removed)
    for line in removed:
        await session.delete(line)
    return result


async def delete(session: AsyncSession, org_id: str, invoice_id: str) -> None:
    invoice = await load(session, org_id, invoice_id, lock=True)
    if invoice.status in DELETE_REFUSED:
        raise Conflict(DELETE_REFUSED[invoice.status], code="invoice_locked")
    repo = LineItemRepository(session, org_id)
    await repo.release(line.id for line in await repo.for_invoice(invoice.id))
    await session.delete(invoice)
    await session.flush()


async def change_status(
    session: AsyncSession, org_id: str, invoice_id: str, body: StatusChange
) -> dict[str, Any]:
    invoice = await load(session, org_id, invoice_id, lock=True)
    target = body.status.strip().upper()
    if target in rules.DERIVED:
        source = "dueDate" if target == rules.OVERDUE else "expiryDate"
        raise BadRequest(
            f"{target} is derived from {source} and cannot be set", code="invalid_transition", field="status"
        )
    if target not in rules.STORED:
        raise BadRequest(
            f"Invalid 'status': use one of {', '.join(rules.STORED)}",
            code="validation_error",
            field="status",
            allowed=list(rules.STORED),
        )
    if body.paid_at is not None and body.paid_at.tzinfo is None:
        raise BadRequest("paidAt needs a timezone offset", code="validation_error", field="paidAt")
    if not rules.can_move(invoice.status, target):
        current = rules.effective_status(invoice.status, invoice.due_date, invoice.expiry_date)
        raise BadRequest(f"Cannot change status from {current} to {target}", code="invalid_transition")
    now = utcnow()
    if target == rules.PAID:
        if (
            body.amount_paid is not None
            and to_money(checked(body.amount_paid, "amountPaid")) != invoice.total
        ):
            raise BadRequest(
                "amountPaid must equal the total for PAID (use PAID_PARTIAL for part of it)",
                code="validation_error",
                field="amountPaid",
            )
        invoice.amount_paid, invoice.paid_at = invoice.total, body.paid_at or now
    elif target == rules.PAID_PARTIAL:
        if body.amount_paid is None:
            raise BadRequest(
                "amountPaid is required for PAID_PARTIAL", code="validation_error", field="amountPaid"
            )
        paid = to_money(checked(body.amount_paid, "amountPaid"))
        if not Decimal(0) < paid < invoice.total:
            raise BadRequest(
                "amountPaid must be more than 0 and less than the total for PAID_PARTIAL",
                code="validation_error",
                field="amountPaid",
            )
        invoice.amount_paid, invoice.paid_at = paid, body.paid_at or now
    elif target == rules.PENDING:
        invoice.amount_paid, invoice.paid_at = Decimal(0), None
    elif target == rules.VOID:
        invoice.voided_at = now
        repo = LineItemRepository(session, org_id)
        await repo.release(line.id for line in await repo.for_invoice(invoice.id))
    invoice.status = target
    if "note" in body.model_fields_set:
        invoice.status_note = body.note
    invoice.updated_at = now
    await session.flush()
    return await to_api(session, org_id, invoice)
