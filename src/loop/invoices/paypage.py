"""The public pay page: ``GET /pay/{token}`` shows an invoice's summary and how to pay it, and
``GET /pay/{token}/pdf`` serves its PDF. No login: the signed token in the link is the authorisation, and a
token this server did not sign (or whose invoice is gone) is a plain 404 page.

The page is server-rendered HTML with every value escaped, no scripts, one small inline stylesheet (so a
strict Content-Security-Policy holds), and a layout that reads on a phone.
"""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from loop.db.session import ReadSession
from loop.invoices import rules, sending, service
from loop.invoices.models import Invoice
from loop.invoices.money import display
from loop.invoices.pdf import BANK_LABELS
from loop.orgs.models import Organisation

router = APIRouter(prefix="/pay", tags=["Pay page"], include_in_schema=True)

MAX_TOKEN = 300
HEADERS = {
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the URL
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
}
STATUS_TEXT = {
    rules.PENDING: ("Awaiting payment", "due"),
    rules.OVERDUE: ("Overdue", "late"),
    rules.EXPIRED: ("Link expired — contact us to pay", "closed"),
    rules.PAID_PARTIAL: ("Partly paid", "due"),
    rules.PAID: ("Paid — thank you", "paid"),
    rules.VOID: ("Cancelled", "closed"),
}

STYLE = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212529;background:#f1f3f5}
main{max-width:36rem;margin:0 auto;padding:1rem}
.card{background:#fff;border:1px solid #ced4da;border-radius:.5rem;padding:1.25rem;margin-bottom:1rem}
h1{font-size:1.25rem;margin:0 0 .25rem}
h2{font-size:1rem;margin:0 0 .75rem}
.from{color:#495057;margin:0 0 1rem}
.amount{font-size:2rem;font-weight:700;margin:.25rem 0}
.status{display:inline-block;padding:.15rem .6rem;border-radius:1rem;font-weight:600;font-size:.9rem}
.due{background:#e7f1ff;color:#0a3d7a}.late{background:#fdecea;color:#8a1c12}
.paid{background:#e6f4ea;color:#1e5631}.closed{background:#e9ecef;color:#343a40}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}
dt{color:#495057}dd{margin:0;overflow-wrap:anywhere}
a.button{display:block;text-align:center;padding:.8rem 1rem;border-radius:.4rem;background:#1c4c8c;color:#fff;
text-decoration:none;font-weight:600}
a.button:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}
a.button:hover{background:#163d70}
footer{color:#495057;font-size:.85rem;text-align:center;padding:0 1rem 2rem}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _day(value: Any) -> str:
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    return str(value) if value else ""


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>" for label, value in pairs if value)


def _page(title: str, body: str, lang: str = "en") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def render_pay_page(invoice: dict[str, Any], organisation: Organisation, token: str) -> str:
    currency = invoice["currency"]
    label, tone = STATUS_TEXT.get(invoice["status"], (invoice["status"].title(), "due"))
    client = invoice.get("client") or {}
    balance = Decimal(invoice["balanceDue"])
    paid = Decimal(invoice["amountPaid"])
    settled = invoice["status"] in (rules.PAID, rules.VOID)
    amount_label = "Amount due" if not settled else "Invoice total"
    amount = display(balance if not settled else Decimal(invoice["total"]), currency)
    summary = _rows(
        [
            ("Invoice", invoice["serialNumber"]),
            ("Billed to", client.get("name") or ""),
            ("Issued", _day(invoice.get("issueDate"))),
            ("Due", _day(invoice.get("dueDate")) or ("On receipt" if not settled else "")),
            ("Total", display(Decimal(invoice["total"]), currency)),
            ("Paid so far", display(paid, currency) if paid > 0 and not settled else ""),
        ]
    )
    bank = organisation.bank_details or {}
    bank_pairs = [(name, str(bank[key])) for key, name in BANK_LABELS if bank.get(key)]
    if bank_pairs and not bank.get("reference"):
        bank_pairs.append(("Reference", invoice["serialNumber"]))
    how_to_pay = (
        '<section class="card" aria-labelledby="pay-h"><h2 id="pay-h">How to pay</h2>'
        f"<p>Pay by bank transfer to:</p><dl>{_rows(bank_pairs)}</dl></section>"
        if bank_pairs and not settled and balance > 0
        else ""
    )
    pdf_url = f"/pay/{_e(token)}/pdf"
    body = (
        f'<header class="card"><h1>Invoice {_e(invoice["serialNumber"])}</h1>'
        f'<p class="from">From {_e(organisation.name)}</p>'
        f'<p><span class="status {tone}">{_e(label)}</span></p>'
        f'<p style="margin:.75rem 0 0;color:#495057">{_e(amount_label)}</p>'
        f'<p class="amount">{_e(amount)}</p></header>'
        f'<section class="card" aria-labelledby="sum-h"><h2 id="sum-h">Summary</h2><dl>{summary}</dl></section>'
        f"{how_to_pay}"
        f'<p><a class="button" href="{pdf_url}" download>Download the invoice (PDF)</a></p>'
    )
    return _page(f"Invoice {invoice['serialNumber']} — {organisation.name}", body + _footer(organisation))


def _footer(organisation: Organisation) -> str:
    return f"<footer>Questions about this invoice? Reply to the email it came with, or contact {_e(organisation.name)}.</footer>"


def not_found_page() -> HTMLResponse:
    body = (
        '<div class="card"><h1>Link not valid</h1>'
        "<p>This payment link is not valid. Check that you copied the whole link from the email, or ask the sender "
        "for a new one.</p></div>"
    )
    return HTMLResponse(_page("Payment link not valid", body), status_code=404, headers=HEADERS)


async def _load(session: Any, request: Request, token: str) -> tuple[Invoice, Organisation] | None:
    if len(token) > MAX_TOKEN:
        return None
    invoice_id = sending.verify_pay_token(request.app.state.secret_key, token)
    if invoice_id is None:
        return None
    invoice = await session.get(Invoice, invoice_id)
    if invoice is None:
        return None
    organisation = await session.get(Organisation, invoice.org_id)
    if organisation is None:
        return None
    return invoice, organisation


@router.get(
    "/{token}",
    response_class=HTMLResponse,
    responses={404: {"description": "Not a valid pay link"}},
    summary="Pay page (public, signed link)",
)
async def pay_page(token: str, request: Request, session: ReadSession):
    found = await _load(session, request, token)
    if found is None:
        return not_found_page()
    invoice, organisation = found
    body = await service.to_api(session, invoice.org_id, invoice)
    return HTMLResponse(render_pay_page(body, organisation, token), headers=HEADERS)


@router.get(
    "/{token}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, 404: {"description": "Not a valid pay link"}},
    summary="The invoice PDF behind a pay link (public, signed link)",
)
async def pay_page_pdf(token: str, request: Request, session: ReadSession):
    found = await _load(session, request, token)
    if found is None:
        return not_found_page()
    invoice, _ = found
    body = await service.to_api(session, invoice.org_id, invoice)
    pdf = await sending.render_pdf(session, invoice.org_id, body)
    filename = sending.pdf_filename(body)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
            "X-Robots-Tag": "noindex, nofollow",
            "Content-Disposition": f'inline; filename="{filename}"',
        },
    )
