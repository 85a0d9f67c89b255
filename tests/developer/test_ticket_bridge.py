"""POST /api/v1/tickets/{id}/issue: a ticket sent to the engine as an issue, and the status sync back."""

import pytest

from tests.developer.conftest import Dev, assert_error

TICKETS = "/api/v1/tickets"


@pytest.fixture
async def site(dev):
    return await dev.project(name="Marketing Site")


@pytest.fixture
async def item(dev, site):
    return await dev.feedback(
        site["id"],
        title="Checkout button does nothing",
        description="Clicking Pay on the checkout page does nothing on Firefox.",
        type="bug",
        reporter_email="jane@client.example",
    )


async def make_ticket(dev: Dev, feedback_id: str, **patch) -> dict:
    response = await dev.post(
        f"{TICKETS}/generate", {"source_type": "feedback", "source_id": feedback_id}, expect=201
    )
    ticket = response.json()["data"]
    if patch:
        await dev.patch(f"{TICKETS}/{ticket['id']}", patch, expect=200)
    return (await dev.get(f"{TICKETS}/{ticket['id']}", expect=200)).json()["data"]


async def send(dev: Dev, ticket_id: str, expect: int = 201) -> dict:
    return (await dev.post(f"{TICKETS}/{ticket_id}/issue", expect=expect)).json()["data"]


async def engine_issue(dev: Dev, issue_id: str) -> dict:
    return (await dev.get(f"/api/issues/{issue_id}", expect=200)).json()["data"]


async def move(dev: Dev, issue_id: str, status: str, **fields) -> None:
    await dev.patch(f"/api/issues/{issue_id}", {"status": status, **fields}, expect=200)


async def test_send_creates_a_linked_task_issue(dev, site, item):
    ticket = await make_ticket(dev, item["id"], priority="high", labels=["bug", "checkout"])
    link = await send(dev, ticket["id"])
    assert link["ticket_id"] == ticket["id"] and link["type"] == "task" and link["status"] == "todo"
    assert link["priority"] == 2 and link["project_id"] == site["id"]
    assert link["labels"] == ["bug", "checkout"] and link["url"] == f"/api/issues/{link['id']}"

    issue = await engine_issue(dev, link["id"])
    assert issue["title"] == ticket["title"] and issue["type"] == "task" and issue["status"] == "todo"
    assert issue["description"].startswith(ticket["description"].rstrip())
    assert "## Acceptance Criteria" in issue["description"]
    assert f"Sent from Loop ticket `{ticket['id']}`" in issue["description"]
    assert issue["signalSource"] == "loop-ticket"
    assert issue["signalPayload"]["ticketId"] == ticket["id"]
    assert issue["signalPayload"]["feedbackId"] == item["id"]
    assert sorted(label["name"] for label in issue["labels"]) == ["bug", "checkout"]

    again = (await dev.get(f"{TICKETS}/{ticket['id']}", expect=200)).json()["data"]
    assert again["issue_id"] == link["id"]
    # Existing labels are reused, not duplicated.
    all_labels = (await dev.get("/api/labels", expect=200)).json()["data"]
    assert sorted(label["name"] for label in all_labels) == ["bug", "checkout"]


@pytest.mark.parametrize(("priority", "engine"), [("critical", 1), ("high", 2), ("medium", 3), ("low", 4)])
async def test_priority_mapping(dev, item, priority, engine):
    ticket = await make_ticket(dev, item["id"], priority=priority)
    assert (await send(dev, ticket["id"]))["priority"] == engine


async def test_sending_twice_returns_the_same_issue(dev, item):
    ticket = await make_ticket(dev, item["id"])
    first = await send(dev, ticket["id"], 201)
    second = await send(dev, ticket["id"], 200)
    assert second["id"] == first["id"] and second["number"] == first["number"]
    issues = (await dev.get("/api/issues?type=task", expect=200)).json()
    assert issues["total"] == 1


async def test_a_deleted_issue_is_replaced_on_the_next_send(dev, item):
    ticket = await make_ticket(dev, item["id"])
    first = await send(dev, ticket["id"])
    await dev.delete(f"/api/issues/{first['id']}", expect=204)
    second = await send(dev, ticket["id"], 201)
    assert second["id"] != first["id"]
    assert (await dev.get(f"{TICKETS}/{ticket['id']}")).json()["data"]["issue_id"] == second["id"]


async def test_unknown_and_other_organisations_tickets_are_404(dev, other, item):
    assert_error(await dev.post(f"{TICKETS}/nope/issue"), 404, "Ticket not found")
    ticket = await make_ticket(dev, item["id"])
    assert_error(await other.post(f"{TICKETS}/{ticket['id']}/issue"), 404, "Ticket not found")
    assert (await dev.get(f"{TICKETS}/{ticket['id']}")).json()["data"]["issue_id"] is None
    assert (await other.get("/api/issues", expect=200)).json()["total"] == 0


async def test_needs_ticket_and_issue_write_scopes(dev, factory, client, item):
    ticket = await make_ticket(dev, item["id"])
    ticket_only = await factory.account(org=dev.account.org, preset="restricted", scopes=["write:ticket"])
    response = await client.post(f"{TICKETS}/{ticket['id']}/issue", headers=ticket_only.headers)
    assert response.status_code == 403
    assert response.json()["missing"] == ["write:issue"]
    reader = await factory.account(org=dev.account.org, preset="read-all")
    response = await client.post(f"{TICKETS}/{ticket['id']}/issue", headers=reader.headers)
    assert response.status_code == 403
    assert (await dev.get(f"{TICKETS}/{ticket['id']}")).json()["data"]["issue_id"] is None


async def test_status_follows_the_issue(dev, item):
    ticket = await make_ticket(dev, item["id"])
    issue = await send(dev, ticket["id"])

    async def state():
        t = (await dev.get(f"{TICKETS}/{ticket['id']}", expect=200)).json()["data"]
        f = (await dev.get(f"/api/v1/feedback/{item['id']}", expect=200)).json()["data"]
        return t["status"], f["status"]

    assert await state() == ("open", "new")
    await move(dev, issue["id"], "in_progress")
    assert await state() == ("in_progress", "in_progress")
    await move(dev, issue["id"], "done", agentSummary="Bound the Pay button's click handler on Firefox.")
    assert await state() == ("done", "review")
    comments = (await dev.get(f"/api/v1/feedback/{item['id']}/comments", expect=200)).json()["data"]
    assert len(comments) == 1 and comments[0]["is_internal"] is True
    assert comments[0]["author_name"] == "Loop engine"
    assert "is done: Bound the Pay button" in comments[0]["body"]

    # A change that leaves the status alone changes nothing else.
    await dev.patch(f"/api/issues/{issue['id']}", {"title": "Renamed"}, expect=200)
    assert await state() == ("done", "review")
    # Reopened: the ticket goes back to open; the feedback item stays where it is.
    await move(dev, issue["id"], "todo")
    assert await state() == ("open", "review")


async def test_cancel_closes_the_ticket_and_notes_it_on_the_feedback(dev, item):
    ticket = await make_ticket(dev, item["id"])
    issue = await send(dev, ticket["id"])
    await move(dev, issue["id"], "canceled")
    t = (await dev.get(f"{TICKETS}/{ticket['id']}")).json()["data"]
    f = (await dev.get(f"/api/v1/feedback/{item['id']}")).json()["data"]
    assert t["status"] == "done" and f["status"] == "new"
    comments = (await dev.get(f"/api/v1/feedback/{item['id']}/comments")).json()["data"]
    assert [c["body"] for c in comments] == [
        f"Engine issue #{issue['number']} was canceled; this item was not changed."
    ]


async def test_card_tickets_follow_too(dev):
    _, lists = await dev.board()
    card = await dev.card(lists[0]["id"], title="Add a newsletter form", description="In the footer.")
    ticket = (
        await dev.post(
            f"{TICKETS}/generate", {"source_type": "board_card", "source_id": card["id"]}, expect=201
        )
    ).json()["data"]
    issue = await send(dev, ticket["id"])
    assert issue["project_id"] is not None
    await move(dev, issue["id"], "in_progress")
    assert (await dev.get(f"{TICKETS}/{ticket['id']}")).json()["data"]["status"] == "in_progress"


async def test_a_refused_status_change_leaves_the_ticket_alone(dev, item):
    ticket = await make_ticket(dev, item["id"])
    issue = await send(dev, ticket["id"])
    response = await dev.patch(f"/api/issues/{issue['id']}", {"status": "in_progress", "priority": 9})
    assert response.status_code == 400
    t = (await dev.get(f"{TICKETS}/{ticket['id']}")).json()["data"]
    assert t["status"] == "open"


async def test_issues_without_a_ticket_are_unaffected(dev, item):
    ticket = await make_ticket(dev, item["id"])
    plain = (await dev.post("/api/issues", {"title": "Plain", "type": "task"}, expect=201)).json()["data"]
    await move(dev, plain["id"], "done")
    assert (await dev.get(f"{TICKETS}/{ticket['id']}")).json()["data"]["status"] == "open"
    assert (await dev.get(f"/api/v1/feedback/{item['id']}")).json()["data"]["status"] == "new"


async def test_the_feedback_item_follows_its_ticket_too(dev, item):
    ticket = await make_ticket(dev, item["id"])

    async def feedback_status():
        return (await dev.get(f"/api/v1/feedback/{item['id']}")).json()["data"]["status"]

    await dev.patch(f"{TICKETS}/{ticket['id']}", {"status": "in_progress"}, expect=200)
    assert await feedback_status() == "in_progress"
    await dev.patch(f"{TICKETS}/{ticket['id']}", {"status": "done"}, expect=200)
    assert await feedback_status() == "review"
    # the client confirmed: a person sets done; reopening the ticket leaves the item alone
    await dev.patch(f"/api/v1/feedback/{item['id']}", {"status": "done"}, expect=200)
    await dev.patch(f"{TICKETS}/{ticket['id']}", {"status": "open"}, expect=200)
    assert await feedback_status() == "done"
    # a refused change moves nothing
    response = await dev.patch(f"{TICKETS}/{ticket['id']}", {"status": "in_progress", "priority": "urgent"})
    assert response.status_code == 400
    assert await feedback_status() == "done"


async def test_an_agent_claim_and_release_move_the_ticket(dev, item):
    ticket = await make_ticket(dev, item["id"])
    link = await send(dev, ticket["id"])
    claimed = (await dev.post("/api/dispatch/claim", expect=200)).json()
    assert claimed["issue"]["id"] == link["id"]
    after_claim = (await dev.get(f"{TICKETS}/{ticket['id']}", expect=200)).json()["data"]
    assert after_claim["status"] == "in_progress"
    feedback = (await dev.get(f"/api/v1/feedback/{item['id']}", expect=200)).json()["data"]
    assert feedback["status"] == "in_progress"

    await dev.post(f"/api/dispatch/{link['id']}/release", expect=200)
    assert (await engine_issue(dev, link["id"]))["status"] == "todo"
    after_release = (await dev.get(f"{TICKETS}/{ticket['id']}", expect=200)).json()["data"]
    assert after_release["status"] == "open"
