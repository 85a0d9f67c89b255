"""Issues pages: list with filters and pagination, detail, create, edit, comment; other orgs' ids are 404."""

from __future__ import annotations

import re

from tests.web.helpers import signed_in


async def _issue(client, account, **fields):
    body = {"title": "An issue", "type": "task", **fields}
    response = await client.post("/api/issues", headers=account.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


async def test_list_paginates_with_totals(app, client, account):
    csrf = await signed_in(app, client, account)
    assert csrf
    for n in range(55):
        await _issue(client, account, title=f"Issue {n:02d}", status="todo" if n % 2 else "triage")
    first = await client.get("/app/issues")
    assert first.status_code == 200
    assert "Showing 1–50 of 55 issues · page 1 of 2" in first.text
    assert "Issue 54" in first.text and "Issue 04" not in first.text
    assert 'href="/app/issues?page=2" rel="next"' in first.text or "page=2" in first.text
    second = await client.get("/app/issues?page=2")
    assert "Showing 51–55 of 55 issues · page 2 of 2" in second.text
    assert "Issue 00" in second.text

    todo = await client.get("/app/issues?status=todo&q=Issue 1")
    assert "of 5 issues" in todo.text  # 11, 13, 15, 17, 19
    assert re.search(r"page=2[^\"]*", (await client.get("/app/issues?status=todo")).text) is None


async def test_bad_filter_is_a_clear_400(app, client, account):
    await signed_in(app, client, account)
    response = await client.get("/app/issues?status=nope")
    assert response.status_code == 400
    assert "unknown value" in response.text
    assert (await client.get("/app/issues?page=0")).status_code == 400


async def test_create_edit_comment(app, client, account):
    csrf = await signed_in(app, client, account)
    label = await client.post(
        "/api/labels", headers=account.headers, json={"name": "bug", "color": "#ff0000"}
    )
    label_id = label.json()["data"]["id"]
    form = await client.get("/app/issues/new")
    assert form.status_code == 200 and "bug" in form.text

    created = await client.post(
        "/app/issues",
        data={"csrf_token": csrf, "title": "Checkout fails", "description": "On Safari", "type": "task",
              "status": "todo", "priority": "2", "label_ids": [label_id]},
    )  # fmt: skip
    assert created.status_code == 303
    issue_id = created.headers["location"].rsplit("/", 1)[1]
    api = (await client.get(f"/api/issues/{issue_id}", headers=account.headers)).json()["data"]
    assert api["title"] == "Checkout fails" and api["status"] == "todo" and api["priority"] == 2
    assert [label["name"] for label in api["labels"]] == ["bug"]

    edited = await client.post(
        f"/app/issues/{issue_id}",
        data={"csrf_token": csrf, "title": "Checkout fails on Safari", "type": "task", "status": "in_progress",
              "priority": "1"},
    )  # fmt: skip
    assert edited.status_code == 303
    api = (await client.get(f"/api/issues/{issue_id}", headers=account.headers)).json()["data"]
    assert (
        api["title"] == "Checkout fails on Safari" and api["status"] == "in_progress" and api["labels"] == []
    )

    commented = await client.post(
        f"/app/issues/{issue_id}/comments", data={"csrf_token": csrf, "body": "Looking"}
    )
    assert commented.status_code == 303
    page = await client.get(f"/app/issues/{issue_id}")
    assert "Looking" in page.text and "Comments (1)" in page.text
    assert "Checkout fails on Safari" in page.text


async def test_detail_shows_family_relations_signal_and_agent_results(app, client, account):
    await signed_in(app, client, account)
    parent = await _issue(client, account, title="Parent work")
    child = await _issue(
        client, account, title="Child work", parentId=parent["id"], type="signal", signalSource="sentry",
        signalPayload={"error": "TypeError in cart.js"}, agentSummary="Fixed the null check",
        pullRequests=[{"number": 7, "url": "https://example.com/pr/7", "title": "Fix cart", "state": "merged"}],
        commits=[{"sha": "abcdef1234567", "message": "Guard null cart"}],
    )  # fmt: skip
    blocker = await _issue(client, account, title="Blocking work", status="todo")
    rel = await client.post(
        f"/api/issues/{blocker['id']}/relations",
        headers=account.headers,
        json={"type": "blocks", "relatedIssueId": child["id"]},
    )
    assert rel.status_code == 201, rel.text
    page = await client.get(f"/app/issues/{child['id']}")
    assert page.status_code == 200
    text = page.text
    assert "Parent work" in text and "Blocking work" in text and "blocked by" in text
    assert "TypeError in cart.js" in text and "sentry" in text
    assert "Fixed the null check" in text and "Fix cart" in text and "Guard null cart" in text
    parent_page = await client.get(f"/app/issues/{parent['id']}")
    assert "Child work" in parent_page.text and "Children (1)" in parent_page.text


async def test_bad_input_writes_nothing(app, client, account):
    csrf = await signed_in(app, client, account)
    for data in (
        {"title": "", "type": "task"},
        {"title": "x", "type": "bogus"},
        {"title": "x", "type": "task", "priority": "9"},
        {"title": "x", "type": "task", "parent_id": "missing-parent"},
    ):
        response = await client.post("/app/issues", data={"csrf_token": csrf, "status": "triage", **data})
        assert 400 <= response.status_code < 500, data
        assert 'class="alert"' in response.text
    listing = await client.get("/api/issues", headers=account.headers)
    assert listing.json()["total"] == 0
    assert (await client.post("/app/issues", data={"title": "x", "type": "task"})).status_code == 403


async def test_another_orgs_issue_is_404(app, client, account, other_account):
    csrf = await signed_in(app, client, account)
    theirs = await _issue(client, other_account, title="Secret")
    for response in (
        await client.get(f"/app/issues/{theirs['id']}"),
        await client.get(f"/app/issues/{theirs['id']}/edit"),
        await client.post(
            f"/app/issues/{theirs['id']}", data={"csrf_token": csrf, "title": "mine", "type": "task"}
        ),
        await client.post(f"/app/issues/{theirs['id']}/comments", data={"csrf_token": csrf, "body": "hi"}),
    ):
        assert response.status_code == 404
        assert "Secret" not in response.text
    assert "Secret" not in (await client.get("/app/issues")).text
    api = (await client.get(f"/api/issues/{theirs['id']}", headers=other_account.headers)).json()["data"]
    assert api["title"] == "Secret" and api["commentCount"] == 0
