"""The public pay page behind an invoice's pay link, and its PDF."""

import io
from urllib.parse import urlsplit

from pypdf import PdfReader

from loop.invoices.sending import pay_token
from tests.track.util import billing_client, invoice, key

BANK = {"bankName": "First National Bank", "accountName": "Studio Lumen", "accountNumber": "62812345678"}


async def team(client, account, **fields):
    body = {
        "name": "Studio Lumen",
        "currency": "EUR",
        "address": {"line1": "12 Bree Street", "postalCode": "8001"},
        "bankDetails": BANK,
        **fields,
    }
    response = await client.patch("/v1/team", json=body, headers=key(account))
    assert response.status_code == 200, response.text


async def sent_invoice(client, account, **fields):
    billed = await billing_client(
        client, account, name=fields.pop("client_name", "Globex"), email="ap@globex.example"
    )
    fields.setdefault("lineItems", [{"description": "Work", "quantity": 2, "rate": 570}])
    fields.setdefault("dueDate", "2099-06-30")
    inv = await invoice(client, account, clientId=billed["id"], **fields)
    response = await client.post(f"/v1/invoices/{inv['id']}/send", headers=key(account))
    assert response.status_code == 200, response.text
    return response.json()["invoice"]


def path_of(url: str) -> str:
    return urlsplit(url).path


async def test_the_pay_page_shows_the_invoice(client, account):
    await team(client, account)
    inv = await sent_invoice(client, account)
    response = await client.get(path_of(inv["payUrl"]))  # no token: the link is the authorisation
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page = response.text
    assert page.startswith("<!doctype html>") and '<html lang="en">' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert f"Invoice {inv['serialNumber']}" in page and "From Studio Lumen" in page
    assert "<dd>Globex</dd>" in page
    assert "Awaiting payment" in page and "Amount due" in page and "€1,140.00" in page
    assert "<dd>30 June 2099</dd>" in page
    assert (
        "<dd>First National Bank</dd>" in page and f"<dt>Reference</dt><dd>{inv['serialNumber']}</dd>" in page
    )
    assert f'href="{path_of(inv["payUrl"])}/pdf"' in page
    assert "<script" not in page


async def test_the_pdf_behind_the_link(client, account):
    await team(client, account)
    inv = await sent_invoice(client, account)
    response = await client.get(path_of(inv["payUrl"]) + "/pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert f'filename="{inv["serialNumber"]}.pdf"' in response.headers["content-disposition"]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert inv["serialNumber"] in text


async def test_bad_links_are_404(client, app, account):
    await team(client, account)
    inv = await sent_invoice(client, account)
    path = path_of(inv["payUrl"])
    token = path.rsplit("/", 1)[1]
    invoice_id, _, signature = token.partition(".")
    tampered = [
        f"/pay/{invoice_id}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}",
        f"/pay/{invoice_id}",
        f"/pay/{invoice_id}.",
        "/pay/nothing",
        f"/pay/{pay_token('another-secret', invoice_id)}",
        f"/pay/{'x' * 400}",
    ]
    for bad in tampered:
        for suffix in ("", "/pdf"):
            response = await client.get(bad + suffix)
            assert response.status_code == 404, (bad, suffix)
            assert response.headers["content-type"].startswith("text/html")
            assert "This payment link is not valid" in response.text
    # another invoice's signature does not open this one
    other = await sent_invoice(client, account, client_name="Initech")
    other_signature = path_of(other["payUrl"]).rsplit(".", 1)[1]
    assert (await client.get(f"/pay/{invoice_id}.{other_signature}")).status_code == 404
    # a deleted invoice's link is dead
    deleted = await invoice(client, account, clientId=inv["clientId"])
    link = f"/pay/{pay_token(app.state.secret_key, deleted['id'])}"
    assert (await client.get(link)).status_code == 200
    assert (await client.delete(f"/v1/invoices/{deleted['id']}", headers=key(account))).status_code in (
        200,
        204,
    )
    assert (await client.get(link)).status_code == 404


async def test_status_changes_what_the_page_says(client, account):
    await team(client, account)
    inv = await sent_invoice(client, account)
    path = path_of(inv["payUrl"])
    partial = await client.patch(
        f"/v1/invoices/{inv['id']}/status",
        json={"status": "PAID_PARTIAL", "amountPaid": "140"},
        headers=key(account),
    )
    assert partial.status_code == 200, partial.text
    page = (await client.get(path)).text
    assert "Partly paid" in page and "€1,000.00" in page and "<dt>Paid so far</dt><dd>€140.00</dd>" in page
    paid = await client.patch(
        f"/v1/invoices/{inv['id']}/status", json={"status": "PAID"}, headers=key(account)
    )
    assert paid.status_code == 200, paid.text
    page = (await client.get(path)).text
    assert "Paid — thank you" in page and "Invoice total" in page and "€1,140.00" in page
    assert "How to pay" not in page


async def test_overdue_and_values_are_escaped(client, account):
    await team(client, account, name="Lumen <script>alert(1)</script> & Co")
    inv = await sent_invoice(
        client, account, client_name='Globex "<b>"', issueDate="2020-01-01", dueDate="2020-01-31"
    )
    page = (await client.get(path_of(inv["payUrl"]))).text
    assert "Overdue" in page
    assert (
        "<script>alert(1)</script>" not in page
        and "Lumen &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page
    )
    assert "<dd>Globex &quot;&lt;b&gt;&quot;</dd>" in page
