"""Dashboard API: stats, activity chains, prompt health."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from loop.core.clock import utcnow
from tests.dispatch.helpers import block, claim, make_issue, set_status, template_by_slug


async def test_stats_counts_the_dispatchable_queue(client, account, other_account):
    empty = (await client.get("/api/dashboard/stats", headers=account.headers)).json()["data"]
    assert empty == {
        "issues": {"total": 0, "byStatus": {}, "byType": {}},
        "goals": {"total": 0, "active": 0, "achieved": 0},
        "dispatch": {"queueDepth": 0, "blockedCount": 0, "activeCount": 0, "completedLast24h": 0},
    }
    a = await make_issue(client, account, priority=1)
    b = await make_issue(client, account, priority=2)
    await make_issue(client, account, type="signal", status="backlog")
    blocker = await make_issue(client, account, status="todo", priority=4)
    await block(client, account, blocker["id"], b["id"])
    await make_issue(client, other_account)
    await client.post("/api/goals", json={"title": "G"}, headers=account.headers)
    await client.post("/api/goals", json={"title": "H", "status": "achieved"}, headers=account.headers)
    stats = (await client.get("/api/dashboard/stats", headers=account.headers)).json()["data"]
    assert stats["issues"] == {
        "total": 4,
        "byStatus": {"todo": 3, "backlog": 1},
        "byType": {"task": 3, "signal": 1},
    }
    assert stats["goals"] == {"total": 2, "active": 1, "achieved": 1}
    assert stats["dispatch"] == {"queueDepth": 2, "blockedCount": 1, "activeCount": 0, "completedLast24h": 0}
    claimed = await claim(client, account)
    assert claimed["issue"]["id"] == a["id"]
    await set_status(client, account, a["id"], "done")
    stats = (await client.get("/api/dashboard/stats", headers=account.headers)).json()["data"]
    assert stats["dispatch"] == {"queueDepth": 1, "blockedCount": 1, "activeCount": 0, "completedLast24h": 1}
    await claim(client, account)
    stats = (await client.get("/api/dashboard/stats", headers=account.headers)).json()["data"]
    assert stats["dispatch"]["activeCount"] == 1
    # a lease that ran out shows up as queued again
    with time_machine.travel(utcnow() + timedelta(days=2), tick=False):
        stats = (await client.get("/api/dashboard/stats", headers=account.headers)).json()["data"]
        assert stats["dispatch"] == {
            "queueDepth": 1,
            "blockedCount": 1,
            "activeCount": 0,
            "completedLast24h": 0,
        }


async def test_activity_orders_chains_by_latest_child_activity(client, account):
    old_root = await make_issue(client, account, title="old root", type="signal", status="triage")
    new_root = await make_issue(client, account, title="new root", type="signal", status="triage")
    child = await make_issue(client, account, title="child", parentId=old_root["id"], status="backlog")
    other_child = await make_issue(
        client, account, title="child 2", parentId=old_root["id"], status="backlog"
    )
    await block(client, account, child["id"], other_child["id"])
    body = (await client.get("/api/dashboard/activity?limit=1", headers=account.headers)).json()
    assert body["total"] == 2
    assert len(body["data"]) == 1
    chain = body["data"][0]
    assert chain["root"]["id"] == old_root["id"]
    assert [c["issue"]["id"] for c in chain["children"]] == [child["id"], other_child["id"]]
    assert chain["children"][0]["relations"][0]["type"] == "blocks"
    assert chain["latestActivity"] == other_child["updatedAt"]
    second = (await client.get("/api/dashboard/activity?limit=1&offset=1", headers=account.headers)).json()
    assert second["data"][0]["root"]["id"] == new_root["id"]


@pytest.mark.parametrize("query", ["limit=abc", "limit=0", "limit=201", "offset=-1"])
async def test_activity_validates_limits(client, account, query):
    response = await client.get(f"/api/dashboard/activity?{query}", headers=account.headers)
    assert response.status_code == 400


async def test_prompt_health(client, account):
    template = await template_by_slug(client, account, "task-execution")
    issue = await make_issue(client, account)
    for value in (2, 2, 3):
        await client.post(
            "/api/prompt-reviews",
            json={
                "versionId": template["activeVersionId"],
                "issueId": issue["id"],
                "clarity": value,
                "completeness": value,
                "relevance": 4,
            },
            headers=account.headers,
        )
    body = (await client.get("/api/dashboard/prompts", headers=account.headers)).json()
    assert set(body) == {"data"}
    assert len(body["data"]) == 5
    entry = next(e for e in body["data"] if e["template"]["id"] == template["id"])
    assert entry["activeVersion"]["id"] == template["activeVersionId"]
    assert [v["version"] for v in entry["recentVersions"]] == [1]
    summary = entry["reviewSummary"]
    assert summary["totalReviews"] == 3
    assert summary["avgClarity"] == pytest.approx(7 / 3)
    assert summary["avgRelevance"] == pytest.approx(4.0)
    assert summary["compositeScore"] == pytest.approx(entry["activeVersion"]["reviewScore"])
    assert entry["needsAttention"] is True
    others = [e for e in body["data"] if e["template"]["id"] != template["id"]]
    assert all(e["reviewSummary"]["totalReviews"] == 0 and not e["needsAttention"] for e in others)


async def test_dashboard_needs_a_token(client):
    for path in ("stats", "activity", "prompts"):
        assert (await client.get(f"/api/dashboard/{path}")).status_code == 401
