"""Feedback items (with their comments) and tickets in report exports: rows, window and filters."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from loop.discussion.models import DiscussionComment
from loop.feedback.models import Feedback
from loop.inbox import sources
from loop.tickets.models import Ticket
from tests.inbox.conftest import run_jobs

EXPORT = "/api/v1/report/export"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def epoch(value):
    return int(value.timestamp())


def iso(value):
    return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")


async def export_rows(app, client, account, result_format="Json", **body):
    body.setdefault("start", epoch(T0))
    body.setdefault("end", epoch(T0 + timedelta(days=10)))
    created = await client.post(EXPORT, json={**body, "resultFormat": result_format}, headers=account.headers)
    assert created.status_code == 200, created.text
    await run_jobs(app)
    result = (
        await client.get(f"/api/v1/report/exports/{created.json()['id']}", headers=account.headers)
    ).json()
    assert result["status"] == "Completed", result
    download = await client.get(result["url"])
    assert download.status_code == 200
    return download


class World:
    """Feedback and tickets of two projects (one with a client) at known times."""

    def __init__(self, app, client, account):
        self.app, self.client, self.account = app, client, account

    async def post(self, path, body, headers=None):
        response = await self.client.post(path, json=body, headers=headers or self.account.headers)
        assert response.status_code == 201, response.text
        return response.json()["data"]

    async def at(self, model, row_id, when, **values):
        async with self.app.state.database.write() as session:
            await session.execute(
                update(model).where(model.id == row_id).values(created_at=when, updated_at=when, **values)
            )

    async def feedback(self, project_id, when, **fields):
        fields.setdefault("title", "Something is off")
        fields.setdefault("type", "bug")
        item = await self.post("/api/v1/feedback", {"project_id": project_id, **fields})
        await self.at(Feedback, item["id"], when)
        return item["id"]

    async def comment(self, feedback_id, when, body="Looking", headers=None, **fields):
        comment = await self.post(
            f"/api/v1/feedback/{feedback_id}/comments", {"body": body, **fields}, headers=headers
        )
        await self.at(DiscussionComment, comment["id"], when)
        return comment["id"]

    async def client_comment(self, feedback_id, when, body="Any news?"):
        """A comment left by the client (no member author), as the widget records them."""
        async with self.app.state.database.write() as session:
            session.add(
                DiscussionComment(
                    org_id=self.account.org.id, feedback_id=feedback_id, author_id=None,
                    author_name="Jane (client)", body=body, mentions=[], is_internal=False,
                    created_at=when, updated_at=when,
                )
            )  # fmt: skip

    async def make_ticket(self, feedback_id, when, status=None, **patch):
        # the status is set in the database: through the API the feedback item would follow it
        made = await self.post(
            "/api/v1/tickets/generate", {"source_type": "feedback", "source_id": feedback_id}
        )
        if patch:
            response = await self.client.patch(
                f"/api/v1/tickets/{made['id']}", json=patch, headers=self.account.headers
            )
            assert response.status_code == 200, response.text
        await self.at(Ticket, made["id"], when, **({"status": status} if status else {}))
        return made["id"]


@pytest.fixture
async def world(app, client, account, factory):
    w = World(app, client, account)
    w.member = await factory.member(account.org, role="developer", email="dev@studio.example")
    member_token, _ = await factory.token(account.org, w.member)
    w.member_headers = {"Authorization": f"Bearer {member_token}"}
    w.customer = await w.post("/api/v1/clients", {"name": "Globex"})
    w.site = await w.post(
        "/api/v1/projects",
        {"name": "Globex site", "url": "https://globex.example", "client_id": w.customer["id"]},
    )
    w.other_site = await w.post("/api/v1/projects", {"name": "Own site", "url": "https://studio.example"})
    w.bug = await w.feedback(
        w.site["id"], T0 + timedelta(hours=1), title="Checkout fails", reporter_email="jane@globex.example",
        reporter_name="Jane",
    )  # fmt: skip
    await w.comment(w.bug, T0 + timedelta(hours=2), body="Internal: repro on staging", is_internal=True)
    await w.comment(w.bug, T0 + timedelta(hours=3), body="We are on it", headers=w.member_headers)
    await w.client_comment(w.bug, T0 + timedelta(hours=4))
    w.idea = await w.feedback(w.other_site["id"], T0 + timedelta(days=2), title="Dark mode", type="feature")
    w.before = await w.feedback(w.site["id"], T0 - timedelta(seconds=1), title="Before the window")
    w.at_end = await w.feedback(w.site["id"], T0 + timedelta(days=10), title="At the end")
    w.ticket = await w.make_ticket(
        w.bug, T0 + timedelta(days=1), status="done", labels=["checkout", "bug"], assigned_to=w.member.id
    )
    w.late_ticket = await w.make_ticket(w.idea, T0 + timedelta(days=11))
    return w


async def test_feedback_and_ticket_rows(app, client, account, other_account, world):
    # another organisation's feedback in the window never shows
    other = World(app, client, other_account)
    site = await other.post("/api/v1/projects", {"name": "Theirs", "url": "https://theirs.example"})
    await other.feedback(site["id"], T0 + timedelta(hours=5))

    rows = (await export_rows(app, client, account)).json()
    assert [(r["source"], r["conversationId"]) for r in rows] == [
        ("feedback", world.bug),
        ("ticket", world.ticket),
        ("feedback", world.idea),
    ]
    bug, ticket, idea = rows
    assert list(bug) == [column.key for column in sources.COLUMNS]
    assert bug == {
        "conversationId": world.bug,
        "source": "feedback",
        "subject": "Checkout fails",
        "status": "new",
        "channel": "api",
        "teamId": world.site["id"],
        "createdAt": iso(T0 + timedelta(hours=1)),
        "lastActivityAt": iso(T0 + timedelta(hours=4)),
        "closedAt": None,
        "firstResponseAt": iso(T0 + timedelta(hours=3)),  # the internal note is not a response
        "firstResponseSeconds": 7200,
        "authorId": None,
        "authorEmail": None,
        "teammateIds": [account.user.id, world.member.id],
        "contacts": ["jane@globex.example"],
        "customerId": world.customer["id"],
        "customerName": "Globex",
        "tagIds": ["bug"],
        "messagesIn": 2,
        "messagesOut": 1,
        "drafts": 0,
    }
    assert ticket["subject"].startswith("Fix: Checkout fails") and ticket["status"] == "done"
    assert ticket["channel"] == "feedback" and ticket["teamId"] == world.site["id"]
    assert (
        ticket["createdAt"] == iso(T0 + timedelta(days=1)) and ticket["closedAt"] == ticket["lastActivityAt"]
    )
    assert ticket["authorId"] == account.user.id and ticket["authorEmail"] == account.user.email
    assert ticket["teammateIds"] == [account.user.id, world.member.id]
    assert ticket["contacts"] == ["jane@globex.example"]
    assert ticket["customerId"] == world.customer["id"] and ticket["tagIds"] == ["checkout", "bug"]
    assert idea["customerId"] is None and idea["tagIds"] == ["feature"] and idea["contacts"] == []
    assert idea["messagesIn"] == 1 and idea["firstResponseAt"] is None


async def test_a_reply_draft_counts_on_its_feedback_row(app, client, account, world):
    response = await client.post(f"/v1/drafts/from-feedback/{world.bug}", headers=account.headers)
    assert response.status_code == 201
    # the draft is created now, outside the fixture's window: the feedback row still counts it
    rows = (await export_rows(app, client, account)).json()
    assert next(r for r in rows if r["conversationId"] == world.bug)["drafts"] == 1


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"customerIds": ["CUSTOMER"]}, {"bug", "ticket"}),
        ({"teamIds": ["OTHER_SITE"]}, {"idea"}),
        ({"tagIds": ["feature"]}, {"idea"}),
        ({"tagIds": ["checkout"]}, {"ticket"}),
        ({"tagIds": ["bug"]}, {"bug", "ticket"}),
        ({"teammateIds": ["MEMBER"]}, {"bug", "ticket"}),
        ({"teammateIds": ["MEMBER"], "tagIds": ["checkout"]}, {"ticket"}),
        ({"customerIds": ["nobody"]}, set()),
    ],
)
async def test_filters(app, client, account, world, filters, expected):
    substitute = {
        "CUSTOMER": world.customer["id"],
        "OTHER_SITE": world.other_site["id"],
        "MEMBER": world.member.id,
    }
    names = {world.bug: "bug", world.ticket: "ticket", world.idea: "idea"}
    body = {key: [substitute.get(v, v) for v in values] for key, values in filters.items()}
    rows = (await export_rows(app, client, account, **body)).json()
    assert {names[r["conversationId"]] for r in rows} == expected


async def test_window_edges(app, client, account, world):
    rows = (
        await export_rows(
            app, client, account, start=epoch(T0 - timedelta(seconds=1)), end=epoch(T0 + timedelta(days=11))
        )
    ).json()
    ids = [r["conversationId"] for r in rows]
    assert world.before in ids and world.at_end in ids and world.late_ticket not in ids
    only_first_hour = (
        await export_rows(
            app, client, account, start=epoch(T0 + timedelta(hours=1)), end=epoch(T0 + timedelta(hours=2))
        )
    ).json()
    assert [r["conversationId"] for r in only_first_hour] == [world.bug]


async def test_xlsx_carries_the_rows(app, client, account, world):
    download = await export_rows(app, client, account, result_format="Xlsx")
    sheet = load_workbook(io.BytesIO(download.content)).active
    values = list(sheet.iter_rows(values_only=True))
    header, body = values[0], values[1:]
    source = header.index("source")
    assert [row[source] for row in body] == ["feedback", "ticket", "feedback"]
    assert body[0][header.index("customerName")] == "Globex"
