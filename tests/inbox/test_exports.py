"""Report exports: POST /api/v1/report/export, polling, signed download links, expiry and failure."""

import dataclasses
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import update

from loop.clients.models import Client
from loop.core.clock import utcnow
from loop.inbox import exports as export_service
from loop.inbox import sources
from loop.inbox.drafts import create_draft
from loop.inbox.models import Draft, DraftStatus, ReportExport
from loop.jobs import Job, registry, store
from tests.inbox.conftest import run_jobs

EXPORT = "/api/v1/report/export"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def epoch(value):
    return int(value.timestamp())


async def make_draft(app, account, at, **fields):
    fields.setdefault("subject", "Hello")
    fields.setdefault("to_fields", [{"address": "client@example.com"}])
    async with app.state.database.write() as session:
        draft = await create_draft(session, account.org.id, fields.pop("user_id", account.user.id), fields)
        await session.execute(update(Draft).where(Draft.id == draft.id).values(created_at=at, updated_at=at))
        return draft.id, draft.conversation_id


async def make_client(app, org, name):
    async with app.state.database.write() as session:
        client = Client(org_id=org.id, name=name, name_key=name.casefold())
        session.add(client)
        await session.flush()
        return client.id


async def start_export(client, account, **body):
    body.setdefault("start", epoch(T0))
    body.setdefault("end", epoch(T0 + timedelta(days=10)))
    response = await client.post(EXPORT, json=body, headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def poll(client, account, export_id):
    response = await client.get(f"/api/v1/report/exports/{export_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def finished(app, client, account, **body):
    created = await start_export(client, account, **body)
    await run_jobs(app)
    result = await poll(client, account, created["id"])
    assert result["status"] == "Completed", result
    download = await client.get(result["url"])
    assert download.status_code == 200, download.text
    return result, download


async def test_export_lifecycle(app, client, account, other_account, factory):
    member = await factory.member(account.org, role="member", email="mia@acme.example.com")
    acme = await make_client(app, account.org, "Client Co")
    _, thread = await make_draft(
        app, account, T0 + timedelta(hours=10), subject="Bug report reply", team="support",
        add_shared_labels=["vip"], client_id=acme, to_fields=[{"address": "ana@client.example.com"}],
    )  # fmt: skip
    reply_id, _ = await make_draft(
        app, account, T0 + timedelta(days=1), conversation=thread, subject="Re: Bug report reply",
        user_id=member.id, cc_fields=[{"address": "boss@client.example.com"}],
    )  # fmt: skip
    async with app.state.database.write() as session:
        await session.execute(
            update(Draft)
            .where(Draft.id == reply_id)
            .values(
                status=DraftStatus.sent.value,
                sent_at=T0 + timedelta(days=1, hours=1),
                updated_at=T0 + timedelta(days=1, hours=1),
            )
        )
    _, second_thread = await make_draft(app, account, T0 + timedelta(days=4), subject="Invoice")
    await make_draft(app, account, T0 - timedelta(seconds=1), subject="before the window")
    await make_draft(app, account, T0 + timedelta(days=10), subject="at the end: excluded")
    await make_draft(app, other_account, T0 + timedelta(days=2), subject="another organisation")

    created = await start_export(client, account)
    assert created["status"] == "Processing" and created["url"] is None and created["id"]
    assert (await poll(client, account, created["id"]))["status"] == "Processing"

    assert await run_jobs(app) == 1
    result = await poll(client, account, created["id"])
    assert result["status"] == "Completed" and result["rowCount"] == 2 and result["error"] is None
    assert result["url"].startswith(f"http://testserver/api/v1/report/files/{created['id']}?expires=")
    assert result["expiresAt"] is not None and result["completedAt"] is not None

    download = await client.get(result["url"])  # no token: the link is its own credential
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/json"
    assert "attachment" in download.headers["content-disposition"]
    rows = download.json()
    assert [row["conversationId"] for row in rows] == [thread, second_thread]
    first = rows[0]
    assert list(first) == [column.key for column in sources.COLUMNS]
    assert first == {
        "conversationId": thread,
        "source": "email",
        "subject": "Bug report reply",
        "status": "sent",
        "channel": "email",
        "teamId": "support",
        "createdAt": "2026-03-01T10:00:00.000Z",
        "lastActivityAt": "2026-03-02T01:00:00.000Z",
        "closedAt": None,
        "firstResponseAt": None,
        "firstResponseSeconds": None,
        "authorId": account.user.id,
        "authorEmail": account.user.email,
        "teammateIds": [account.user.id, member.id],
        "contacts": ["ana@client.example.com", "client@example.com", "boss@client.example.com"],
        "customerId": acme,
        "customerName": "Client Co",
        "tagIds": ["vip"],
        "messagesIn": 0,
        "messagesOut": 1,
        "drafts": 1,
    }
    assert rows[1]["subject"] == "Invoice" and rows[1]["messagesOut"] == 0 and rows[1]["drafts"] == 1


async def test_window_start_is_inclusive_and_end_exclusive(app, client, account):
    _, at_start = await make_draft(app, account, T0)
    _, last_second = await make_draft(app, account, T0 + timedelta(hours=1) - timedelta(seconds=1))
    await make_draft(app, account, T0 + timedelta(hours=1))
    _, download = await finished(app, client, account, start=epoch(T0), end=epoch(T0 + timedelta(hours=1)))
    assert [row["conversationId"] for row in download.json()] == [at_start, last_second]
    _, empty = await finished(
        app, client, account, start=epoch(T0 - timedelta(days=30)), end=epoch(T0 - timedelta(days=29))
    )
    assert empty.json() == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {"a", "b", "c"}),
        ({"tagIds": ["vip"]}, {"a"}),
        ({"tagIds": ["vip", "billing"]}, {"a", "b"}),
        ({"teamIds": ["sales"]}, {"b"}),
        ({"teammateIds": ["MEMBER"]}, {"c"}),
        ({"customerIds": ["CLIENT"]}, {"a", "c"}),
        ({"customerIds": ["CLIENT"], "tagIds": ["vip"]}, {"a"}),
        ({"tagIds": ["nothing"]}, set()),
        ({"tagIds": [], "teamIds": None}, {"a", "b", "c"}),
    ],
)
async def test_filters(app, client, account, factory, filters, expected):
    member = await factory.member(account.org, role="member")
    client_id = await make_client(app, account.org, "Client Co")
    made = {
        "a": await make_draft(app, account, T0 + timedelta(hours=1), add_shared_labels=["vip"], team="support", client_id=client_id),
        "b": await make_draft(app, account, T0 + timedelta(hours=2), add_shared_labels=["billing"], team="sales"),
        "c": await make_draft(app, account, T0 + timedelta(hours=3), user_id=member.id, client_id=client_id),
    }  # fmt: skip
    names = {conversation: name for name, (_, conversation) in made.items()}
    substitute = {"MEMBER": member.id, "CLIENT": client_id}
    body = {
        key: [substitute.get(v, v) for v in values] if values else values for key, values in filters.items()
    }
    _, download = await finished(app, client, account, **body)
    assert {names[row["conversationId"]] for row in download.json()} == expected


async def test_xlsx_opens_with_typed_cells_in_the_timezone(app, client, account):
    await make_draft(
        app, account, T0 + timedelta(hours=10, minutes=30), subject="Hello", add_shared_labels=["a", "b"]
    )
    result, download = await finished(app, client, account, resultFormat="Xlsx", timezone="Europe/Paris")
    assert result["resultFormat"] == "Xlsx"
    assert (
        download.headers["content-type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert download.headers["content-disposition"].endswith('.xlsx"')
    workbook = load_workbook(io.BytesIO(download.content))
    assert workbook.sheetnames == ["Conversations", "Export"]
    rows = list(workbook["Conversations"].iter_rows(values_only=True))
    assert list(rows[0]) == [column.key for column in sources.COLUMNS]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["createdAt"] == datetime(2026, 3, 1, 11, 30)  # 10:30 UTC is 11:30 in Paris in March
    assert workbook["Conversations"].cell(row=2, column=7).is_date
    assert row["subject"] == "Hello" and row["tagIds"] == "a, b" and row["closedAt"] is None
    assert row["messagesOut"] == 0 and isinstance(row["messagesOut"], int)
    about = dict(workbook["Export"].iter_rows(values_only=True))
    assert about["timezone"] == "Europe/Paris" and about["rows"] == 1
    assert about["start"] == datetime(2026, 3, 1, 1, 0)


async def test_json_times_carry_the_timezone_offset(app, client, account):
    await make_draft(app, account, T0 + timedelta(hours=15))
    _, download = await finished(app, client, account, timezone="America/New_York", resultFormat="json")
    assert download.json()[0]["createdAt"] == "2026-03-01T10:00:00.000-05:00"


async def test_a_failing_export_ends_failed_with_the_error(app, client, account, monkeypatch):
    monkeypatch.setitem(
        registry.kinds,
        export_service.BUILD_JOB,
        dataclasses.replace(registry.kinds[export_service.BUILD_JOB], backoff_s=0),
    )

    @sources.conversation_source("broken")
    async def broken(session, query):
        raise RuntimeError("the feedback store is unreachable")
        yield  # pragma: no cover

    try:
        created = await start_export(client, account)
        assert await run_jobs(app) == 3  # three tries
    finally:
        sources.unregister_source("broken")
    result = await poll(client, account, created["id"])
    assert result == {**result, "status": "Failed", "url": None}
    assert result["error"] == "RuntimeError: the feedback store is unreachable"


async def test_the_link_expires_with_the_export(app, client, account, settings):
    await make_draft(app, account, T0 + timedelta(hours=1))
    result, _ = await finished(app, client, account)
    file = settings.exports_dir / f"{result['id']}.json"
    assert file.exists()
    later = utcnow() + timedelta(seconds=settings.report_export_ttl_s + 5)
    with time_machine.travel(later, tick=True):
        expired = await poll(client, account, result["id"])
        assert expired["status"] == "Expired" and expired["url"] is None
        gone = await client.get(result["url"])
        assert gone.status_code == 410
        assert gone.json() == {"error": "This download link has expired", "code": "link_expired"}
        assert await run_jobs(app) == 1  # the cleanup job, due at expiry
    assert not file.exists()
    async with app.state.database.read() as session:
        stored = await session.get(ReportExport, result["id"])
        assert stored.status == "Expired" and stored.file_name is None
    assert (await poll(client, account, result["id"]))["status"] == "Expired"


async def test_a_tampered_link_is_refused(app, client, account, settings):
    await make_draft(app, account, T0 + timedelta(hours=1))
    result, _ = await finished(app, client, account)
    other, _ = await finished(app, client, account)
    url = result["url"]
    base, query = url.split("?")
    expires = int(query.split("expires=")[1].split("&")[0])
    signature = query.split("signature=")[1]
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    for bad in (
        f"{base}?expires={expires}&signature={flipped}",
        f"{base}?expires={expires + 3600}&signature={signature}",  # a longer life
        f"{base.replace(result['id'], other['id'])}?expires={expires}&signature={signature}",  # another export
        f"{base}?expires={expires}",
        f"{base}?signature={signature}",
        f"{base}?expires=soon&signature={signature}",
    ):
        response = await client.get(bad)
        assert response.status_code == 403, bad
        assert response.json() == {"error": "Invalid download link", "code": "invalid_signature"}
    # an old, tampered link is still reported as tampered
    with time_machine.travel(utcnow() + timedelta(days=30), tick=True):
        assert (await client.get(f"{base}?expires={expires}&signature={flipped}")).status_code == 403
    # a valid link whose file has gone
    (settings.exports_dir / f"{result['id']}.json").unlink()
    gone = await client.get(url)
    assert gone.status_code == 410 and gone.json()["code"] == "export_gone"


async def test_a_crashed_export_is_finished_by_another_runner(app, client, account):
    await make_draft(app, account, T0 + timedelta(hours=1))
    created = await start_export(client, account)
    # a server claimed the export's job and died mid-way: its lease ran out
    async with app.state.database.write() as session:
        claimed = await store.claim(session, [export_service.BUILD_JOB], "crashed-server", utcnow(), 60)
        await session.execute(
            update(Job).where(Job.id == claimed.id).values(locked_until=utcnow() - timedelta(seconds=1))
        )
    assert (await poll(client, account, created["id"]))["status"] == "Processing"
    assert await run_jobs(app) == 1
    result = await poll(client, account, created["id"])
    assert result["status"] == "Completed" and result["rowCount"] == 1


async def test_an_export_never_stays_processing(app, client, account, settings):
    created = await start_export(client, account)
    # nothing runs it (every worker is down) for longer than the maximum age
    with time_machine.travel(utcnow() + timedelta(seconds=settings.report_export_max_age_s + 60), tick=True):
        result = await poll(client, account, created["id"])
        assert result["status"] == "Failed" and result["url"] is None
        assert (
            result["error"]
            == f"The export did not finish within {settings.report_export_max_age_s // 60} minutes"
        )
        assert await run_jobs(app) == 1  # when a worker comes back, the job gives up rather than build it
    async with app.state.database.read() as session:
        stored = await session.get(ReportExport, created["id"])
        assert stored.status == "Failed" and stored.file_name is None


async def test_an_abandoned_export_on_its_last_try_is_failed(app, client, account):
    created = await start_export(client, account)
    async with app.state.database.write() as session:
        claimed = await store.claim(session, [export_service.BUILD_JOB], "crashed-server", utcnow(), 60)
        await session.execute(
            update(Job)
            .where(Job.id == claimed.id)
            .values(locked_until=utcnow() - timedelta(seconds=1), attempts=claimed.max_attempts)
        )
    assert await run_jobs(app) == 0
    result = await poll(client, account, created["id"])
    assert result["status"] == "Failed" and "stopped before it finished" in result["error"]


# -- validation and rules ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"start": 100, "end": 100}, 400, "end must be after start"),
        ({"start": 200, "end": 100}, 400, "end must be after start"),
        ({"end": 100}, 400, "Invalid 'start': Field required"),
        ({"start": 100}, 400, "Invalid 'end': Field required"),
        ({"start": -1, "end": 100}, 400, "Invalid 'start': Input should be greater than or equal to 0"),
        ({"start": 0, "end": 10**13}, 400, "end is out of range (epoch seconds)"),
        ({"start": "yesterday", "end": 100}, 400, None),
        ({"start": 0, "end": 100, "timezone": "Mars/Olympus"}, 400,
         "Unknown timezone 'Mars/Olympus': use an IANA name such as Europe/Paris or America/New_York"),
        ({"start": 0, "end": 100, "timezone": "../../etc/passwd"}, 400, None),
        ({"start": 0, "end": 100, "resultFormat": "Csv"}, 400, "Invalid 'resultFormat': Input should be 'Json' or 'Xlsx'"),
        ({"start": 0, "end": 100, "tagIds": "vip"}, 400, None),
    ],
)  # fmt: skip
async def test_invalid_export_requests(client, account, body, status, message):
    response = await client.post(EXPORT, json=body, headers=account.headers)
    assert response.status_code == status, response.text
    if message:
        assert response.json()["error"] == message


async def test_export_needs_the_json_content_type(client, account):
    response = await client.post(EXPORT, content='{"start": 0, "end": 100}', headers=account.headers)
    assert response.status_code == 415
    assert response.json()["error"] == "Content-Type must be application/json"


async def test_exports_of_another_organisation_are_not_found(app, client, account, other_account):
    created = await start_export(client, account)
    response = await client.get(f"/api/v1/report/exports/{created['id']}", headers=other_account.headers)
    assert response.status_code == 404
    assert response.json() == {"error": "Export not found", "code": "export_not_found"}
    assert (await client.get("/api/v1/report/exports/nope", headers=account.headers)).status_code == 404


async def test_export_auth_rules(client, factory):
    body = {"start": 0, "end": 100}
    reader = await factory.account(preset="read-all")
    response = await client.post(EXPORT, json=body, headers=reader.headers)
    assert response.status_code == 403 and response.json()["missing"] == ["write:report"]
    starter = await factory.account(plan="starter")
    response = await client.post(EXPORT, json=body, headers=starter.headers)
    assert response.status_code == 403
    assert response.json()["error"] == "The API requires a workspace on a paid plan"
    assert (await client.post(EXPORT, json=body)).status_code == 401
    writer = await factory.account(scopes=["write:report"])
    created = await client.post(EXPORT, json=body, headers=writer.headers)
    assert created.status_code == 200
    polled = await client.get(f"/api/v1/report/exports/{created.json()['id']}", headers=writer.headers)
    assert polled.status_code == 403 and polled.json()["missing"] == ["read:report"]


async def test_impersonation_on_exports(app, client, factory, account):
    member = await factory.member(account.org, role="member")
    response = await client.post(
        EXPORT, json={"start": 0, "end": 100}, headers={**account.headers, "X-Impersonate-User": member.email}
    )
    assert response.status_code == 200
    async with app.state.database.read() as session:
        assert (await session.get(ReportExport, response.json()["id"])).requested_by == member.id
    caller = await factory.account(org=account.org, role="member")
    refused = await client.post(
        EXPORT,
        json={"start": 0, "end": 100},
        headers={**caller.headers, "X-Impersonate-User": account.user.id},
    )
    assert refused.status_code == 403 and refused.json()["code"] == "impersonation_forbidden"
