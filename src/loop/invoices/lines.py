"""Line items of an invoice: added, changed, moved and deleted one at a time (only while it is PENDING).
Positions stay 0, 1, 2, … without gaps; deleting a line releases the hours it billed."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.core.errors import BadRequest, NotFound
from loop.invoices import service
from loop.invoices.models import Invoice, InvoiceLineItem
from loop.invoices.repository import LineItemRepository
from loop.invoices.schemas import LineItemIn, LineItemPatch


def _place(lines: list[InvoiceLineItem], line: InvoiceLineItem, position: int | None) -> None:
    if line in lines:
        lines.remove(line)
    index = len(lines) if position is None else min(position, len(lines))
    lines.insert(index, line)
    for number, item in enumerate(lines):
        item.position = number


async def add_line(
    session: AsyncSession, org_id: str, invoice_id: str, item: LineItemIn
) -> tuple[dict[str, Any], dict[str, Any]]:
    invoice = await service.load(session, org_id, invoice_id, lock=True)
    service.ensure_editable(invoice)
    lines = await LineItemRepository(session, org_id).for_invoice(invoice.id)
    line = service.new_line(invoice, item, len(lines))
    session.add(line)
    _place(lines, line, item.position)
    service.recompute(invoice, lines)
    await session.flush()
    return (await service.lines_to_api(session, org_id, [line]))[0], await service.to_api(
        session, org_id, invoice
    )


async def _line_of(
    session: AsyncSession, org_id: str, invoice: Invoice, line_id: str
) -> tuple[list[InvoiceLineItem], InvoiceLineItem]:
    lines = await LineItemRepository(session, org_id).for_invoice(invoice.id)
    line = next((candidate for candidate in lines if candidate.id == line_id), None)
    if line is None:
        raise NotFound(service.LINE_NOT_FOUND)
    return lines, line


async def update_line(
    session: AsyncSession, org_id: str, invoice_id: str, line_id: str, body: LineItemPatch
) -> tuple[dict[str, Any], dict[str, Any]]:
    invoice = await service.load(session, org_id, invoice_id, lock=True)
    lines, line = await _line_of(session, org_id, invoice, line_id)
    service.ensure_editable(invoice)
    given = body.model_fields_set
    for field in ("description", "quantity", "rate"):
        if field in given and getattr(body, field) is None:
            raise BadRequest(f"{field} cannot be null", code="validation_error", field=field)
    service.set_line(
        line,
        description=body.description,
        quantity=body.quantity,
        rate=body.rate,
        amount=body.amount,
        amount_given="amount" in given,
    )
    if "position" in given and body.position is not None:
        _place(lines, line, body.position)
    line.updated_at = utcnow()
    service.recompute(invoice, lines)
    await session.flush()
    return (await service.lines_to_api(session, org_id, [line]))[0], await service.to_api(
        session, org_id, invoice
    )


async def delete_line(session: AsyncSession, org_id: str, invoice_id: str, line_id: str) -> dict[str, Any]:
    invoice = await service.load(session, org_id, invoice_id, lock=True)
    lines, line = await _line_of(session, org_id, invoice, line_id)
    service.ensure_editable(invoice)
    await LineItemRepository(session, org_id).release([line.id])
    lines.remove(line)
    await session.delete(line)
    for number, item in enumerate(lines):
        item.position = number
    service.recompute(invoice, lines)
    await session.flush()
    return await service.to_api(session, org_id, invoice)


async def reorder(session: AsyncSession, org_id: str, invoice_id: str, line_ids: list[str]) -> dict[str, Any]:
    invoice = await service.load(session, org_id, invoice_id, lock=True)
    service.ensure_editable(invoice)
    lines = await LineItemRepository(session, org_id).for_invoice(invoice.id)
    by_id = {line.id: line for line in lines}
    if sorted(line_ids) != sorted(by_id) or len(set(line_ids)) != len(line_ids):
        raise BadRequest(
            "lineItemIds must list every line item of the invoice exactly once",
            code="validation_error",
            field="lineItemIds",
        )
    for number, line_id in enumerate(line_ids):
        by_id[line_id].position = number
    invoice.updated_at = utcnow()
    await session.flush()
    return await service.to_api(session, org_id, invoice)
