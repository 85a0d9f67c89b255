"""Prompt templates over HTTP: CRUD, immutable versions, promote, preview, reviews, organisations."""

from __future__ import annotations

import asyncio

from tests.dispatch.helpers import claim, make_issue, template_by_slug

VERSION = {"content": "Work on {{issue.title}}.", "authorType": "human", "authorName": "ann"}


async def _template(client, account, **fields):
    body = {"slug": "bugs", "name": "Bugs", "conditions": {"type": "task", "labels": ["bug"]}, **fields}
    response = await client.post("/api/templates", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()["data"]


async def test_new_organisation_has_the_five_default_templates(client, account):
    response = await client.get("/api/templates", headers=account.headers)
    body = response.json()
    assert body["total"] == 5
    slugs = {t["slug"] for t in body["data"]}
    assert slugs == {
        "signal-triage",
        "hypothesis-planning",
        "task-execution",
        "plan-decomposition",
        "monitor-check",
    }
    for template in body["data"]:
        assert template["activeVersionId"] is not None
        assert template["conditions"] == {"type": template["conditions"]["type"]}
    detail = (await client.get(f"/api/templates/{body['data'][0]['id']}", headers=account.headers)).json()[
        "data"
    ]
    assert detail["activeVersion"]["version"] == 1
    assert detail["activeVersion"]["status"] == "active"


async def test_create_get_update_delete(client, account):
    template = await _template(client, account, specificity=30)
    assert template["activeVersionId"] is None
    assert template["specificity"] == 30
    got = (await client.get(f"/api/templates/{template['id']}", headers=account.headers)).json()["data"]
    assert got["activeVersion"] is None
    response = await client.patch(
        f"/api/templates/{template['id']}",
        json={"name": "Bug fixing", "conditions": {"type": "task"}, "slug": "ignored"},
        headers=account.headers,
    )
    assert response.status_code == 200
    assert response.json()["data"]["name"] == "Bug fixing"
    assert response.json()["data"]["slug"] == "bugs"
    assert response.json()["data"]["conditions"] == {"type": "task"}
    response = await client.delete(f"/api/templates/{template['id']}", headers=account.headers)
    assert response.status_code == 204
    response = await client.get(f"/api/templates/{template['id']}", headers=account.headers)
    assert response.status_code == 404
    assert response.json()["error"] == "Template not found"
    # a deleted template frees its slug
    again = await _template(client, account)
    assert again["slug"] == "bugs"


async def test_template_errors(client, account):
    await _template(client, account)
    response = await client.post(
        "/api/templates", json={"slug": "bugs", "name": "Again"}, headers=account.headers
    )
    assert response.status_code == 409
    assert response.json()["error"] == "Template slug already exists"
    response = await client.post(
        "/api/templates", json={"slug": "Not A Slug", "name": "x"}, headers=account.headers
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Slug must be lowercase alphanumeric with hyphens"
    response = await client.post(
        "/api/templates",
        json={"slug": "x", "name": "x", "conditions": {"colour": "red"}},
        headers=account.headers,
    )
    assert response.status_code == 400
    response = await client.post(
        "/api/templates",
        json={"slug": "y", "name": "y", "conditions": {"hypothesisConfidence": 2}},
        headers=account.headers,
    )
    assert response.status_code == 400
    response = await client.post(
        "/api/templates", json={"slug": "z", "name": "z", "specificity": 101}, headers=account.headers
    )
    assert response.status_code == 400
    response = await client.post(
        "/api/templates", json={"slug": "w", "name": "w", "projectId": "nope"}, headers=account.headers
    )
    assert response.status_code == 422
    listing = (await client.get("/api/templates", headers=account.headers)).json()
    assert listing["total"] == 6


async def test_versions_first_is_active_then_drafts_then_promote_and_rollback(client, account):
    template = await _template(client, account)
    url = f"/api/templates/{template['id']}/versions"
    v1 = (await client.post(url, json=VERSION, headers=account.headers)).json()["data"]
    assert (v1["version"], v1["status"]) == (1, "active")
    v2 = (
        await client.post(
            url, json={**VERSION, "content": "v2 {{issue.id}}", "status": "active"}, headers=account.headers
        )
    ).json()["data"]
    assert (v2["version"], v2["status"]) == (2, "draft")
    detail = (await client.get(f"/api/templates/{template['id']}", headers=account.headers)).json()["data"]
    assert detail["activeVersionId"] == v1["id"]
    promoted = await client.post(f"{url}/{v2['id']}/promote", headers=account.headers)
    assert promoted.status_code == 200
    assert promoted.json()["data"]["status"] == "active"
    versions = (await client.get(url, headers=account.headers)).json()
    assert versions["total"] == 2
    assert [(v["version"], v["status"]) for v in versions["data"]] == [(2, "active"), (1, "retired")]
    again = await client.post(f"{url}/{v2['id']}/promote", headers=account.headers)
    assert again.status_code == 422
    assert again.json()["error"] == "Version is already active"
    rollback = await client.post(f"{url}/{v1['id']}/promote", headers=account.headers)
    assert rollback.status_code == 200
    detail = (await client.get(f"/api/templates/{template['id']}", headers=account.headers)).json()["data"]
    assert detail["activeVersionId"] == v1["id"]
    assert detail["activeVersion"]["content"] == VERSION["content"]


async def test_version_that_does_not_compile_is_refused_with_line_and_reason(client, account):
    template = await _template(client, account)
    url = f"/api/templates/{template['id']}/versions"
    response = await client.post(
        url, json={**VERSION, "content": "ok\n{{#if issue.title}}\nnever closed"}, headers=account.headers
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "template_syntax"
    assert body["line"] == 2
    assert "never closed" in body["reason"] or "closed" in body["reason"]
    response = await client.post(
        url, json={**VERSION, "content": "{{{issue.title}}}"}, headers=account.headers
    )
    assert response.status_code == 422
    assert response.json()["error"] == (
        "Triple-brace syntax ({{{) is not allowed. Use double-brace Handlebars expressions instead."
    )
    response = await client.post(
        url, json={**VERSION, "content": "{{upcase issue.title}}"}, headers=account.headers
    )
    assert response.status_code == 400
    response = await client.post(url, json={**VERSION, "authorType": "robot"}, headers=account.headers)
    assert response.status_code == 400
    response = await client.post(url, json={"content": "x"}, headers=account.headers)
    assert response.status_code == 400
    # nothing was written
    assert (await client.get(url, headers=account.headers)).json()["total"] == 0


async def test_concurrent_version_creates_get_distinct_numbers(app, client, account):
    template = await _template(client, account)
    url = f"/api/templates/{template['id']}/versions"
    responses = await asyncio.gather(
        *[client.post(url, json={**VERSION, "content": f"v {n}"}, headers=account.headers) for n in range(8)]
    )
    assert [r.status_code for r in responses] == [201] * 8
    numbers = sorted(r.json()["data"]["version"] for r in responses)
    assert numbers == list(range(1, 9))
    active = [r.json()["data"] for r in responses if r.json()["data"]["status"] == "active"]
    assert len(active) == 1


async def test_preview_equals_the_dispatched_prompt(client, account):
    parent = await make_issue(client, account, title="Parent plan", type="plan", status="backlog")
    issue = await make_issue(
        client, account, title="Implement it", description="Details here", parentId=parent["id"], priority=1
    )
    await make_issue(client, account, title="Sibling", parentId=parent["id"], status="backlog")
    response = await client.get(f"/api/templates/preview/{issue['id']}", headers=account.headers)
    assert response.status_code == 200
    preview = response.json()
    assert preview["issue"] == {
        "id": issue["id"],
        "number": issue["number"],
        "title": "Implement it",
        "type": "task",
    }
    assert preview["template"]["slug"] == "task-execution"
    assert preview["version"]["version"] == 1
    assert preview["data"]["prompt"] == preview["prompt"]
    assert "Sibling" in preview["prompt"]
    # preview claims nothing
    queue = (await client.get("/api/dispatch/queue", headers=account.headers)).json()
    assert queue["total"] == 1
    dispatched = await claim(client, account)
    assert dispatched["prompt"] == preview["prompt"]
    assert dispatched["meta"]["versionId"] == preview["version"]["id"]


async def test_preview_without_a_matching_template(client, account):
    for template in (await client.get("/api/templates", headers=account.headers)).json()["data"]:
        await client.delete(f"/api/templates/{template['id']}", headers=account.headers)
    issue = await make_issue(client, account)
    preview = (await client.get(f"/api/templates/preview/{issue['id']}", headers=account.headers)).json()
    assert preview["template"] is None and preview["prompt"] is None
    assert preview["message"] == "No matching template found"
    claimed = await claim(client, account)
    assert claimed["prompt"] is None and claimed["meta"] is None


async def test_more_specific_template_wins_and_project_scoping_restricts(client, account):
    project = (await client.post("/api/projects", json={"name": "P"}, headers=account.headers)).json()["data"]
    scoped = await _template(
        client, account, slug="p-tasks", conditions={"type": "task"}, projectId=project["id"]
    )
    await client.post(f"/api/templates/{scoped['id']}/versions", json=VERSION, headers=account.headers)
    outside = await make_issue(client, account, title="outside")
    inside = await make_issue(client, account, title="inside", projectId=project["id"])
    p_out = (await client.get(f"/api/templates/preview/{outside['id']}", headers=account.headers)).json()
    p_in = (await client.get(f"/api/templates/preview/{inside['id']}", headers=account.headers)).json()
    assert p_out["template"]["slug"] == "task-execution"
    assert p_in["template"]["slug"] == "p-tasks"
    assert p_in["prompt"] == "Work on inside."


async def test_other_organisation_sees_nothing(client, account, other_account):
    template = await template_by_slug(client, other_account, "task-execution")
    issue = await make_issue(client, other_account)
    for method, url in (
        ("GET", f"/api/templates/{template['id']}"),
        ("PATCH", f"/api/templates/{template['id']}"),
        ("DELETE", f"/api/templates/{template['id']}"),
        ("GET", f"/api/templates/{template['id']}/versions"),
        ("POST", f"/api/templates/{template['id']}/versions"),
        ("POST", f"/api/templates/{template['id']}/versions/{template['activeVersionId']}/promote"),
        ("GET", f"/api/templates/{template['id']}/reviews"),
        ("GET", f"/api/templates/preview/{issue['id']}"),
    ):
        body = (
            VERSION
            if method == "POST" and url.endswith("versions")
            else ({"name": "x"} if method == "PATCH" else None)
        )
        response = await client.request(method, url, json=body, headers=account.headers)
        assert response.status_code == 404, (method, url, response.text)
    mine = await template_by_slug(client, account, "task-execution")
    response = await client.post(
        f"/api/templates/{mine['id']}/versions/{template['activeVersionId']}/promote", headers=account.headers
    )
    assert response.status_code == 404
    assert response.json()["error"] == "Version not found"


async def test_more_bad_input_is_a_clear_4xx(client, account):
    template = await _template(client, account)
    h = account.headers
    cases = [
        ("PATCH", f"/api/templates/{template['id']}", {"conditions": None}, 400),
        ("PATCH", f"/api/templates/{template['id']}", {"specificity": -1}, 400),
        ("PATCH", f"/api/templates/{template['id']}", {"name": ""}, 400),
        ("POST", "/api/templates", {"slug": "a" * 201, "name": "x"}, 400),
        ("POST", "/api/templates", {"slug": "ok", "name": "x", "conditions": []}, 400),
        ("POST", f"/api/templates/{template['id']}/versions", {**VERSION, "content": ""}, 400),
        ("POST", f"/api/templates/{template['id']}/versions", {**VERSION, "authorName": ""}, 400),
        ("POST", "/api/prompt-reviews", {"versionId": "x" * 37, "issueId": "y"}, 400),
        ("GET", "/api/templates/preview/unknown", None, 404),
        ("GET", "/api/templates?limit=500", None, 400),
        ("GET", f"/api/templates/{template['id']}/versions?offset=-1", None, 400),
        ("POST", f"/api/templates/{template['id']}/versions/unknown/promote", None, 404),
    ]
    for method, url, body, status in cases:
        response = await client.request(method, url, json=body, headers=h)
        assert response.status_code == status, (method, url, body, response.text)
        assert set(response.json()) >= {"error", "code"}
    got = (await client.get(f"/api/templates/{template['id']}", headers=h)).json()["data"]
    assert got["name"] == "Bugs" and got["specificity"] == 10
