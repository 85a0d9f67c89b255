"""Drafts made from other parts of Loop: a reply to a feedback item's reporter, and an invoice email with its
PDF attached and the pay link in the body. Both go through ``drafts.create_draft`` like any other draft and
record what they answer in the draft's ``link`` (``feedback`` / ``invoice``)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.config import Settings
from loop.core.errors import BadRequest, Conflict
from loop.feedback.models import Feedback
from loop.feedback.service import get_feedback
from loop.inbox.drafts import create_draft
from loop.inbox.models import Draft
from loop.invoices import rules
from loop.invoices import sending as invoice_sending
from loop.invoices import service as invoices
from loop.invoices.models import InvoiceEmail
from loop.invoices.repository import LineItemRepository
from loop.orgs.models import Organisation
from loop.projects.models import Project

log = structlog.get_logger("loop.inbox")

# What the caller may add to or change in the generated draft.
OVERRIDES = ("subject", "from_field", "cc_fields", "bcc_fields", "send", "send_at")

OPENINGS = {
    "new": "Thank you for your feedback. We have received it and will look into it.",
    "in_progress": "Thank you for your feedback. We are working on it now.",
    "review": "Thank you for your feedback. A fix is ready: could you check it and let us know if it works "
    "for you?",
    "done": "Thank you for your feedback. This has now been resolved.",
}


def _paragraphs(text: str) -> str:
    """Plain text as HTML paragraphs (escaped; single newlines kept as line breaks)."""
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return "".join(f"<p>{html.escape(b).replace(chr(10), '<br>')}</p>" for b in blocks)


def _overrides(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {key: fields[key] for key in OVERRIDES if key in fields and fields[key] is not None}


async def _conversation_of(session: AsyncSession, org_id: str, link_type: str, link_id: str) -> str | None:
    """The conversation of earlier drafts for the same item, so replies stay in one thread."""
    stmt = (
        select(Draft.conversation_id)
        .where(Draft.org_id == org_id, Draft.link_type == link_type, Draft.link_id == link_id)
        .order_by(Draft.created_at, Draft.id)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


# -- feedback ------------------------------------------------------------------------------------------------
def feedback_reply_body(item: Feedback, message: str | None) -> str:
    greeting = f"Hi {item.reporter_name.split()[0]}," if (item.reporter_name or "").strip() else "Hello,"
    opening = message.strip() if message and message.strip() else OPENINGS.get(item.status, OPENINGS["new"])
    quoted = f"<p><strong>{html.escape(item.title)}</strong></p>"
    if item.description and item.description.strip():
        quoted += _paragraphs(item.description)
    if item.page_url:
        url = html.escape(item.page_url, quote=True)
        quoted += f'<p>Page: <a href="{url}">{html.escape(item.page_url)}</a></p>'
    when = f"{item.created_at.day} {item.created_at:%B %Y}" if item.created_at else "earlier"
    return (
        f"<p>{html.escape(greeting)}</p>"
        f"{_paragraphs(opening)}"
        f"<p>On {when}, you wrote:</p>"
        f'<blockquote style="margin:0 0 0 .8ex;border-left:2px solid #ccc;padding-left:1ex">{quoted}</blockquote>'
    )


async def draft_from_feedback(
    session: AsyncSession,
    org_id: str,
    user_id: str | None,
    feedback_id: str,
    fields: Mapping[str, Any],
    *,
    settings: Settings | None = None,
) -> Draft:
    item = await get_feedback(session, org_id, feedback_id)
    if not item.reporter_email:
        raise BadRequest("This feedback item has no reporter email to reply to", code="no_reporter_email")
    client_id = (
        await session.execute(select(Project.client_id).where(Project.id == item.project_id))
    ).scalar_one_or_none()
    draft_fields: dict[str, Any] = {
        "subject": f"Re: {item.title}",
        "body": feedback_reply_body(item, fields.get("message")),
        "to_fields": [{"address": item.reporter_email, "name": item.reporter_name}],
        "client_id": client_id,
        "link_type": "feedback",
        "link_id": item.id,
        **_overrides(fields),
    }
    conversation = await _conversation_of(session, org_id, "feedback", item.id)
    if conversation:
        draft_fields["conversation"] = conversation
    return await create_draft(session, org_id, user_id, draft_fields, settings=settings)


# -- invoices ------------------------------------------------------------------------------------------------
def invoice_draft_fields(email: InvoiceEmail, client_id: str | None) -> dict[str, Any]:
    """A prepared invoice email as draft fields (the PDF as an attachment, the pay link in the body)."""
    return {
        "subject": email.subject,
        "body": email.body_text,
        "to_fields": [{"address": email.to_address, "name": email.to_name}],
        "attachments": [
            {
                "filename": email.attachment_name,
                "content_type": email.attachment_type,
                "data": email.attachment,
            }
        ],
        "client_id": client_id,
        "link_type": "invoice",
        "link_id": email.invoice_id,
    }


async def draft_for_invoice_email(
    session: AsyncSession,
    org_id: str,
    user_id: str | None,
    email: InvoiceEmail,
    client_id: str | None,
    *,
    settings: Settings | None = None,
) -> Draft:
    """Turn a prepared invoice email into a draft and record ``draft_id`` on it."""
    fields = invoice_draft_fields(email, client_id)
    conversation = await _conversation_of(session, org_id, "invoice", email.invoice_id)
    if conversation:
        fields["conversation"] = conversation
    draft = await create_draft(session, org_id, user_id, fields, settings=settings)
    email.draft_id = draft.id
    await session.flush()
    return draft


def _with_message(body: str, message: str | None) -> str:
    if not message or not message.strip():
        return body
    greeting, _, rest = body.partition("\n\n")
    return f"{greeting}\n\n{message.strip()}\n\n{rest}"


async def draft_from_invoice(
    session: AsyncSession,
    org_id: str,
    user_id: str | None,
    invoice_id: str,
    fields: Mapping[str, Any],
    *,
    settings: Settings,
    secret: str,
) -> Draft:
    """The invoice email as a draft, without recording a send (``POST /v1/invoices/{id}/send`` does that and
    makes the same draft). An overdue invoice gets a reminder subject."""
    invoice = await invoices.load(session, org_id, invoice_id)
    if invoice.status == rules.VOID:
        raise Conflict("Cannot email a void invoice", code="invoice_void")
    if not await LineItemRepository(session, org_id).for_invoice(invoice.id):
        raise BadRequest("Cannot email an invoice without line items", code="invoice_empty")
    body = await invoices.to_api(session, org_id, invoice)
    client = body.get("client") or {}
    if not client.get("email"):
        raise BadRequest(
            "The client has no email address: add one before emailing the invoice",
            code="client_email_required",
        )
    link = invoice.pay_url or invoice_sending.pay_url(settings.base_url, secret, invoice.id)
    pdf = await invoice_sending.render_pdf(session, org_id, body)
    organisation = await session.get(Organisation, org_id)
    assert organisation is not None
    subject, text = invoice_sending.email_text(organisation, body, link)
    if body.get("overdue"):
        subject = f"Reminder: {subject}"
    draft_fields: dict[str, Any] = {
        "subject": subject,
        "body": _with_message(text, fields.get("message")),
        "to_fields": [{"address": client["email"], "name": client.get("name")}],
        "attachments": [
            {"filename": invoice_sending.pdf_filename(body), "content_type": "application/pdf", "data": pdf}
        ],
        "client_id": invoice.client_id,
        "link_type": "invoice",
        "link_id": invoice.id,
        **_overrides(fields),
    }
    conversation = await _conversation_of(session, org_id, "invoice", invoice.id)
    if conversation:
        draft_fields["conversation"] = conversation
    return await create_draft(session, org_id, user_id, draft_fields, settings=settings)
