"""Invoice request and response shapes (camelCase; money as decimal strings), and the dict builders."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from loop.clients.invoicing_schemas import Address, address_to_api
from loop.clients.models import Client
from loop.invoices import rules
from loop.invoices.models import Invoice, InvoiceLineItem
from loop.invoices.money import money_str, percent_value, plain_str, rate_str
from loop.surfaces.track import TrackModel
from loop.track.schemas import Day

MAX_LINES = 500


# -- requests ----------------------------------------------------------------------------------------------
class LineItemIn(TrackModel):
    id: str | None = Field(
        None, description="PATCH with lineItems only: keep (and update) this existing line"
    )
    description: str = Field(min_length=1, max_length=2000)
    quantity: Decimal = Field(description="Up to 6 decimals, e.g. 1.333")
    rate: Decimal = Field(description="Price per unit, up to 6 decimals")
    amount: Decimal | None = Field(None, description="Overrides quantity × rate (rounded to cents)")
    position: int | None = Field(None, ge=0, description="0-based place among the lines")


class LineItemPatch(TrackModel):
    description: str | None = Field(None, min_length=1, max_length=2000)
    quantity: Decimal | None = None
    rate: Decimal | None = None
    amount: Decimal | None = Field(None, description="null: back to quantity × rate")
    position: int | None = Field(None, ge=0)


class InvoiceCreate(TrackModel):
    client_id: str = Field(min_length=1)
    issue_date: Day | None = Field(None, description="Defaults to today (UTC)")
    due_date: Day | None = None
    expiry_date: Day | None = Field(None, description="After this day an unpaid invoice is EXPIRED")
    description: str | None = Field(None, max_length=1000)
    notes: str | None = Field(None, max_length=5000, description="Printed at the foot of the PDF")
    tax_percent: Decimal = Field(Decimal(0), description="0–100, applied to the subtotal")
    line_items: list[LineItemIn] | None = Field(None, max_length=MAX_LINES)


class InvoicePatch(TrackModel):
    client_id: str | None = None
    issue_date: Day | None = None
    due_date: Day | None = None
    expiry_date: Day | None = None
    description: str | None = Field(None, max_length=1000)
    notes: str | None = Field(None, max_length=5000)
    tax_percent: Decimal | None = None
    line_items: list[LineItemIn] | None = Field(
        None, max_length=MAX_LINES, description="Replaces the lines; lines given with their id are kept"
    )
    status: str | None = Field(None, description="Refused here: use PATCH /v1/invoices/{id}/status")


class StatusChange(TrackModel):
    status: str = Field(description="PENDING | PAID | PAID_PARTIAL | VOID")
    amount_paid: Decimal | None = Field(None, description="Required for PAID_PARTIAL")
    paid_at: datetime | None = None
    note: str | None = Field(None, max_length=2000)


class ImportTime(TrackModel):
    from_: Day = Field(alias="from")
    to: Day
    project_ids: list[str] | None = Field(
        None, description="Defaults to the projects of the invoice's client"
    )
    user_ids: list[str] | None = None
    group_by: Literal["entry", "project", "user"] = "entry"


class Reorder(TrackModel):
    line_item_ids: list[str] = Field(description="Every line id of the invoice, in the new order")


# -- responses ---------------------------------------------------------------------------------------------
class LineItemOut(TrackModel):
    id: str
    position: int
    description: str
    quantity: str
    rate: str
    amount: str
    amount_overridden: bool
    time_entry_ids: list[str]


class InvoiceClient(TrackModel):
    id: str
    name: str
    email: str | None
    phone: str | None
    vat_number: str | None
    address: Address | None


class InvoiceOut(TrackModel):
    id: str
    serial_number: str
    status: Literal["PENDING", "OVERDUE", "EXPIRED", "PAID_PARTIAL", "PAID", "VOID"]
    overdue: bool
    client_id: str
    client: InvoiceClient | None
    issue_date: date
    due_date: date | None
    expiry_date: date | None
    description: str | None
    notes: str | None
    currency: str
    tax_percent: float
    subtotal: str
    tax: str
    total: str
    amount_paid: str
    balance_due: str
    line_items: list[LineItemOut]
    status_note: str | None
    sent_at: datetime | None
    paid_at: datetime | None
    voided_at: datetime | None
    pay_url: str | None
    created_at: datetime
    updated_at: datetime


class InvoiceMutation(TrackModel):
    success: bool = True
    data: str
    invoice: InvoiceOut


class LineItemMutation(TrackModel):
    success: bool = True
    data: str
    line_item: LineItemOut
    invoice: InvoiceOut


class ImportResult(TrackModel):
    success: bool = True
    data: str
    imported_entries: int
    line_items: list[LineItemOut]
    invoice: InvoiceOut


class EmailOut(TrackModel):
    id: str
    status: str
    to: str
    subject: str
    body: str
    attachment_name: str
    pay_url: str | None
    draft_id: str | None = Field(
        None, description="The inbox draft made of this email (null on plans without the inbox)"
    )
    created_at: datetime


class SendResult(TrackModel):
    success: bool = True
    data: str
    invoice: InvoiceOut
    email: EmailOut


# -- builders ----------------------------------------------------------------------------------------------
def client_summary(client: Client) -> dict[str, Any]:
    """The client as printed on an invoice (and frozen into it when it is sent)."""
    return {
        "id": client.id,
        "name": client.name,
        "email": client.email,
        "phone": client.phone,
        "vatNumber": client.vat_number,
        "address": address_to_api(client.address),
    }


def line_to_api(line: InvoiceLineItem, time_entry_ids: list[str]) -> dict[str, Any]:
    return {
        "id": line.id,
        "position": line.position,
        "description": line.description,
        "quantity": plain_str(line.quantity),
        "rate": rate_str(line.rate),
        "amount": money_str(line.amount),
        "amountOverridden": line.amount_overridden,
        "timeEntryIds": time_entry_ids,
    }


def invoice_to_api(
    invoice: Invoice, *, client: Client | None, lines: list[dict[str, Any]], on: date | None = None
) -> dict[str, Any]:
    shown_client = invoice.client_snapshot or (client_summary(client) if client else None)
    return {
        "id": invoice.id,
        "serialNumber": invoice.serial_number,
        "status": rules.effective_status(invoice.status, invoice.due_date, invoice.expiry_date, on),
        "overdue": rules.is_overdue(invoice.status, invoice.due_date, on),
        "clientId": invoice.client_id,
        "client": shown_client,
        "issueDate": invoice.issue_date,
        "dueDate": invoice.due_date,
        "expiryDate": invoice.expiry_date,
        "description": invoice.description,
        "notes": invoice.notes,
        "currency": invoice.currency,
        "taxPercent": percent_value(invoice.tax_percent),
        "subtotal": money_str(invoice.subtotal),
        "tax": money_str(invoice.tax),
        "total": money_str(invoice.total),
        "amountPaid": money_str(invoice.amount_paid),
        "balanceDue": money_str(invoice.total - invoice.amount_paid),
        "lineItems": lines,
        "statusNote": invoice.status_note,
        "sentAt": invoice.sent_at,
        "paidAt": invoice.paid_at,
        "voidedAt": invoice.voided_at,
        "payUrl": invoice.pay_url,
        "createdAt": invoice.created_at,
        "updatedAt": invoice.updated_at,
    }
