"""POST /api/signals: the signal and its triage issue, atomically; deduplication by fingerprint."""

from __future__ import annotations

import asyncio

import time_machine
from sqlalchemy import func, select

from loop.core.clock import utcnow
from loop.issues.models import Issue
from loop.signals.models import Signal
from tests.engine.conftest import error_of
from tests.signals.conftest import signal


async def _count(app, model, org_id):
    async with app.state.database.read() as session:
        return (
            await session.execute(select(func.count()).select_from(model).where(model.org_id == org_id))
        ).scalar()


async def test_ingest_creates_signal_and_triage_issue(api, account):
    data = await signal(
        api, source="posthog", sourceId="evt_1", type="error_rate", severity="medium",
        payload={"message": "Error rate 22% on /checkout", "value": 0.22},
    )  # fmt: skip
    sig, issue = data["signal"], data["issue"]
    assert set(sig) >= {"id", "source", "sourceId", "type", "severity", "payload", "issueId", "createdAt"}
    assert sig["source"] == "posthog" and sig["sourceId"] == "evt_1" and sig["issueId"] == issue["id"]
    assert sig["payload"] == {"message": "Error rate 22% on /checkout", "value": 0.22}
    assert sig["duplicate"] is False and sig["fingerprint"] == "posthog:evt_1"
    assert issue["title"] == "[posthog] error_rate: Error rate 22% on /checkout"
    assert issue["type"] == "signal" and issue["status"] == "triage" and issue["priority"] == 3
    assert issue["signalSource"] == "posthog" and issue["signalPayload"] == sig["payload"]
    assert issue["occurrences"] == 1 and issue["lastSeenAt"] == sig["createdAt"]
    detail = await api.detail(issue["id"])
    assert detail["occurrences"] == 1 and detail["lastSeenAt"] == sig["createdAt"]


async def test_title_rule_and_severity_to_priority(api):
    cases = [
        ({"message": "NullPointerException in UserService"}, "critical", "[sentry] exception: NullPointerException in UserService", 1),
        ({"title": "Slow query", "message": 42}, "high", "[sentry] exception: Slow query", 2),
        ({"value": 1}, "low", "[sentry] exception: exception", 4),
    ]  # fmt: skip
    for payload, severity, title, priority in cases:
        issue = (await signal(api, payload=payload, severity=severity))["issue"]
        assert (issue["title"], issue["priority"]) == (title, priority)
    custom = await signal(api, title="Custom title", payload={"message": "ignored for the title"})
    assert custom["issue"]["title"] == "Custom title"


async def test_default_rule_sends_critical_and_high_to_todo(api):
    assert (await signal(api, severity="critical"))["issue"]["status"] == "todo"
    assert (await signal(api, severity="high"))["issue"]["status"] == "todo"
    assert (await signal(api, severity="medium"))["issue"]["status"] == "triage"
    assert (await signal(api, severity="low"))["issue"]["status"] == "triage"


async def test_project_is_checked(api, other_api):
    project = await api.project("Checkout")
    issue = (await signal(api, projectId=project["id"]))["issue"]
    assert issue["projectId"] == project["id"]
    theirs = await other_api.project("Theirs")
    for project_id in ("nope", theirs["id"]):
        response = await api.post(
            "/api/signals",
            {"source": "x", "type": "t", "severity": "low", "payload": {}, "projectId": project_id},
        )
        assert error_of(response) == (422, "Project not found")


async def test_bad_bodies_are_400(api, app, account):
    for body, field in [
        ({"source": "x", "type": "t", "severity": "low"}, "payload"),
        ({"source": "x", "type": "t", "severity": "urgent", "payload": {}}, "severity"),
        ({"source": "", "type": "t", "severity": "low", "payload": {}}, "source"),
        ({"source": "x", "type": "t", "severity": "low", "payload": [1]}, "payload"),
    ]:
        response = await api.post("/api/signals", body)
        assert response.status_code == 400, response.text
        assert field in response.json()["error"]
    response = await api.client.post(
        "/api/signals", content=b"{nope", headers=api.headers | {"Content-Type": "application/json"}
    )
    assert error_of(response) == (400, "Malformed JSON in request body")
    assert await _count(app, Signal, account.org.id) == 0
    assert await _count(app, Issue, account.org.id) == 0


async def test_scopes(client, factory):
    reader = await factory.account(preset="read-all")
    response = await client.post(
        "/api/signals",
        json={"source": "x", "type": "t", "severity": "low", "payload": {}},
        headers=reader.headers,
    )
    assert response.status_code == 403 and response.json()["missing"] == ["write:signal"]
    assert (await client.get("/api/signals", headers=reader.headers)).status_code == 200


# -- deduplication --------------------------------------------------------------------------------------------
async def test_repeats_join_the_open_issue(api, app, account):
    first = await signal(api, sourceId="ISSUE-1")
    repeats = [await signal(api, sourceId="ISSUE-1", payload={"message": f"again {n}"}) for n in range(4)]
    issue_ids = {r["issue"]["id"] for r in repeats}
    assert issue_ids == {first["issue"]["id"]}
    assert [r["signal"]["duplicate"] for r in repeats] == [True] * 4
    last = repeats[-1]
    assert last["issue"]["occurrences"] == 5 and last["issue"]["lastSeenAt"] == last["signal"]["createdAt"]
    assert last["signal"]["title"] == "[sentry] exception: again 3"
    detail = await api.detail(first["issue"]["id"])
    assert detail["occurrences"] == 5 and detail["title"] == "[sentry] exception: boom"
    assert await _count(app, Signal, account.org.id) == 5
    assert await _count(app, Issue, account.org.id) == 1
    listed = (await api.get(f"/api/signals?issueId={first['issue']['id']}")).json()
    assert listed["total"] == 5
    # another source id, an explicit fingerprint, no source id: separate issues
    assert (await signal(api, sourceId="ISSUE-2"))["issue"]["id"] != first["issue"]["id"]
    a = await signal(api, fingerprint="checkout-down")
    b = await signal(api, sourceId="whatever", fingerprint="checkout-down")
    assert a["issue"]["id"] == b["issue"]["id"]
    c, d = await signal(api), await signal(api)
    assert c["issue"]["id"] != d["issue"]["id"] and c["signal"]["fingerprint"] is None


async def test_repeat_after_done_or_after_the_window_opens_a_new_issue(api):
    first = await signal(api, sourceId="R-1")
    response = await api.patch(f"/api/issues/{first['issue']['id']}", {"status": "done"})
    assert response.status_code == 200
    regression = await signal(api, sourceId="R-1")
    assert regression["issue"]["id"] != first["issue"]["id"] and regression["signal"]["duplicate"] is False
    assert regression["issue"]["occurrences"] == 1
    # outside the window (default 24 h): a new issue too
    with time_machine.travel(utcnow().timestamp() + 25 * 3600, tick=True):
        later = await signal(api, sourceId="R-1")
    assert later["issue"]["id"] != regression["issue"]["id"]
    # a deleted issue is not joined either
    await api.delete(f"/api/issues/{later['issue']['id']}")
    assert (await signal(api, sourceId="R-1"))["issue"]["id"] != later["issue"]["id"]


async def test_window_is_configurable(api, other_api):
    assert (await api.get("/api/signals/settings")).json()["data"] == {
        "dedupWindowSeconds": 86400,
        "updatedAt": None,
    }
    response = await api.patch("/api/signals/settings", {"dedupWindowSeconds": 60})
    assert response.status_code == 200 and response.json()["data"]["dedupWindowSeconds"] == 60
    first = await signal(api, sourceId="W")
    with time_machine.travel(utcnow().timestamp() + 30, tick=True):
        assert (await signal(api, sourceId="W"))["issue"]["id"] == first["issue"]["id"]
    with time_machine.travel(utcnow().timestamp() + 200, tick=True):
        assert (await signal(api, sourceId="W"))["issue"]["id"] != first["issue"]["id"]
    await api.patch("/api/signals/settings", {"dedupWindowSeconds": 0})
    a, b = await signal(api, sourceId="Z"), await signal(api, sourceId="Z")
    assert a["issue"]["id"] != b["issue"]["id"]
    assert (await api.patch("/api/signals/settings", {"dedupWindowSeconds": -1})).status_code == 400
    # each organisation has its own
    assert (await other_api.get("/api/signals/settings")).json()["data"]["dedupWindowSeconds"] == 86400


async def test_concurrent_identical_signals_open_one_issue(api, app, account):
    results = await asyncio.gather(
        *(signal(api, sourceId="RACE", payload={"message": f"n{n}"}) for n in range(12))
    )
    assert len({r["issue"]["id"] for r in results}) == 1
    assert sorted(r["signal"]["duplicate"] for r in results) == [False] + [True] * 11
    assert (await api.detail(results[0]["issue"]["id"]))["occurrences"] == 12
    assert await _count(app, Issue, account.org.id) == 1


async def test_same_fingerprint_in_two_organisations_is_two_issues(api, other_api):
    mine, theirs = await signal(api, sourceId="SHARED"), await signal(other_api, sourceId="SHARED")
    assert mine["issue"]["id"] != theirs["issue"]["id"]
    assert theirs["issue"]["occurrences"] == 1
