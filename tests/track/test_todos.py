"""Todos: filters, the completed extras, due dates with offsets, recurrence."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from loop.track.recurrence import next_due
from tests.track.util import key, log

TODOS = "/v1/track/todos"


async def _todo(client, account, **body):
    body.setdefault("title", "Write the report")
    response = await client.post(TODOS, json=body, headers=key(account))
    assert response.status_code == 201, response.text
    return response.json()["todo"]


async def test_create_and_get(client, account):
    tag = (await client.post("/v1/track/tags", json={"title": "ops"}, headers=key(account))).json()["tag"]
    response = await client.post(
        TODOS,
        json={
            "title": "Renew the certificate",
            "description": "Before it expires",
            "priority": "P1",
            "dueDate": "2026-05-04T09:00:00+02:00",
            "tagIds": [tag["id"]],
        },
        headers=key(account),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True and body["data"] == "Todo added"
    todo = body["todo"]
    assert todo["dueDate"] == "2026-05-04T07:00:00.000Z"
    assert todo["priority"] == "P1" and todo["completed"] is False and todo["userId"] == account.user.id
    assert todo["tagIds"] == [tag["id"]] and todo["tags"] == [tag]
    assert (await client.get(f"{TODOS}/{todo['id']}", headers=key(account))).json() == todo


@pytest.mark.parametrize(
    "body",
    [
        {"title": "x", "dueDate": "2026-05-04T09:00:00"},
        {"title": "x", "dueDate": "2026-05-04"},
        {"title": "x", "priority": "P5"},
        {"title": ""},
        {"title": "x", "description": "d" * 2001},
        {"title": "x", "recurrence": {"freq": "HOURLY"}},
        {"title": "x", "recurrence": {"freq": "DAILY", "weekdays": [1]}},
        {"title": "x", "recurrence": {"freq": "WEEKLY", "weekdays": [7]}},
        {"title": "x", "recurrence": {"freq": "WEEKLY", "interval": 0}},
        {"title": "x", "tagIds": ["nope"]},
    ],
)
async def test_invalid_todos(client, account, body):
    response = await client.post(TODOS, json=body, headers=key(account))
    assert response.status_code == 400


async def test_a_due_date_needs_an_offset(client, account):
    response = await client.post(
        TODOS, json={"title": "x", "dueDate": "2026-05-04T09:00:00"}, headers=key(account)
    )
    assert response.json()["error"].startswith("dueDate must include a timezone offset")


async def test_filters_and_the_completed_extras(client, account):
    open_one = await _todo(client, account, title="open")
    done = [await _todo(client, account, title=f"done {n}", completed=True) for n in range(3)]
    await log(client, account, todoId=done[0]["id"])

    async def get(**params):
        response = await client.get(TODOS, params=params, headers=key(account))
        assert response.status_code == 200
        return response.json()

    assert {t["id"] for t in await get()} == {open_one["id"], *(d["id"] for d in done)}
    assert [t["id"] for t in await get(filter="active")] == [open_one["id"]]
    assert {t["id"] for t in await get(filter="completed")} == {d["id"] for d in done}
    assert await get(filter="completed", count="true") == {"total": 3}
    assert {t["id"] for t in await get(filter="completed", unlogged="true")} == {done[1]["id"], done[2]["id"]}
    assert await get(filter="completed", unlogged="true", count="true") == {"total": 2}
    page = await get(filter="completed", limit=2)
    assert set(page) == {"items", "total", "nextOffset"}
    assert len(page["items"]) == 2 and page["total"] == 3 and page["nextOffset"] == 2
    last = await get(filter="completed", limit=2, offset=2)
    assert len(last["items"]) == 1 and last["nextOffset"] is None
    bad = await client.get(TODOS, params={"filter": "someday"}, headers=key(account))
    assert bad.status_code == 400 and bad.json()["allowed"] == ["all", "active", "completed"]


async def test_todos_are_personal(client, account, factory):
    member = await factory.account(org=account.org, role="member")
    mine = await _todo(client, member)
    owners = await _todo(client, account)
    assert [t["id"] for t in (await client.get(TODOS, headers=key(member))).json()] == [mine["id"]]
    hidden = await client.get(f"{TODOS}/{owners['id']}", headers=key(member))
    assert hidden.status_code == 404 and hidden.json()["error"] == "Todo not found"
    assert (await client.get(f"{TODOS}/{mine['id']}", headers=key(account))).status_code == 200
    theirs = (await client.get(TODOS, params={"userId": member.user.id}, headers=key(account))).json()
    assert [t["id"] for t in theirs] == [mine["id"]]
    assert (
        await client.get(TODOS, params={"userId": account.user.id}, headers=key(member))
    ).status_code == 403


async def test_patch_and_delete_by_path_and_by_body(client, account):
    todo = await _todo(client, account)
    by_path = await client.patch(f"{TODOS}/{todo['id']}", json={"priority": "P2"}, headers=key(account))
    assert by_path.status_code == 200
    assert by_path.json()["data"] == "Update Successful" and by_path.json()["todo"]["priority"] == "P2"
    by_body = await client.patch(TODOS, json={"todoId": todo["id"], "title": "Renamed"}, headers=key(account))
    assert by_body.status_code == 200 and by_body.json()["todo"]["title"] == "Renamed"
    assert "nextOccurrence" not in by_body.json()
    no_id = await client.patch(TODOS, json={"title": "x"}, headers=key(account))
    assert no_id.status_code == 400 and no_id.json()["error"] == "todoId is required"

    completed = await client.patch(f"{TODOS}/{todo['id']}", json={"completed": True}, headers=key(account))
    assert completed.json()["todo"]["completed"] is True and completed.json()["todo"]["completedAt"]
    reopened = await client.patch(f"{TODOS}/{todo['id']}", json={"completed": False}, headers=key(account))
    assert reopened.json()["todo"]["completedAt"] is None

    deleted = await client.request("DELETE", TODOS, json={"todoId": todo["id"]}, headers=key(account))
    assert deleted.status_code == 200 and deleted.json() == {"success": True, "data": "Todo deleted"}
    assert (await client.delete(f"{TODOS}/{todo['id']}", headers=key(account))).status_code == 404
    other = await _todo(client, account)
    assert (
        await client.delete(TODOS, params={"todoId": other["id"]}, headers=key(account))
    ).status_code == 200


async def test_completing_a_recurring_todo_spawns_the_next_occurrence(client, account):
    tag = (await client.post("/v1/track/tags", json={"title": "ops"}, headers=key(account))).json()["tag"]
    # Monday 4 May 2026, 09:00 in UTC+2; repeats on Mondays and Fridays
    todo = await _todo(
        client,
        account,
        title="Backups",
        dueDate="2026-05-04T09:00:00+02:00",
        tagIds=[tag["id"]],
        recurrence={"freq": "WEEKLY", "interval": 1, "weekdays": [5, 1]},
    )
    assert todo["recurrence"] == {"freq": "WEEKLY", "interval": 1, "weekdays": [1, 5]}
    response = await client.patch(f"{TODOS}/{todo['id']}", json={"completed": True}, headers=key(account))
    assert response.status_code == 200
    body = response.json()
    assert body["todo"]["completed"] is True
    following = body["nextOccurrence"]
    assert following["id"] != todo["id"] and following["completed"] is False
    assert following["dueDate"] == "2026-05-08T07:00:00.000Z"  # Friday, 09:00 UTC+2
    assert following["title"] == "Backups" and following["tagIds"] == [tag["id"]]
    assert following["recurrence"] == todo["recurrence"]

    # completing again (after reopening) does not spawn a second occurrence
    await client.patch(f"{TODOS}/{todo['id']}", json={"completed": False}, headers=key(account))
    again = (
        await client.patch(f"{TODOS}/{todo['id']}", json={"completed": True}, headers=key(account))
    ).json()
    assert "nextOccurrence" not in again
    active = (await client.get(TODOS, params={"filter": "active"}, headers=key(account))).json()
    assert [t["id"] for t in active] == [following["id"]]


PLUS2 = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("due", "rule", "expected"),
    [
        (
            datetime(2026, 5, 4, 9, tzinfo=PLUS2),
            {"freq": "DAILY", "interval": 3},
            datetime(2026, 5, 7, 9, tzinfo=PLUS2),
        ),
        (datetime(2026, 5, 4, 9, tzinfo=PLUS2), {"freq": "WEEKLY"}, datetime(2026, 5, 11, 9, tzinfo=PLUS2)),
        # every other week on Monday: skips the following week
        (
            datetime(2026, 5, 4, 9, tzinfo=PLUS2),
            {"freq": "WEEKLY", "interval": 2, "weekdays": [1]},
            datetime(2026, 5, 18, 9, tzinfo=PLUS2),
        ),
        # Friday, every other week on Monday and Friday: the Monday of the week after next
        (
            datetime(2026, 5, 8, 9, tzinfo=PLUS2),
            {"freq": "WEEKLY", "interval": 2, "weekdays": [1, 5]},
            datetime(2026, 5, 18, 9, tzinfo=PLUS2),
        ),
        # Saturday → Sunday (0) is the start of the next week
        (
            datetime(2026, 5, 9, 9, tzinfo=PLUS2),
            {"freq": "WEEKLY", "weekdays": [0, 6]},
            datetime(2026, 5, 10, 9, tzinfo=PLUS2),
        ),
        (datetime(2026, 1, 31, 9, tzinfo=PLUS2), {"freq": "MONTHLY"}, datetime(2026, 2, 28, 9, tzinfo=PLUS2)),
        (
            datetime(2026, 11, 15, 9, tzinfo=PLUS2),
            {"freq": "MONTHLY", "interval": 3},
            datetime(2027, 2, 15, 9, tzinfo=PLUS2),
        ),
        (datetime(2028, 2, 29, 9, tzinfo=PLUS2), {"freq": "YEARLY"}, datetime(2029, 2, 28, 9, tzinfo=PLUS2)),
        # 01:00 on Monday in UTC+2 is still Sunday in UTC: weekdays follow the offset the date was given in
        (
            datetime(2026, 5, 4, 1, tzinfo=PLUS2),
            {"freq": "WEEKLY", "weekdays": [1]},
            datetime(2026, 5, 11, 1, tzinfo=PLUS2),
        ),
    ],
)
def test_next_due(due, rule, expected):
    result = next_due(due.astimezone(UTC), 120, rule)
    assert result == expected and result.tzinfo is not None
