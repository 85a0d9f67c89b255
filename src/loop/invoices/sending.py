"""Sending an invoice: freeze the client, record the send, build the pay link and prepare the email (with the
PDF attached) as an inbox draft that a person reviews and sends (on plans without the inbox it is kept as a
prepared message). Nothing is emailed here.

The pay link is ``{public URL}/pay/{invoice id}.{signature}``: the same for every send of an invoice, and
verifiable with the server's secret alone (``verify_pay_token``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import anyio
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from loop.auth.policy import has_paid_access
from loop.auth.principal import Principal
from loop.clients.repository import ClientRepository
from loop.config import Settings
from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Conflict
from loop.core.security import sign, verify_signature
from loop.invoices import rules, service
from loop.invoices.models import Invoice, InvoiceEmail
from loop.invoices.money import display
from loop.invoices.pdf import render_invoice
from loop.invoices.repository import InvoiceEmailRepository, LineItemRepository
from loop.invoices.schemas import client_summary
from loop.orgs.models import Organisation

log = structlog.get_logger("loop.invoices")

PAY_PURPOSE = "invoice-pay"
# The link itself never expires; whether the invoice can still be paid is its status (EXPIRED, PAID, VOID).
NEVER = 253402300799  # 9999-12-31T23:59:59Z


def _secret(session: AsyncSession) -> str:
    secret = session.info.get("secret_key")
    if not secret:
        raise RuntimeError("session has no secret_key")
    return secret


def pay_token(secret: str, invoice_id: str) -> str:
    return f"{invoice_id}.{sign(secret, f'{PAY_PURPOSE}:{invoice_id}', NEVER)}"


def verify_pay_token(secret: str, token: str) -> str | None:
    """The invoice id a pay token was made for, or None when it was not made by this server."""
    invoice_id, _, signature = token.partition(".")
    if not invoice_id or not signature:
        return None
    if verify_signature(secret, f"{PAY_PURPOSE}:{invoice_id}", NEVER, signature) != "ok":
        return None
    return invoice_id


def pay_url(base_url: str, secret: str, invoice_id: str) -> str:
    return f"{base_url.rstrip('/')}/pay/{pay_token(secret, invoice_id)}"


def organisation_to_api(org: Organisation) -> dict[str, Any]:
    return {
        "id": org.id,
        "name": org.name,
        "currency": org.currency,
        "address": org.address,
        "bankDetails": org.bank_details,
    }


async def render_pdf(session: AsyncSession, org_id: str, invoice: dict[str, Any]) -> bytes:
    organisation = await session.get(Organisation, org_id)
    assert organisation is not None
    return await anyio.to_thread.run_sync(render_invoice, invoice, organisation_to_api(organisation))


def pdf_filename(invoice: dict[str, Any]) -> str:
    return f"{invoice['serialNumber']}.pdf"


def email_text(organisation: Organisation, invoice: dict[str, Any], link: str) -> tuple[str, str]:
    client = invoice.get("client") or {}
    amount = display(Decimal(invoice["balanceDue"]), invoice["currency"])
    subject = f"Invoice {invoice['serialNumber']} from {organisation.name}"
    due = f" by {invoice['dueDate']}" if invoice.get("dueDate") else ""
    lines = [
        f"Hello {client.get('name') or ''},".replace(" ,", ","),
        "",
        f"Please find attached invoice {invoice['serialNumber']} for {amount}, due{due or ' on receipt'}.",
        "",
        f"You can pay online here: {link}",
        "",
        "Thank you,",
        organisation.name,
    ]
    return subject, "\n".join(lines)


async def prepare_invoice_email(
    session: AsyncSession,
    *,
    org_id: str,
    invoice: dict[str, Any],
    pdf: bytes,
    link: str,
    created_by: str | None,
) -> InvoiceEmail:
    """Store the email that sends ``invoice`` (an ``invoice_to_api`` dict), PDF attached, status "prepared".

    ``send`` then turns it into an inbox draft (recording ``draft_id``) when the workspace has the inbox."""
    organisation = await session.get(Organisation, org_id)
    assert organisation is not None
    client = invoice.get("client") or {}
    if not client.get("email"):
        raise BadRequest("The client has no email address", code="client_email_required")
    subject, body = email_text(organisation, invoice, link)
    email = InvoiceEmailRepository(session, org_id).add(
        InvoiceEmail(
            invoice_id=invoice["id"],
            status="prepared",
            to_address=client["email"],
            to_name=client.get("name"),
            subject=subject,
            body_text=body,
            pay_url=link,
            attachment_name=pdf_filename(invoice),
            attachment_type="application/pdf",
            attachment=pdf,
            created_by_user_id=created_by,
            created_at=utcnow(),
        )
    )
    await session.flush()
    return email


def email_to_api(email: InvoiceEmail) -> dict[str, Any]:
    return {
        "id": email.id,
        "status": email.status,
        "to": email.to_address,
        "subject": email.subject,
        "body": email.body_text,
        "attachmentName": email.attachment_name,
        "payUrl": email.pay_url,
        "draftId": email.draft_id,
        "createdAt": email.created_at,
    }


async def send(
    session: AsyncSession,
    principal: Principal,
    invoice_id: str,
    base_url: str,
    *,
    settings: Settings | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    org_id = principal.org_id
    invoice: Invoice = await service.load(session, org_id, invoice_id, lock=True)
    if invoice.status == rules.VOID:
        raise Conflict("Cannot send a void invoice", code="invoice_void")
    if not await LineItemRepository(session, org_id).for_invoice(invoice.id):
        raise BadRequest("Cannot send an invoice without line items", code="invoice_empty")
    client = await ClientRepository(session, org_id).get(invoice.client_id)
    if client is None or not client.email:
        raise BadRequest(
            "The client has no email address: add one before sending", code="client_email_required"
        )
    link = pay_url(base_url, _secret(session), invoice.id)
    now = utcnow()
    invoice.client_snapshot = client_summary(client)
    invoice.sent_at = now
    invoice.pay_url = link
    invoice.updated_at = now
    await session.flush()
    body = await service.to_api(session, org_id, invoice)
    pdf = await render_pdf(session, org_id, body)
    email = await prepare_invoice_email(
        session, org_id=org_id, invoice=body, pdf=pdf, link=link, created_by=principal.user_id
    )
    if has_paid_access(principal):  # the inbox (drafts) is there for paid workspaces
        from loop.inbox.links import draft_for_invoice_email  # the inbox imports this module

        try:
            await draft_for_invoice_email(
                session, org_id, principal.user_id, email, invoice.client_id, settings=settings
            )
        except BadRequest as exc:
            # The draft's checks run before it is stored: the send stands, the email stays prepared.
            log.warning("invoice_draft_refused", invoice_id=invoice.id, reason=exc.message)
    return body, email_to_api(email)
