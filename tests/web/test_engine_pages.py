"""Dispatch and prompts pages: the queue in claim order with scores, claimed issues with lease time left;
templates, versions and promote, the review chart, flagged templates; other orgs' ids are 404."""

from __future__ import annotations

import re

from tests.dispatch.helpers import block, claim, make_issue, template_by_slug
from tests.web.helpers import signed_in


async def test_queue_in_claim_order_and_claims(app, client, account):
    await signed_in(app, client, account)
    low = await make_issue(client, account, title="Low priority chore", priority=4)
    urgent = await make_issue(client, account, title="Urgent outage", priority=1)
    blocked = await make_issue(client, account, title="Blocked follow-up", priority=1)
    await block(client, account, low["id"], blocked["id"])
    await make_issue(client, account, title="Still in triage", status="triage")

    page = await client.get("/app/dispatch")
    assert page.status_code == 200
    text = page.text
    assert "Queue (2 ready)" in text
    assert text.index("Urgent outage") < text.index("Low priority chore")
    assert "Blocked follow-up" not in text.split('id="queue"')[1] and "Still in triage" not in text
    api = (await client.get("/api/dispatch/queue", headers=account.headers)).json()
    assert [row["issue"]["title"] for row in api["data"]][:2] == ["Urgent outage", "Low priority chore"]
    assert "No agent holds an issue" in text

    claimed = await claim(client, account)
    assert claimed is not None
    page = await client.get("/app/dispatch")
    assert "Claimed now (1)" in page.text
    claimed_part = page.text.split('id="queue"')[0]
    assert "Urgent outage" in claimed_part
    assert re.search(r'data-testid="lease-left">\d+ min \d+ s<', page.text)
    assert "Queue (1 ready)" in page.text
    detail = await client.get(f"/app/issues/{urgent['id']}")
    assert "Agent attempts (1)" in detail.text and "lease until" in detail.text


async def test_prompts_versions_promote_and_chart(app, client, account, other_account):
    csrf = await signed_in(app, client, account)
    template = await template_by_slug(client, account, "task-execution")
    page = await client.get("/app/prompts")
    assert page.status_code == 200 and template["name"] in page.text

    url = f"/api/templates/{template['id']}/versions"
    created = await client.post(
        url,
        headers=account.headers,
        json={
            "content": "Do {{issue.title}} well.",
            "changelog": "Shorter",
            "authorType": "human",
            "authorName": "Ann",
        },
    )
    assert created.status_code == 201, created.text
    v2 = created.json()["data"]
    issue = await make_issue(client, account)
    for value in (2, 1, 1):
        review = await client.post(
            "/api/prompt-reviews",
            headers=account.headers,
            json={"versionId": template["activeVersionId"], "issueId": issue["id"], "clarity": value,
                  "completeness": value, "relevance": value},
        )  # fmt: skip
        assert review.status_code == 201, review.text

    detail = await client.get(f"/app/prompts/{template['id']}")
    assert detail.status_code == 200
    assert "<svg" in detail.text and "<polyline" in detail.text and "3 reviews" in detail.text
    assert "Shorter" in detail.text

    flagged = await client.get("/app/prompts")
    assert "Need attention" in flagged.text

    promoted = await client.post(
        f"/app/prompts/{template['id']}/promote", data={"csrf_token": csrf, "version_id": v2["id"]}
    )
    assert promoted.status_code == 303
    versions = (await client.get(url, headers=account.headers)).json()["data"]
    assert [(v["version"], v["status"]) for v in versions][:2] == [(2, "active"), (1, "retired")]
    again = await client.post(
        f"/app/prompts/{template['id']}/promote", data={"csrf_token": csrf, "version_id": v2["id"]}
    )
    assert again.status_code == 422
    assert (
        await client.post(f"/app/prompts/{template['id']}/promote", data={"version_id": v2["id"]})
    ).status_code == 403

    theirs = await template_by_slug(client, other_account, "task-execution")
    assert (await client.get(f"/app/prompts/{theirs['id']}")).status_code == 404
    response = await client.post(
        f"/app/prompts/{theirs['id']}/promote",
        data={"csrf_token": csrf, "version_id": theirs["activeVersionId"]},
    )
    assert response.status_code == 404
