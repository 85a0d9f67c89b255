"""Conformance of templates, reviews, dispatch and dashboard with the engine's published contract.

Every reference operation tagged Templates, Prompt Reviews, Dispatch or Dashboard is served at its method
and path, answers the documented success status, and its body validates against the reference's schema
(extra keys, which the schemas allow, are listed in docs/compatibility.md).
"""

from __future__ import annotations

import pytest

from tests.dispatch.helpers import make_issue, template_by_slug
from tests.engine import test_conformance as ref

IN_SCOPE_TAGS = {"Templates", "Prompt Reviews", "Dispatch", "Dashboard"}
IN_SCOPE = sorted(
    (method.upper(), path)
    for path, item in ref.SPEC["paths"].items()
    for method, operation in item.items()
    if IN_SCOPE_TAGS & set(operation.get("tags", []))
)


def test_the_scope_is_the_sixteen_operations():
    assert len(IN_SCOPE) == 16


@pytest.fixture
async def world(client, account):
    h = account.headers
    project = (await client.post("/api/projects", json={"name": "P"}, headers=h)).json()["data"]
    await client.post("/api/goals", json={"title": "G", "projectId": project["id"]}, headers=h)
    parent = await make_issue(client, account, title="parent", type="signal", status="triage")
    issue = await make_issue(client, account, title="work", parentId=parent["id"], projectId=project["id"])
    await make_issue(client, account, title="more work", priority=2)
    template = await template_by_slug(client, account, "task-execution")
    draft = (
        await client.post(
            f"/api/templates/{template['id']}/versions",
            json={"content": "v2 {{issue.title}}", "authorType": "human", "authorName": "a"},
            headers=h,
        )
    ).json()["data"]
    spare = (await client.post("/api/templates", json={"slug": "spare", "name": "S"}, headers=h)).json()[
        "data"
    ]
    review = {
        "versionId": template["activeVersionId"],
        "issueId": issue["id"],
        "clarity": 4,
        "completeness": 3,
        "relevance": 5,
        "authorType": "agent",
    }
    await client.post("/api/prompt-reviews", json=review, headers=h)
    return {"template": template, "draft": draft, "spare": spare, "issue": issue, "review": review}


async def _call(client, account, w, method, path):
    h = account.headers
    t = w["template"]["id"]
    calls = {
        ("GET", "/api/templates"): lambda: client.get("/api/templates", headers=h),
        ("POST", "/api/templates"): lambda: client.post(
            "/api/templates", json={"slug": "new-one", "name": "N", "conditions": {"type": "plan"}}, headers=h
        ),
        ("GET", "/api/templates/{id}"): lambda: client.get(f"/api/templates/{t}", headers=h),
        ("PATCH", "/api/templates/{id}"): lambda: client.patch(
            f"/api/templates/{t}", json={"specificity": 12}, headers=h
        ),
        ("DELETE", "/api/templates/{id}"): lambda: client.delete(
            f"/api/templates/{w['spare']['id']}", headers=h
        ),
        ("GET", "/api/templates/{id}/versions"): lambda: client.get(
            f"/api/templates/{t}/versions", headers=h
        ),
        ("POST", "/api/templates/{id}/versions"): lambda: client.post(
            f"/api/templates/{t}/versions",
            json={"content": "v3", "changelog": "c", "authorType": "agent", "authorName": "bot"},
            headers=h,
        ),
        ("POST", "/api/templates/{id}/versions/{versionId}/promote"): lambda: client.post(
            f"/api/templates/{t}/versions/{w['draft']['id']}/promote", headers=h
        ),
        ("GET", "/api/templates/{id}/reviews"): lambda: client.get(f"/api/templates/{t}/reviews", headers=h),
        ("GET", "/api/templates/preview/{issueId}"): lambda: client.get(
            f"/api/templates/preview/{w['issue']['id']}", headers=h
        ),
        ("POST", "/api/prompt-reviews"): lambda: client.post(
            "/api/prompt-reviews", json=w["review"], headers=h
        ),
        ("GET", "/api/dispatch/next"): lambda: client.get("/api/dispatch/next", headers=h),
        ("GET", "/api/dispatch/queue"): lambda: client.get("/api/dispatch/queue", headers=h),
        ("GET", "/api/dashboard/stats"): lambda: client.get("/api/dashboard/stats", headers=h),
        ("GET", "/api/dashboard/activity"): lambda: client.get("/api/dashboard/activity", headers=h),
        ("GET", "/api/dashboard/prompts"): lambda: client.get("/api/dashboard/prompts", headers=h),
    }
    assert set(calls) == set(IN_SCOPE)
    return await calls[(method, path)]()


@pytest.mark.parametrize(("method", "path"), IN_SCOPE)
async def test_operation_answers_with_the_documented_status_and_schema(client, account, world, method, path):
    response = await _call(client, account, world, method, path)
    expected = ref.success_status(method, path)
    assert response.status_code == expected, response.text
    if expected == 204:
        assert response.content == b""
        return
    ref.check_body(method, path, expected, response.json())
