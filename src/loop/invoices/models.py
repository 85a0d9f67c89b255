"""Invoices, their line items, and the invoice emails prepared when an invoice is sent.

Money is exact (``ExactDecimal``), in the currency the organisation had when the invoice was created. The
stored ``status`` is one of PENDING, PAID_PARTIAL, PAID, VOID; OVERDUE and EXPIRED are derived from the dates
whenever an invoice is read (see ``loop.invoices.rules``).
"""

from __future__ import annotations

from datetime import date as calendar_date
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loop.core.clock import utcnow
from loop.db.base import Base, IdMixin, OrgMixin, TimestampMixin
from loop.db.types import ExactDecimal, JSONType


class Invoice(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("org_id", "serial_number"),
        Index("ix_invoices_org_issue_date", "org_id", "issue_date"),
        Index("ix_invoices_org_client", "org_id", "client_id"),
        Index("ix_invoices_org_status_due", "org_id", "status", "due_date"),
    )

    serial_number: Mapped[str] = mapped_column(String(32))
    # Deleting a client that still has invoices is refused (no ON DELETE action).
    client_id: Mapped[str] = mapped_column(String(36), ForeignKey("clients.id"))
    # The client as it was when the invoice was last sent; null until then.
    client_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSONType(), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="PENDING")
    issue_date: Mapped[calendar_date] = mapped_column(Date)
    due_date: Mapped[calendar_date | None] = mapped_column(Date, nullable=True)
    # After this day an unpaid invoice is EXPIRED: its pay link no longer takes payment.
    expiry_date: Mapped[calendar_date | None] = mapped_column(Date, nullable=True)
    description: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    currency: Mapped[str] = mapped_column(String(3))
    tax_percent: Mapped[Decimal] = mapped_column(ExactDecimal(), default=Decimal(0))
    subtotal: Mapped[Decimal] = mapped_column(ExactDecimal(), default=Decimal(0))
    tax: Mapped[Decimal] = mapped_column(ExactDecimal(), default=Decimal(0))
    total: Mapped[Decimal] = mapped_column(ExactDecimal(), default=Decimal(0))
    amount_paid: Mapped[Decimal] = mapped_column(ExactDecimal(), default=Decimal(0))
    status_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(nullable=True)
    voided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    pay_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    created_by_user_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class InvoiceLineItem(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "invoice_line_items"
    __table_args__ = (Index("ix_invoice_line_items_invoice_position", "invoice_id", "position"),)

    invoice_id: Mapped[str] = mapped_column(String(36), ForeignKey("invoices.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal())
    rate: Mapped[Decimal] = mapped_column(ExactDecimal())
    amount: Mapped[Decimal] = mapped_column(ExactDecimal())
    # True when the amount was given rather than computed as quantity × rate.
    amount_overridden: Mapped[bool] = mapped_column(Boolean, default=False)


class InvoiceEmail(IdMixin, OrgMixin, Base):
    """An outgoing invoice email, prepared but never sent by the server: the inbox turns it into a draft
    that a person reviews and sends."""

    __tablename__ = "invoice_emails"

    invoice_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="prepared")
    to_address: Mapped[str] = mapped_column(String(320))
    to_name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    subject: Mapped[str] = mapped_column(String(500))
    body_text: Mapped[str] = mapped_column(Text)
    pay_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    attachment_name: Mapped[str] = mapped_column(String(200))
    attachment_type: Mapped[str] = mapped_column(String(100), default="application/pdf")
    attachment: Mapped[bytes] = mapped_column(LargeBinary)
    # Set by the inbox when it turns this email into a draft.
    draft_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_by_user_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
