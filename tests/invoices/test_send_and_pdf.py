"""Sending (snapshot, pay link, prepared email with the PDF), the PDF itself, and the team settings."""

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from loop.invoices.models import InvoiceEmail
from loop.invoices.sending import pay_token, verify_pay_token
from tests.conftest import TEST_SECRET
from tests.track.util import billing_client, invoice, key

INVOICES = "/v1/invoices"
LONG = (
    "Implementation of the new checkout flow, including the address autocomplete, the payment provider "
    "integration, accessibility fixes found in the audit and three rounds of changes after the review"
)
BANK = {
    "bankName": "First National Bank",
    "accountName": "Studio Lumen",
    "accountNumber": "62812345678",
    "branchCode": "250655",
}


async def _team(client, account, currency):
    response = await client.patch(
        "/v1/team",
        json={
            "name": "Studio Lumen",
            "currency": currency,
            "address": {"line1": "12 Bree Street", "postalCode": "8001", "city": "Cape Town"},
            "bankDetails": BANK,
        },
        headers=key(account),
    )
    assert response.status_code == 200, response.text
    return response.json()["team"]


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize(("currency", "symbol"), [("EUR", "€"), ("GBP", "£"), ("ZAR", "R")])
async def test_the_pdf_carries_the_invoice(client, account, currency, symbol):
    await _team(client, account, currency)
    billed = await billing_client(client, account, name="Müller & Söhne", vatNumber="DE123456789")
    inv = await invoice(
        client,
        account,
        clientId=billed["id"],
        issueDate="2026-05-01",
        dueDate="2026-05-31",
        taxPercent=15,
        lineItems=[
            {"description": "Design review", "quantity": "1.333", "rate": "97.50"},
            {"description": LONG, "quantity": "10", "rate": "100"},
        ],
    )
    response = await client.get(f"{INVOICES}/{inv['id']}/pdf", headers=key(account))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'inline; filename="INV-2026-00001.pdf"'
    assert response.content.startswith(b"%PDF-")
    text = _text(response.content)
    flat = " ".join(text.split())
    for expected in (
        "INVOICE",
        "INV-2026-00001",
        "Studio Lumen",
        "12 Bree Street",
        "Müller & Söhne",
        "VAT DE123456789",
        "1 Main Road",
        "1 May 2026",
        "31 May 2026",
        "Design review",
        "1.333",
        f"{symbol}97.50",
        f"{symbol}129.97",
        f"{symbol}1,000.00",
        "Subtotal",
        f"{symbol}1,129.97",
        "Tax (15%)",
        f"{symbol}169.50",
        f"{symbol}1,299.47",
        "First National Bank",
        "62812345678",
    ):
        assert expected in flat, expected
    # the long description wraps onto several lines, and none of its words is lost
    assert " ".join(LONG.split()) in flat
    assert not any(LONG in line for line in text.splitlines())


async def test_send_freezes_the_client_and_prepares_the_email(client, app, account):
    await _team(client, account, "EUR")
    billed = await billing_client(client, account, name="Globex", email="ap@globex.example")
    inv = await invoice(
        client,
        account,
        clientId=billed["id"],
        lineItems=[{"description": "Work", "quantity": 2, "rate": 570}],
    )
    url = f"{INVOICES}/{inv['id']}/send"
    response = await client.post(url, headers=key(account))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True and body["data"] == "Invoice sent"
    sent = body["invoice"]
    assert sent["sentAt"] is not None
    assert sent["payUrl"].startswith("http://127.0.0.1:5667/pay/")
    token = sent["payUrl"].rsplit("/", 1)[1]
    assert verify_pay_token(TEST_SECRET, token) == inv["id"]
    assert verify_pay_token(TEST_SECRET, token[:-2] + "xx") is None
    assert verify_pay_token("another-secret", token) is None
    assert token == pay_token(TEST_SECRET, inv["id"])
    email = body["email"]
    assert email["status"] == "prepared" and email["to"] == "ap@globex.example"
    assert email["subject"] == f"Invoice {inv['serialNumber']} from Studio Lumen"
    assert "€1,140.00" in email["body"] and sent["payUrl"] in email["body"]
    assert email["attachmentName"] == f"{inv['serialNumber']}.pdf"
    async with app.state.database.read() as session:
        stored = (await session.execute(select(InvoiceEmail))).scalar_one()
        assert stored.attachment.startswith(b"%PDF-") and stored.attachment_type == "application/pdf"
        assert "€1,140.00" in " ".join(_text(stored.attachment).split())

    # the client changes afterwards; the sent invoice keeps what it was sent with
    await client.patch(
        f"/v1/invoices/clients/{billed['id']}",
        json={"email": "new@globex.example", "address": {"line1": "9 New Road", "postalCode": "1000"}},
        headers=key(account),
    )
    kept = (await client.get(f"{INVOICES}/{inv['id']}", headers=key(account))).json()
    assert (
        kept["client"]["email"] == "ap@globex.example" and kept["client"]["address"]["line1"] == "1 Main Road"
    )
    change = await client.patch(
        f"{INVOICES}/{inv['id']}",
        json={"clientId": (await billing_client(client, account, name="Other"))["id"]},
        headers=key(account),
    )
    assert (
        change.status_code == 409 and change.json()["error"] == "Cannot change the client of a sent invoice"
    )
    # sending again refreezes the client as it is now, with the same pay link
    resent = (await client.post(url, headers=key(account))).json()
    assert (
        resent["invoice"]["client"]["email"] == "new@globex.example"
        and resent["email"]["to"] == "new@globex.example"
    )
    assert resent["invoice"]["payUrl"] == sent["payUrl"]


async def test_an_unsent_invoice_shows_the_live_client(client, account):
    billed = await billing_client(client, account)
    inv = await invoice(client, account, clientId=billed["id"])
    await client.patch(f"/v1/invoices/clients/{billed['id']}", json={"phone": "+1 555"}, headers=key(account))
    assert (await client.get(f"{INVOICES}/{inv['id']}", headers=key(account))).json()["client"][
        "phone"
    ] == "+1 555"


async def test_send_needs_an_email_lines_and_a_live_invoice(client, account):
    nameless = await billing_client(client, account, name="No Mail", email=None)
    inv = await invoice(
        client, account, clientId=nameless["id"], lineItems=[{"description": "x", "quantity": 1, "rate": 1}]
    )
    no_email = await client.post(f"{INVOICES}/{inv['id']}/send", headers=key(account))
    assert no_email.status_code == 400
    assert no_email.json() == {
        "error": "The client has no email address: add one before sending",
        "code": "client_email_required",
    }
    empty = await invoice(client, account)
    no_lines = await client.post(f"{INVOICES}/{empty['id']}/send", headers=key(account))
    assert (
        no_lines.status_code == 400
        and no_lines.json()["error"] == "Cannot send an invoice without line items"
    )
    voided = await invoice(client, account, lineItems=[{"description": "x", "quantity": 1, "rate": 1}])
    await client.patch(f"{INVOICES}/{voided['id']}/status", json={"status": "VOID"}, headers=key(account))
    void = await client.post(f"{INVOICES}/{voided['id']}/send", headers=key(account))
    assert void.status_code == 409 and void.json()["error"] == "Cannot send a void invoice"
    assert (await client.get(f"{INVOICES}/{inv['id']}", headers=key(account))).json()["sentAt"] is None


async def test_team_settings(client, account, factory):
    got = await client.get("/v1/team", headers=key(account))
    assert got.status_code == 200
    assert got.json()["currency"] == "USD" and got.json()["currencyLocked"] is False
    team = await _team(client, account, "zar")
    assert team["currency"] == "ZAR" and team["name"] == "Studio Lumen"
    assert team["bankDetails"] == BANK and team["address"]["line1"] == "12 Bree Street"
    inv = await invoice(client, account, lineItems=[{"description": "x", "quantity": 1, "rate": 1}])
    assert inv["currency"] == "ZAR"
    await client.patch(f"{INVOICES}/{inv['id']}/status", json={"status": "PAID"}, headers=key(account))
    locked = await client.patch("/v1/team", json={"currency": "EUR"}, headers=key(account))
    assert locked.status_code == 409
    assert locked.json() == {
        "error": "The currency is locked after the first paid invoice",
        "code": "currency_locked",
    }
    assert (await client.get("/v1/team", headers=key(account))).json()["currencyLocked"] is True
    assert (await client.patch("/v1/team", json={"name": "Renamed"}, headers=key(account))).status_code == 200
    assert (
        await client.patch("/v1/team", json={"currency": "EURO"}, headers=key(account))
    ).status_code == 400
    assert (
        await client.patch("/v1/team", json={"address": {"line1": "x"}}, headers=key(account))
    ).status_code == 400
    member = await factory.account(org=account.org, role="member")
    refused = await client.patch("/v1/team", json={"name": "Mine"}, headers=key(member))
    assert (
        refused.status_code == 403
        and refused.json()["error"] == "Only owners and admins can change team settings"
    )
