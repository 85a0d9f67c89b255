"""``/v1/invoices``: invoices, their line items, statuses, time import, PDF and sending."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from loop.auth.principal import Principal
from loop.db.session import ReadSession, WriteSession
from loop.invoices import importing, lines, rules, sending, service
from loop.invoices.schemas import (
    ImportResult,
    ImportTime,
    InvoiceCreate,
    InvoiceMutation,
    InvoiceOut,
    InvoicePatch,
    LineItemIn,
    LineItemMutation,
    LineItemPatch,
    Reorder,
    SendResult,
    StatusChange,
)
from loop.surfaces import track as surface

router = APIRouter(prefix="/v1/invoices", tags=["Invoices"])

InvoiceRead = Annotated[Principal, surface.requires("read:invoice")]
InvoiceWrite = Annotated[Principal, surface.requires("write:invoice")]
NOT_FOUND = {404: {"description": "Not found, or another team's"}}
LOCKED = {409: {"description": "The invoice is paid, part-paid or void"}}


@router.get("", response_model=surface.Paged[InvoiceOut], summary="List invoices")
async def list_invoices(
    principal: InvoiceRead,
    session: ReadSession,
    pages: surface.Pages,
    status: Annotated[
        str | None, Query(description=f"One or more (comma-separated) of {', '.join(rules.ALL)}")
    ] = None,
    client_id: Annotated[str | None, Query(alias="clientId")] = None,
    from_: Annotated[str | None, Query(alias="from", description="Issued on or after (YYYY-MM-DD)")] = None,
    to: Annotated[str | None, Query(description="Issued on or before (YYYY-MM-DD)")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Serial number, description or client name")
    ] = None,
):
    statuses = [s.strip().upper() for s in (status or "").split(",") if s.strip()]
    rows, total = await service.listing(
        session,
        principal.org_id,
        statuses=statuses,
        client_id=client_id,
        start=surface.parse_day(from_, "from"),
        end=surface.parse_day(to, "to"),
        q=q,
        limit=pages.limit,
        offset=pages.offset,
    )
    return surface.paged(rows, total, pages)


@router.post("", status_code=201, response_model=InvoiceMutation, summary="Create an invoice")
async def create_invoice(body: InvoiceCreate, principal: InvoiceWrite, session: WriteSession):
    invoice = await service.create(session, principal, body)
    return surface.mutation("Invoice added", 201, invoice=invoice)


@router.get("/{invoice_id}", response_model=InvoiceOut, responses=NOT_FOUND, summary="Get an invoice")
async def get_invoice(invoice_id: str, principal: InvoiceRead, session: ReadSession):
    return surface.entity(await service.get(session, principal.org_id, invoice_id))


@router.patch(
    "/{invoice_id}",
    response_model=InvoiceMutation,
    responses={**NOT_FOUND, **LOCKED},
    summary="Update an invoice (lineItems, when given, replace the lines)",
)
async def update_invoice(invoice_id: str, body: InvoicePatch, principal: InvoiceWrite, session: WriteSession):
    invoice = await service.update(session, principal.org_id, invoice_id, body)
    return surface.mutation("Invoice updated", invoice=invoice)


@router.delete(
    "/{invoice_id}",
    response_model=surface.Message,
    responses={**NOT_FOUND, 409: {"description": "Paid or part-paid: void it instead"}},
    summary="Delete an unpaid invoice (its hours become billable again)",
)
async def delete_invoice(invoice_id: str, principal: InvoiceWrite, session: WriteSession):
    await service.delete(session, principal.org_id, invoice_id)
    return surface.mutation("Invoice deleted")


@router.patch(
    "/{invoice_id}/status",
    response_model=InvoiceMutation,
    responses={**NOT_FOUND, 400: {"description": "Invalid transition"}},
    summary="Mark an invoice paid, part-paid, pending again, or void",
)
async def change_status(invoice_id: str, body: StatusChange, principal: InvoiceWrite, session: WriteSession):
    invoice = await service.change_status(session, principal.org_id, invoice_id, body)
    return surface.mutation("Status updated", invoice=invoice)


@router.post(
    "/{invoice_id}/line-items",
    status_code=201,
    response_model=LineItemMutation,
    responses={**NOT_FOUND, **LOCKED},
    summary="Add a line item",
)
async def add_line(invoice_id: str, body: LineItemIn, principal: InvoiceWrite, session: WriteSession):
    line, invoice = await lines.add_line(session, principal.org_id, invoice_id, body)
    return surface.mutation("Line item added", 201, lineItem=line, invoice=invoice)


@router.put(
    "/{invoice_id}/line-items/order",
    response_model=InvoiceMutation,
    responses={**NOT_FOUND, **LOCKED},
    summary="Reorder the line items",
)
async def reorder_lines(invoice_id: str, body: Reorder, principal: InvoiceWrite, session: WriteSession):
    invoice = await lines.reorder(session, principal.org_id, invoice_id, body.line_item_ids)
    return surface.mutation("Line items reordered", invoice=invoice)


@router.patch(
    "/{invoice_id}/line-items/{line_item_id}",
    response_model=LineItemMutation,
    responses={**NOT_FOUND, **LOCKED},
    summary="Update a line item (amount null: back to quantity × rate)",
)
async def update_line(
    invoice_id: str, line_item_id: str, body: LineItemPatch, principal: InvoiceWrite, session: WriteSession
):
    line, invoice = await lines.update_line(session, principal.org_id, invoice_id, line_item_id, body)
    return surface.mutation("Line item updated", lineItem=line, invoice=invoice)


@router.delete(
    "/{invoice_id}/line-items/{line_item_id}",
    response_model=InvoiceMutation,
    responses={**NOT_FOUND, **LOCKED},
    summary="Delete a line item (its hours become billable again)",
)
async def delete_line(invoice_id: str, line_item_id: str, principal: InvoiceWrite, session: WriteSession):
    invoice = await lines.delete_line(session, principal.org_id, invoice_id, line_item_id)
    return surface.mutation("Line item deleted", invoice=invoice)


@router.post(
    "/{invoice_id}/import-time",
    response_model=ImportResult,
    responses={
        **NOT_FOUND,
        **LOCKED,
        400: {"description": "A member has no rate on a project, or bad input"},
    },
    summary="Bill tracked time: billable, uninvoiced entries become line items",
)
async def import_time(invoice_id: str, body: ImportTime, principal: InvoiceWrite, session: WriteSession):
    invoice, new_lines, count = await importing.import_time(session, principal.org_id, invoice_id, body)
    message = (
        f"Imported {count} time entr{'y' if count == 1 else 'ies'}" if count else "No time entries to import"
    )
    return surface.mutation(message, invoice=invoice, lineItems=new_lines, importedEntries=count)


@router.post(
    "/{invoice_id}/send",
    response_model=SendResult,
    responses={**NOT_FOUND, 400: {"description": "The client has no email, or the invoice has no lines"}},
    summary="Send: record it, build the pay link, prepare the email with the PDF (nothing is emailed)",
)
async def send_invoice(invoice_id: str, request: Request, principal: InvoiceWrite, session: WriteSession):
    base_url = request.app.state.settings.base_url
    invoice, email = await sending.send(
        session, principal, invoice_id, base_url, settings=request.app.state.settings
    )
    return surface.mutation("Invoice sent", invoice=invoice, email=email)


@router.get(
    "/{invoice_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The invoice as a PDF"}, **NOT_FOUND},
    summary="Download the invoice as a PDF",
)
async def invoice_pdf(invoice_id: str, principal: InvoiceRead, session: ReadSession):
    invoice = await service.get(session, principal.org_id, invoice_id)
    pdf = await sending.render_pdf(session, principal.org_id, invoice)
    filename = sending.pdf_filename(invoice)
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )
