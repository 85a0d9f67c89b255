"""GET /api/signals (filters, newest first, pagination) and GET /api/signals/{id}; another organisation's
signals, rules and mappings are not found."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from loop.core.clock import iso, utcnow
from tests.engine.conftest import error_of
from tests.signals.conftest import signal


async def test_list_is_newest_first_and_paginated(api):
    made = [await signal(api, sourceId=f"S{n}") for n in range(5)]
    body = (await api.get("/api/signals?limit=2")).json()
    assert body["total"] == 5
    assert [s["id"] for s in body["data"]] == [made[4]["signal"]["id"], made[3]["signal"]["id"]]
    page3 = (await api.get("/api/signals?limit=2&offset=4")).json()
    assert [s["id"] for s in page3["data"]] == [made[0]["signal"]["id"]]
    assert (await api.get("/api/signals?offset=10")).json() == {"data": [], "total": 5}


async def test_filters(api):
    project = await api.project("Payments")
    a = await signal(
        api,
        source="sentry",
        type="exception",
        severity="critical",
        payload={"message": "Card declined spike", "service": "payments-api"},
    )
    b = await signal(
        api,
        source="posthog",
        type="error_rate",
        severity="low",
        payload={"message": "Conversion dip", "path": "/checkout"},
        projectId=project["id"],
    )
    c = await signal(api, source="github", type="workflow_run.failure", severity="high", payload={"message": "CI failed", "nested": {"repo": "octo-org/Payments"}})  # fmt: skip

    async def ids(query):
        response = await api.get(f"/api/signals?{query}")
        assert response.status_code == 200, response.text
        return [s["id"] for s in response.json()["data"]]

    sa, sb, sc = a["signal"]["id"], b["signal"]["id"], c["signal"]["id"]
    assert await ids("source=sentry") == [sa]
    assert await ids("source=sentry,posthog") == [sb, sa]
    assert await ids("type=error_rate") == [sb]
    assert await ids("severity=critical,high") == [sc, sa]
    assert await ids(f"issueId={b['issue']['id']}") == [sb]
    assert await ids(f"projectId={project['id']}") == [sb]
    assert await ids("q=payments") == [sc, sa]  # payload values, any case, nested too
    assert await ids("q=CHECKOUT") == [sb]
    assert await ids("q=service") == [sa]  # keys count as text
    assert await ids("q=Conversion") == [sb]
    assert await ids("q=50%25") == []  # LIKE wildcards are literal
    assert await ids("source=sentry&severity=low") == []
    response = await api.get("/api/signals?severity=urgent")
    assert error_of(response)[0] == 400 and "urgent" in response.json()["error"]
    assert response.json()["allowed"] == ["low", "medium", "high", "critical"]


async def test_time_range(api):
    start = utcnow()
    with time_machine.travel(start - timedelta(days=2), tick=True):
        old = await signal(api, sourceId="old")
    new = await signal(api, sourceId="new")
    since = iso(start - timedelta(hours=1))
    body = (await api.get("/api/signals", params={"since": since})).json()
    assert [s["id"] for s in body["data"]] == [new["signal"]["id"]]
    body = (await api.get("/api/signals", params={"until": since})).json()
    assert [s["id"] for s in body["data"]] == [old["signal"]["id"]]
    naive = (start - timedelta(days=3)).replace(tzinfo=None).isoformat()
    assert (await api.get("/api/signals", params={"since": naive})).json()["total"] == 2
    assert (await api.get("/api/signals?since=yesterday")).status_code == 400
    response = await api.get("/api/signals", params={"since": since, "until": iso(start - timedelta(days=1))})
    assert error_of(response) == (400, "Invalid 'until': must be later than 'since'")


async def test_get_one(api):
    made = await signal(api, labels=["checkout"])
    response = await api.get(f"/api/signals/{made['signal']['id']}")
    assert response.status_code == 200
    assert response.json()["data"] == made["signal"] and made["signal"]["labels"] == ["checkout"]
    assert error_of(await api.get("/api/signals/nope")) == (404, "Signal not found")


async def test_another_organisations_data_is_not_found(api, other_api, client, other_account):
    theirs = await signal(other_api, sourceId="T")
    project = await other_api.project("theirs")
    rule = (await other_api.post("/api/triage/rules", {"name": "theirs"})).json()["data"]
    mapping = (
        await other_api.post(
            "/api/webhooks/mappings", {"provider": "github", "external": "a/b", "projectId": project["id"]}
        )
    ).json()["data"]
    assert error_of(await api.get(f"/api/signals/{theirs['signal']['id']}")) == (404, "Signal not found")
    assert error_of(await api.get(f"/api/triage/rules/{rule['id']}")) == (404, "Triage rule not found")
    assert error_of(await api.patch(f"/api/triage/rules/{rule['id']}", {"name": "x"})) == (
        404,
        "Triage rule not found",
    )
    assert error_of(await api.delete(f"/api/triage/rules/{rule['id']}")) == (404, "Triage rule not found")
    assert error_of(await api.delete(f"/api/webhooks/mappings/{mapping['id']}")) == (404, "Mapping not found")
    response = await api.post(
        "/api/webhooks/mappings", {"provider": "github", "external": "c/d", "projectId": project["id"]}
    )
    assert error_of(response) == (422, "Project not found")
    assert (await api.get("/api/signals")).json() == {"data": [], "total": 0}
    assert (await api.get(f"/api/signals?issueId={theirs['issue']['id']}")).json()["total"] == 0
    assert (await api.get("/api/webhooks/mappings")).json()["total"] == 0
    assert [r["name"] for r in (await api.get("/api/triage/rules")).json()["data"]] == [
        "Critical and high severity go straight to the queue"
    ]
    # and theirs are intact
    assert (await other_api.get(f"/api/signals/{theirs['signal']['id']}")).status_code == 200
    assert (await other_api.get("/api/webhooks/mappings")).json()["total"] == 1
