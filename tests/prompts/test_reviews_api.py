"""Prompt reviews over HTTP: the EWMA, concurrent reviews, improvement issues, errors, organisations."""

from __future__ import annotations

import asyncio

import pytest

from tests.dispatch.helpers import make_issue, set_status, template_by_slug


async def _setup(client, account):
    template = await template_by_slug(client, account, "task-execution")
    issue = await make_issue(client, account)
    return template, template["activeVersionId"], issue


async def _review(client, account, version_id, issue_id, value, **extra):
    body = {
        "versionId": version_id,
        "issueId": issue_id,
        "clarity": value,
        "completeness": value,
        "relevance": value,
        **extra,
    }
    response = await client.post("/api/prompt-reviews", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()["data"]


async def _version(client, account, template_id, version_id):
    versions = (await client.get(f"/api/templates/{template_id}/versions", headers=account.headers)).json()
    return next(v for v in versions["data"] if v["id"] == version_id)


async def _improvement_issues(client, account):
    issues = (await client.get("/api/issues?limit=200", headers=account.headers)).json()["data"]
    return [i for i in issues if i["title"].startswith("Improve prompt template:")]


async def test_review_updates_the_ewma(client, account):
    template, version_id, issue = await _setup(client, account)
    review = await _review(client, account, version_id, issue["id"], 3, feedback="ok", authorType="human")
    assert review["authorType"] == "human"
    assert review["feedback"] == "ok"
    assert (await _version(client, account, template["id"], version_id))["reviewScore"] == pytest.approx(3.0)
    await _review(client, account, version_id, issue["id"], 5)
    version = await _version(client, account, template["id"], version_id)
    assert version["reviewScore"] == pytest.approx(3.6)
    assert version["reviewCount"] == 2
    listed = (await client.get(f"/api/templates/{template['id']}/reviews", headers=account.headers)).json()
    assert listed["total"] == 2
    assert listed["data"][0]["authorType"] == "agent"  # the default, and newest first


async def test_concurrent_reviews_lose_no_update(client, account):
    template, version_id, issue = await _setup(client, account)
    await asyncio.gather(*[_review(client, account, version_id, issue["id"], 4) for _ in range(12)])
    version = await _version(client, account, template["id"], version_id)
    assert version["reviewCount"] == 12
    assert version["reviewScore"] == pytest.approx(4.0)


async def test_low_score_opens_one_improvement_issue_per_fall(client, account):
    _template, version_id, issue = await _setup(client, account)
    for _ in range(2):
        await _review(client, account, version_id, issue["id"], 2)
    assert await _improvement_issues(client, account) == []
    await _review(client, account, version_id, issue["id"], 2)
    opened = await _improvement_issues(client, account)
    assert len(opened) == 1
    assert (
        opened[0]["title"] == "Improve prompt template: task-execution (avg review 2.0/5, 3 reviews since v1)"
    )
    assert opened[0]["status"] == "todo"
    assert opened[0]["priority"] == 3
    detail = (await client.get(f"/api/issues/{opened[0]['id']}", headers=account.headers)).json()["data"]
    assert {label["name"] for label in detail["labels"]} == {"prompt-improvement", "meta"}
    for _ in range(3):
        await _review(client, account, version_id, issue["id"], 1)
    assert len(await _improvement_issues(client, account)) == 1
    # closed, but the score has not recovered: the same fall does not open another
    await set_status(client, account, opened[0]["id"], "done")
    await _review(client, account, version_id, issue["id"], 1)
    assert len(await _improvement_issues(client, account)) == 1


async def test_concurrent_low_reviews_open_a_single_issue(client, account):
    _template, version_id, issue = await _setup(client, account)
    await asyncio.gather(*[_review(client, account, version_id, issue["id"], 1) for _ in range(10)])
    assert len(await _improvement_issues(client, account)) == 1


async def test_review_errors(client, account, other_account):
    template, version_id, issue = await _setup(client, account)
    base = {"versionId": version_id, "issueId": issue["id"], "clarity": 3, "completeness": 3, "relevance": 3}
    for bad in ({"clarity": 0}, {"relevance": 6}, {"completeness": "x"}, {"authorType": "robot"}):
        response = await client.post("/api/prompt-reviews", json={**base, **bad}, headers=account.headers)
        assert response.status_code == 400, bad
    response = await client.post(
        "/api/prompt-reviews", json={**base, "versionId": "nope"}, headers=account.headers
    )
    assert response.status_code == 404
    assert response.json()["error"] == "Version not found"
    response = await client.post(
        "/api/prompt-reviews", json={**base, "issueId": "nope"}, headers=account.headers
    )
    assert response.status_code == 404
    assert response.json()["error"] == "Issue not found"
    # another organisation's version and issue look missing
    theirs = await template_by_slug(client, other_account, "task-execution")
    their_issue = await make_issue(client, other_account)
    response = await client.post(
        "/api/prompt-reviews", json={**base, "versionId": theirs["activeVersionId"]}, headers=account.headers
    )
    assert response.status_code == 404
    response = await client.post(
        "/api/prompt-reviews", json={**base, "issueId": their_issue["id"]}, headers=account.headers
    )
    assert response.status_code == 404
    version = await _version(client, account, template["id"], version_id)
    assert version["reviewCount"] == 0 and version["reviewScore"] is None
