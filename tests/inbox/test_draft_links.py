"""Drafts made from a feedback item (a reply to its reporter) and from an invoice (its email with the PDF),
and the draft that sending an invoice makes."""

import base64
import email
import io
from email import policy

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from loop.inbox.models import Draft, DraftAttachment
from loop.invoices.models import InvoiceEmail
from loop.invoices.sending import pay_url
from tests.conftest import TEST_SECRET, make_settings
from tests.inbox.conftest import run_jobs
from tests.track.util import billing_client, invoice, key

DRAFTS = "/v1/drafts"


async def draft_count(app) -> int:
    async with app.state.database.read() as session:
        return (await session.execute(select(func.count()).select_from(Draft))).scalar_one()


async def attachment_of(app, draft_id) -> bytes:
    async with app.state.database.read() as session:
        stmt = select(DraftAttachment.data).where(DraftAttachment.draft_id == draft_id)
        return (await session.execute(stmt)).scalar_one()


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


# -- feedback ------------------------------------------------------------------------------------------------
@pytest.fixture
async def feedback(client, account):
    headers = account.headers
    customer = await client.post("/api/v1/clients", json={"name": "Globex"}, headers=headers)
    assert customer.status_code == 201, customer.text
    project = await client.post(
        "/api/v1/projects",
        json={
            "name": "Globex site",
            "url": "https://globex.example",
            "client_id": customer.json()["data"]["id"],
        },
        headers=headers,
    )
    assert project.status_code == 201, project.text
    item = await client.post(
        "/api/v1/feedback",
        json={
            "project_id": project.json()["data"]["id"],
            "title": "Pricing table overlaps <footer>",
            "description": "On the pricing page the table covers the footer.\nIt started today & is ugly.",
            "type": "bug",
            "page_url": "https://globex.example/pricing?a=1&b=2",
            "reporter_name": "Jane Smith",
            "reporter_email": "jane@globex.example",
        },
        headers=headers,
    )
    assert item.status_code == 201, item.text
    return {**item.json()["data"], "client_id": customer.json()["data"]["id"]}


async def test_reply_to_a_feedback_reporter(client, account, feedback):
    response = await client.post(f"{DRAFTS}/from-feedback/{feedback['id']}", headers=account.headers)
    assert response.status_code == 201, response.text
    draft = response.json()["drafts"]
    assert draft["to_fields"] == [{"address": "jane@globex.example", "name": "Jane Smith"}]
    assert draft["subject"] == "Re: Pricing table overlaps <footer>"
    assert draft["link"] == {"type": "feedback", "id": feedback["id"]}
    assert draft["client_id"] == feedback["client_id"] and draft["status"] == "draft"
    body = draft["body"]
    assert body.startswith("<p>Hi Jane,</p><p>Thank you for your feedback. We have received it")
    assert "<blockquote" in body and "<strong>Pricing table overlaps &lt;footer&gt;</strong>" in body
    assert "covers the footer.<br>It started today &amp; is ugly." in body
    assert 'href="https://globex.example/pricing?a=1&amp;b=2"' in body
    assert draft["attachments"] == []


async def test_message_overrides_and_one_conversation_per_item(client, account, feedback):
    await client.patch(
        f"/api/v1/feedback/{feedback['id']}", json={"status": "review"}, headers=account.headers
    )
    first = (await client.post(f"{DRAFTS}/from-feedback/{feedback['id']}", headers=account.headers)).json()
    assert "A fix is ready" in first["drafts"]["body"]
    response = await client.post(
        f"{DRAFTS}/from-feedback/{feedback['id']}",
        json={
            "drafts": {
                "message": "We shipped a fix.\n\nPlease try again <now>.",
                "subject": "Fixed: pricing table",
                "cc_fields": [{"address": "pm@globex.example"}],
            }
        },
        headers=account.headers,
    )
    assert response.status_code == 201, response.text
    second = response.json()["drafts"]
    assert second["subject"] == "Fixed: pricing table"
    assert second["cc_fields"] == [{"address": "pm@globex.example", "name": None}]
    assert "<p>We shipped a fix.</p><p>Please try again &lt;now&gt;.</p>" in second["body"]
    assert "A fix is ready" not in second["body"]
    assert second["conversation"] == first["drafts"]["conversation"]


async def test_feedback_without_a_reporter_email_is_400(client, account, feedback):
    item = await client.post(
        "/api/v1/feedback",
        json={"project_id": feedback["project_id"], "title": "Anonymous", "type": "general"},
        headers=account.headers,
    )
    response = await client.post(
        f"{DRAFTS}/from-feedback/{item.json()['data']['id']}", headers=account.headers
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "This feedback item has no reporter email to reply to",
        "code": "no_reporter_email",
    }


async def test_feedback_drafts_refuse_bad_requests(client, app, account, other_account, feedback):
    url = f"{DRAFTS}/from-feedback/{feedback['id']}"
    missing = await client.post(f"{DRAFTS}/from-feedback/nope", headers=account.headers)
    assert missing.status_code == 404 and missing.json()["error"] == "Feedback not found"
    foreign = await client.post(url, headers=other_account.headers)
    assert foreign.status_code == 404 and foreign.json()["error"] == "Feedback not found"
    text = await client.post(url, content=b"hello", headers={**account.headers, "Content-Type": "text/plain"})
    assert text.status_code == 415
    bad_cc = await client.post(
        url, json={"cc_fields": [{"address": "not an address"}]}, headers=account.headers
    )
    assert bad_cc.status_code == 400
    assert await draft_count(app) == 0


async def test_feedback_drafts_need_both_scopes(client, factory, account, feedback):
    drafts_only = await factory.account(org=account.org, preset="restricted", scopes=["write:draft"])
    response = await client.post(f"{DRAFTS}/from-feedback/{feedback['id']}", headers=drafts_only.headers)
    assert response.status_code == 403 and response.json()["missing"] == ["read:feedback"]


async def test_send_without_smtp_is_queued(client, account, feedback):
    response = await client.post(
        f"{DRAFTS}/from-feedback/{feedback['id']}", json={"send": True}, headers=account.headers
    )
    assert response.status_code == 201 and response.json()["drafts"]["status"] == "queued"


# -- invoices ------------------------------------------------------------------------------------------------
async def billed_invoice(client, account, **fields):
    billed = await billing_client(
        client, account, name=fields.pop("name", "Initech"), email=fields.pop("email", "ap@initech.example")
    )
    fields.setdefault("lineItems", [{"description": "Design work", "quantity": 3, "rate": 100}])
    return await invoice(client, account, clientId=billed["id"], **fields)


async def test_invoice_email_as_a_draft(client, app, account):
    inv = await billed_invoice(client, account)
    response = await client.post(f"{DRAFTS}/from-invoice/{inv['id']}", headers=account.headers)
    assert response.status_code == 201, response.text
    draft = response.json()["drafts"]
    assert draft["to_fields"] == [{"address": "ap@initech.example", "name": "Initech"}]
    assert draft["subject"].startswith(f"Invoice {inv['serialNumber']} from ")
    link = pay_url("http://127.0.0.1:5667", TEST_SECRET, inv["id"])
    assert f"You can pay online here: {link}" in draft["body"]
    assert draft["link"] == {"type": "invoice", "id": inv["id"]} and draft["client_id"] == inv["clientId"]
    (meta,) = draft["attachments"]
    assert meta["filename"] == f"{inv['serialNumber']}.pdf" and meta["content_type"] == "application/pdf"
    stored = await attachment_of(app, draft["id"])
    assert stored.startswith(b"%PDF-") and meta["size"] == len(stored)
    assert inv["serialNumber"] in pdf_text(stored)
    # Not a send: the invoice is not marked sent and no invoice email is recorded.
    again = (await client.get(f"/v1/invoices/{inv['id']}", headers=key(account))).json()
    assert again["sentAt"] is None
    async with app.state.database.read() as session:
        assert (await session.execute(select(func.count()).select_from(InvoiceEmail))).scalar_one() == 0


async def test_message_and_reminder_for_an_overdue_invoice(client, account):
    inv = await billed_invoice(client, account, issueDate="2020-01-01", dueDate="2020-01-31")
    response = await client.post(
        f"{DRAFTS}/from-invoice/{inv['id']}",
        json={"message": "A friendly reminder that this is now past due."},
        headers=account.headers,
    )
    assert response.status_code == 201, response.text
    draft = response.json()["drafts"]
    assert draft["subject"].startswith(f"Reminder: Invoice {inv['serialNumber']}")
    assert draft["body"].startswith(
        "Hello Initech,\n\nA friendly reminder that this is now past due.\n\nPlease find"
    )


async def test_invoice_drafts_refuse_what_cannot_be_emailed(client, app, account, other_account):
    url = f"{DRAFTS}/from-invoice/"
    assert (await client.post(url + "nope", headers=account.headers)).status_code == 404
    inv = await billed_invoice(client, account)
    foreign = await client.post(url + inv["id"], headers=other_account.headers)
    assert foreign.status_code == 404 and foreign.json()["error"] == "Invoice not found"

    empty = await billed_invoice(client, account, name="Empty Co", lineItems=[])
    response = await client.post(url + empty["id"], headers=account.headers)
    assert response.status_code == 400 and response.json()["code"] == "invoice_empty"

    mailless = await billed_invoice(client, account, name="Mailless", email=None)
    response = await client.post(url + mailless["id"], headers=account.headers)
    assert response.status_code == 400 and response.json()["code"] == "client_email_required"

    void = await client.patch(
        f"/v1/invoices/{inv['id']}/status", json={"status": "VOID"}, headers=key(account)
    )
    assert void.status_code == 200, void.text
    response = await client.post(url + inv["id"], headers=account.headers)
    assert response.status_code == 409 and response.json()["error"] == "Cannot email a void invoice"
    assert await draft_count(app) == 0


async def test_invoice_drafts_need_the_invoice_scope(client, factory, account):
    inv = await billed_invoice(client, account)
    drafts_only = await factory.account(org=account.org, preset="restricted", scopes=["write:draft"])
    response = await client.post(f"{DRAFTS}/from-invoice/{inv['id']}", headers=drafts_only.headers)
    assert response.status_code == 403 and response.json()["missing"] == ["read:invoice"]


async def test_sending_an_invoice_makes_the_draft(client, app, account):
    inv = await billed_invoice(client, account)
    response = await client.post(f"/v1/invoices/{inv['id']}/send", headers=key(account))
    assert response.status_code == 200, response.text
    body = response.json()
    email_out = body["email"]
    assert email_out["status"] == "prepared" and email_out["draftId"]
    draft = (await client.get(f"{DRAFTS}/{email_out['draftId']}", headers=account.headers)).json()["drafts"]
    assert draft["link"] == {"type": "invoice", "id": inv["id"]}
    assert draft["subject"] == email_out["subject"] and body["invoice"]["payUrl"] in draft["body"]
    assert draft["to_fields"][0]["address"] == "ap@initech.example"
    stored = await attachment_of(app, draft["id"])
    assert stored.startswith(b"%PDF-")
    # A second send makes a second draft in the same conversation.
    resent = (await client.post(f"/v1/invoices/{inv['id']}/send", headers=key(account))).json()
    again = (await client.get(f"{DRAFTS}/{resent['email']['draftId']}", headers=account.headers)).json()
    assert again["drafts"]["id"] != draft["id"] and again["drafts"]["conversation"] == draft["conversation"]
    async with app.state.database.read() as session:
        rows = (await session.execute(select(InvoiceEmail.draft_id))).scalars().all()
    assert sorted(rows) == sorted([draft["id"], again["drafts"]["id"]])


async def test_without_the_inbox_the_email_stays_prepared(client, app, factory):
    starter = await factory.account(plan="starter")
    inv = await billed_invoice(client, starter)
    response = await client.post(f"/v1/invoices/{inv['id']}/send", headers=key(starter))
    assert response.status_code == 200, response.text
    assert response.json()["email"]["draftId"] is None
    assert await draft_count(app) == 0


class TestDelivery:
    """An invoice draft sent through a real SMTP server on loopback arrives with its PDF."""

    @pytest.fixture
    def settings(self, database_url, tmp_path, smtp_server):
        controller, _ = smtp_server
        return make_settings(
            database_url,
            tmp_path / "data",
            jobs_in_process=False,
            smtp_host="127.0.0.1",
            smtp_port=controller.port,
            smtp_security="none",
            smtp_from="Billing <billing@studio.example>",
        )

    async def test_the_pdf_arrives(self, client, app, account, smtp_server):
        _, sink = smtp_server
        inv = await billed_invoice(client, account)
        response = await client.post(
            f"{DRAFTS}/from-invoice/{inv['id']}", json={"send": True}, headers=account.headers
        )
        assert response.status_code == 201 and response.json()["drafts"]["status"] == "sending"
        assert await run_jobs(app) >= 1
        (received,) = sink.messages
        assert received.rcpt_tos == ["ap@initech.example"]
        message = email.message_from_bytes(received.content, policy=policy.default)
        assert message["Subject"].startswith(f"Invoice {inv['serialNumber']}")
        assert "/pay/" in message.get_body(("plain",)).get_content()
        (attachment,) = list(message.iter_attachments())
        assert attachment.get_filename() == f"{inv['serialNumber']}.pdf"
        assert attachment.get_content_type() == "application/pdf"
        data = attachment.get_content()
        assert inv["serialNumber"] in pdf_text(data)
        assert base64.b64encode(data)  # a real, decodable file


class TestTinyAttachmentLimit:
    """A PDF over the draft attachment limit: the send stands, the email stays prepared without a draft."""

    @pytest.fixture
    def settings(self, database_url, tmp_path):
        return make_settings(
            database_url, tmp_path / "data", jobs_in_process=False, draft_max_attachment_bytes=1000
        )

    async def test_send_keeps_the_prepared_email(self, client, app, account):
        inv = await billed_invoice(client, account)
        response = await client.post(f"/v1/invoices/{inv['id']}/send", headers=key(account))
        assert response.status_code == 200, response.text
        assert response.json()["email"]["draftId"] is None and response.json()["invoice"]["sentAt"]
        assert await draft_count(app) == 0
        direct = await client.post(f"{DRAFTS}/from-invoice/{inv['id']}", headers=account.headers)
        assert direct.status_code == 400 and direct.json()["code"] == "attachments_too_large"
