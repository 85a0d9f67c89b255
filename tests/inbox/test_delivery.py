"""Sending drafts through a real SMTP server on loopback (aiosmtpd)."""

import base64
import dataclasses
import email
from datetime import timedelta
from email import policy

import pytest
import time_machine

from loop.core.clock import utcnow
from loop.inbox.drafts import SEND_JOB
from loop.jobs import registry
from tests.conftest import free_port, make_settings
from tests.inbox.conftest import run_jobs

DRAFTS = "/v1/drafts"
PDF = b"%PDF-1.4\n% a tiny invoice\n"


@pytest.fixture
def settings(database_url, tmp_path, smtp_server):
    controller, _ = smtp_server
    return make_settings(
        database_url,
        tmp_path / "data",
        jobs_in_process=False,
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        smtp_security="none",
        smtp_from="Acme Support <support@acme.example.com>",
    )


@pytest.fixture
def no_backoff(monkeypatch):
    monkeypatch.setitem(registry.kinds, SEND_JOB, dataclasses.replace(registry.kinds[SEND_JOB], backoff_s=0))


def parse(received):
    return email.message_from_bytes(received.content, policy=policy.default)


async def test_send_delivers_with_headers_body_and_attachment(client, account, app, smtp_server):
    _, sink = smtp_server
    response = await client.post(
        DRAFTS,
        json={
            "drafts": {
                "subject": "Invoice INV-7 — March",
                "body": "<p>Hello Ana,</p><p>Your invoice is attached.</p>",
                "to_fields": [{"address": "ana@client.example.com", "name": "Ana Díaz"}],
                "cc_fields": [{"address": "boss@client.example.com"}],
                "bcc_fields": [{"address": "archive@acme.example.com"}],
                "references": ["<thread-1@client.example.com>", "<thread-2@client.example.com>"],
                "attachments": [
                    {
                        "filename": "INV-7.pdf",
                        "content_type": "application/pdf",
                        "base64_data": base64.b64encode(PDF).decode(),
                    }
                ],
                "send": True,
            }
        },
        headers=account.headers,
    )
    assert response.status_code == 201
    draft = response.json()["drafts"]
    assert draft["status"] == "sending" and draft["message_id"].startswith("<")
    assert draft["from_field"] == {"address": "support@acme.example.com", "name": "Acme Support"}
    assert sink.messages == []  # nothing leaves before the job runs

    assert await run_jobs(app) == 1
    sent = (await client.get(f"{DRAFTS}/{draft['id']}", headers=account.headers)).json()["drafts"]
    assert sent["status"] == "sent" and sent["error"] is None
    assert abs(sent["sent_at"] - int(utcnow().timestamp())) < 30

    (received,) = sink.messages
    assert received.mail_from == "support@acme.example.com"
    assert sorted(received.rcpt_tos) == [
        "ana@client.example.com",
        "archive@acme.example.com",
        "boss@client.example.com",
    ]
    message = parse(received)
    assert message["Message-ID"] == draft["message_id"]
    assert message["From"] == "Acme Support <support@acme.example.com>"
    assert message["To"] == "Ana Díaz <ana@client.example.com>"
    assert message["Cc"] == "boss@client.example.com"
    assert message["Bcc"] is None  # blind copies are envelope recipients only
    assert message["Subject"] == "Invoice INV-7 — March"
    assert message["In-Reply-To"] == "<thread-2@client.example.com>"
    assert message["References"] == "<thread-1@client.example.com> <thread-2@client.example.com>"
    assert (
        message.get_body(("html",)).get_content().strip()
        == "<p>Hello Ana,</p><p>Your invoice is attached.</p>"
    )
    assert (
        message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        == "Hello Ana,\n\nYour invoice is attached.\n"
    )
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "INV-7.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF

    # running the jobs again sends nothing twice
    assert await run_jobs(app) == 0 and len(sink.messages) == 1
    # and a sent draft is history: it cannot be edited
    response = await client.patch(f"{DRAFTS}/{draft['id']}", json={"subject": "x"}, headers=account.headers)
    assert response.status_code == 409


async def test_plain_text_body_and_reply_in_a_conversation(client, account, app, smtp_server):
    _, sink = smtp_server
    first = await client.post(
        DRAFTS,
        json={
            "subject": "Hello",
            "body": "Plain text",
            "to_fields": [{"address": "a@example.com"}],
            "send": True,
        },
        headers=account.headers,
    )
    await run_jobs(app)
    first_id = first.json()["drafts"]["message_id"]
    reply = await client.post(
        DRAFTS,
        json={
            "subject": "Re: Hello",
            "body": "Second",
            "to_fields": [{"address": "a@example.com"}],
            "conversation": first.json()["drafts"]["conversation"],
            "send": True,
        },
        headers=account.headers,
    )
    assert reply.json()["drafts"]["references"] == [first_id]
    await run_jobs(app)
    plain, threaded = (parse(m) for m in sink.messages)
    assert (
        plain.get_content_type() == "text/plain"
        and plain.get_content().replace("\r\n", "\n") == "Plain text\n"
    )
    assert threaded["In-Reply-To"] == first_id


async def test_send_at_schedules_delivery(client, account, app, smtp_server):
    _, sink = smtp_server
    when = int((utcnow() + timedelta(hours=2)).timestamp())
    response = await client.post(
        DRAFTS,
        json={"subject": "Later", "to_fields": [{"address": "a@example.com"}], "send_at": when},
        headers=account.headers,
    )
    draft = response.json()["drafts"]
    assert draft["status"] == "scheduled" and draft["send_at"] == when
    assert await run_jobs(app) == 0 and sink.messages == []
    with time_machine.travel(utcnow() + timedelta(hours=2, minutes=1), tick=True):
        assert await run_jobs(app) == 1
    assert len(sink.messages) == 1
    sent = (await client.get(f"{DRAFTS}/{draft['id']}", headers=account.headers)).json()["drafts"]
    assert sent["status"] == "sent"


async def test_unscheduling_and_rescheduling(client, account, app, smtp_server):
    _, sink = smtp_server
    later = int((utcnow() + timedelta(hours=1)).timestamp())
    draft = (
        await client.post(
            DRAFTS,
            json={"subject": "x", "to_fields": [{"address": "a@example.com"}], "send_at": later},
            headers=account.headers,
        )
    ).json()["drafts"]
    cancelled = await client.patch(f"{DRAFTS}/{draft['id']}", json={"send_at": None}, headers=account.headers)
    assert cancelled.json()["drafts"]["status"] == "draft" and cancelled.json()["drafts"]["send_at"] is None
    with time_machine.travel(utcnow() + timedelta(hours=1, minutes=1), tick=True):
        assert await run_jobs(app) == 1  # the old job runs and finds it is no longer wanted
    assert sink.messages == []
    now = await client.patch(f"{DRAFTS}/{draft['id']}", json={"send": True}, headers=account.headers)
    assert now.json()["drafts"]["status"] == "sending"
    await run_jobs(app)
    assert len(sink.messages) == 1


async def test_a_refused_recipient_fails_the_draft_at_once(client, account, app, smtp_server):
    _, sink = smtp_server
    sink.refuse = "550 5.1.1 No such user here"
    draft = (
        await client.post(
            DRAFTS,
            json={"subject": "x", "to_fields": [{"address": "ghost@example.com"}], "send": True},
            headers=account.headers,
        )
    ).json()["drafts"]
    assert await run_jobs(app) == 1
    failed = (await client.get(f"{DRAFTS}/{draft['id']}", headers=account.headers)).json()["drafts"]
    assert failed["status"] == "failed"
    assert failed["error"] == "All recipients were refused (ghost@example.com: 550 5.1.1 No such user here)"
    # fix the address and send again
    sink.refuse = None
    retry = await client.patch(
        f"{DRAFTS}/{failed['id']}",
        json={"to_fields": [{"address": "real@example.com"}], "send": True},
        headers=account.headers,
    )
    assert retry.status_code == 200 and retry.json()["drafts"]["status"] == "sending"
    await run_jobs(app)
    assert [m.rcpt_tos for m in sink.messages] == [["real@example.com"]]


async def test_an_unreachable_server_is_retried_then_fails(database_url, tmp_path, no_backoff):
    import httpx2

    from loop.app import create_app
    from tests.conftest import empty_all_tables

    app = create_app(
        make_settings(
            database_url,
            tmp_path / "other",
            jobs_in_process=False,
            smtp_host="127.0.0.1",
            smtp_port=free_port(),
            smtp_security="none",
            smtp_timeout_s=2,
        )
    )
    async with app.router.lifespan_context(app):
        try:
            from tests.conftest import Factory

            account = await Factory(app).account()
            transport = httpx2.ASGITransport(app=app)
            async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
                draft = (
                    await client.post(
                        DRAFTS,
                        json={"subject": "x", "to_fields": [{"address": "a@example.com"}], "send": True},
                        headers=account.headers,
                    )
                ).json()["drafts"]
                await app.state.jobs.run_once()
                retrying = (await client.get(f"{DRAFTS}/{draft['id']}", headers=account.headers)).json()[
                    "drafts"
                ]
                assert retrying["status"] == "sending"
                assert retrying["error"].startswith("Try 1 failed, will retry: ")
                assert await app.state.jobs.drain() == 4
                failed = (await client.get(f"{DRAFTS}/{draft['id']}", headers=account.headers)).json()[
                    "drafts"
                ]
                assert failed["status"] == "failed"
                assert "Connect" in failed["error"] or "connect" in failed["error"]
        finally:
            await empty_all_tables(app)
