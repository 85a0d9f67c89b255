"""Issues: create, read, list with filters, update, delete; hierarchy, status timestamps, agent results."""

from __future__ import annotations

import pytest

from tests.engine.conftest import error_of

ISSUES = "/api/issues"


async def test_create_minimal_and_full(api):
    minimal = await api.issue("Investigate login failures", "signal")
    assert minimal["status"] == "triage" and minimal["priority"] == 0 and minimal["number"] == 1
    assert minimal["completedAt"] is None and minimal["deletedAt"] is None
    assert minimal["createdAt"].endswith("Z")
    project = await api.project()
    full = await api.issue(
        "Hypothesis",
        "hypothesis",
        description="Auth failures",
        status="backlog",
        priority=2,
        projectId=project["id"],
        signalSource="posthog",
        signalPayload={"event": "error_rate", "value": 0.22},
        hypothesis={
            "statement": "New provider",
            "confidence": 0.75,
            "evidence": ["drop-off"],
            "validationCriteria": "below 5%",
        },
        agentSummary="started",
    )
    assert full["number"] == 2
    assert full["projectId"] == project["id"] and full["priority"] == 2
    assert full["hypothesis"] == {
        "statement": "New provider",
        "confidence": 0.75,
        "evidence": ["drop-off"],
        "validationCriteria": "below 5%",
    }
    assert full["signalPayload"] == {"event": "error_rate", "value": 0.22}
    assert full["agentSummary"] == "started"


async def test_numbers_are_per_organisation(api, other_api):
    assert (await api.issue())["number"] == 1
    assert (await api.issue())["number"] == 2
    assert (await other_api.issue())["number"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "task"}, "title"),
        ({"title": "", "type": "task"}, "title"),
        ({"title": "x" * 501, "type": "task"}, "title"),
        ({"title": "x", "type": "bug"}, "type"),
        ({"title": "x"}, "type"),
        ({"title": "x", "type": "task", "status": "open"}, "status"),
        ({"title": "x", "type": "task", "priority": 5}, "priority"),
        ({"title": "x", "type": "task", "priority": -1}, "priority"),
        ({"title": "x", "type": "task", "hypothesis": {"statement": "s", "confidence": 2, "evidence": [],
                                                       "validationCriteria": "v"}}, "hypothesis.confidence"),
        ({"title": "x", "type": "task", "commits": [{"message": "no sha"}]}, "commits.0.sha"),
        ({"title": "x", "type": "task", "labelIds": "abc"}, "labelIds"),
    ],
)  # fmt: skip
async def test_invalid_create_is_400_naming_the_field(api, body, field):
    response = await api.post(ISSUES, body)
    assert response.status_code == 400, response.text
    payload = response.json()
    assert payload["code"] == "validation_error"
    assert payload["details"][0]["field"] == field
    assert (await api.get(ISSUES)).json()["total"] == 0


async def test_enum_errors_list_the_allowed_values(api):
    response = await api.post(ISSUES, {"title": "x", "type": "bug"})
    assert "'signal', 'hypothesis', 'plan', 'task' or 'monitor'" in response.json()["error"]


async def test_create_with_unknown_references_is_422_and_writes_nothing(api, other_api):
    foreign_label = await other_api.label()
    foreign_project = await other_api.project()
    label = await api.label()
    response = await api.post(
        ISSUES, {"title": "x", "type": "task", "labelIds": [label["id"], "nope", foreign_label["id"]]}
    )
    assert response.status_code == 422
    assert response.json()["error"] == f"Label not found: nope, {foreign_label['id']}"
    assert response.json()["labelIds"] == ["nope", foreign_label["id"]]
    assert error_of(await api.post(ISSUES, {"title": "x", "type": "task", "projectId": "nope"})) == (
        422,
        "Project not found",
    )
    assert error_of(
        await api.post(ISSUES, {"title": "x", "type": "task", "projectId": foreign_project["id"]})
    ) == (422, "Project not found")
    assert (await api.get(ISSUES)).json()["total"] == 0
    # and the refused creates consumed no numbers
    assert (await api.issue())["number"] == 1


async def test_create_with_labels_is_atomic_and_deduplicated(api):
    bug, ui = await api.label("bug"), await api.label("ui")
    issue = await api.issue(labelIds=[bug["id"], ui["id"], bug["id"]])
    detail = await api.detail(issue["id"])
    assert sorted(label["name"] for label in detail["labels"]) == ["bug", "ui"]


async def test_get_detail_and_not_found(api):
    assert error_of(await api.get(f"{ISSUES}/missing")) == (404, "Issue not found")
    parent = await api.issue("parent")
    child_a = await api.issue("child a", parentId=parent["id"])
    child_b = await api.issue("child b", parentId=parent["id"])
    await api.comment(parent["id"])
    detail = await api.detail(parent["id"])
    assert detail["parent"] is None
    assert [c["id"] for c in detail["children"]] == [child_a["id"], child_b["id"]]
    assert detail["labels"] == [] and detail["relations"] == [] and detail["commentCount"] == 1
    child = await api.detail(child_a["id"])
    assert child["parent"]["id"] == parent["id"] and child["children"] == []


# -- hierarchy (§8 C11) ---------------------------------------------------------------------------------------
async def test_hierarchy_on_create(api):
    assert error_of(await api.post(ISSUES, {"title": "x", "type": "task", "parentId": "nope"})) == (
        422,
        "Parent issue not found",
    )
    parent = await api.issue("parent")
    child = await api.issue("child", parentId=parent["id"])
    assert error_of(await api.post(ISSUES, {"title": "x", "type": "task", "parentId": child["id"]})) == (
        422,
        "Cannot create a child of an issue that already has a parent (1-level hierarchy limit)",
    )
    await api.delete(f"{ISSUES}/{parent['id']}")
    # a deleted parent is not a parent
    assert error_of(await api.post(ISSUES, {"title": "x", "type": "task", "parentId": parent["id"]})) == (
        422,
        "Parent issue not found",
    )


async def test_hierarchy_on_patch(api):
    a, b, c = await api.issue("a"), await api.issue("b"), await api.issue("c")
    path = f"{ISSUES}/{a['id']}"
    assert error_of(await api.patch(path, {"parentId": a["id"]})) == (
        422,
        "An issue cannot be its own parent",
    )
    assert error_of(await api.patch(path, {"parentId": "nope"})) == (422, "Parent issue not found")
    assert (await api.patch(f"{ISSUES}/{b['id']}", {"parentId": a["id"]})).status_code == 200
    # grandchild: c under b (b already has a parent)
    assert error_of(await api.patch(f"{ISSUES}/{c['id']}", {"parentId": b["id"]})) == (
        422,
        "Cannot create a child of an issue that already has a parent (1-level hierarchy limit)",
    )
    # a parent cannot become a child (and a cycle a→b→a is impossible)
    assert error_of(await api.patch(path, {"parentId": c["id"]})) == (
        422,
        "An issue that has children cannot become a child (1-level hierarchy limit)",
    )
    assert error_of(await api.patch(path, {"parentId": b["id"]}))[0] == 422
    # detaching
    detached = await api.patch(f"{ISSUES}/{b['id']}", {"parentId": None})
    assert detached.json()["data"]["parentId"] is None
    assert (await api.patch(path, {"parentId": c["id"]})).status_code == 200


# -- updates (§8 C4, C28) --------------------------------------------------------------------------------------
async def test_agent_results_are_writable(api):
    issue = await api.issue(description="text")
    body = {
        "agentSummary": "Fixed the JWT secret",
        "agentSessionId": "sess-1",
        "commits": [{"sha": "abc123", "message": "fix: expiry", "url": "https://x/c/abc123"}],
        "pullRequests": [
            {"number": 42, "title": "fix", "state": "merged", "mergedAt": "2026-02-20T11:00:00Z"}
        ],
        "description": None,
        "completedAt": "2020-01-01T00:00:00Z",
    }
    data = (await api.patch(f"{ISSUES}/{issue['id']}", body)).json()["data"]
    assert data["agentSummary"] == "Fixed the JWT secret" and data["agentSessionId"] == "sess-1"
    assert data["commits"] == [{"sha": "abc123", "message": "fix: expiry", "url": "https://x/c/abc123"}]
    assert data["pullRequests"][0]["mergedAt"] == "2026-02-20T11:00:00Z"
    assert data["description"] is None
    assert data["completedAt"] is None  # completedAt follows the status, it is not written directly
    assert (await api.detail(issue["id"]))["agentSummary"] == "Fixed the JWT secret"


@pytest.mark.parametrize(
    "body", [{"title": None}, {"status": None}, {"type": None}, {"priority": None}, {"labelIds": None},
             {"title": ""}, {"status": "open"}, {"priority": 9}],
)  # fmt: skip
async def test_invalid_patch_is_400(api, body):
    issue = await api.issue()
    response = await api.patch(f"{ISSUES}/{issue['id']}", body)
    assert response.status_code == 400, response.text
    assert (await api.detail(issue["id"]))["title"] == "An issue"


async def test_completed_at_and_todo_since_follow_the_status(api, app):
    from sqlalchemy import select

    from loop.issues.models import Issue

    async def todo_since(issue_id):
        async with app.state.database.read() as session:
            return (await session.execute(select(Issue.todo_since).where(Issue.id == issue_id))).scalar_one()

    issue = await api.issue(status="todo")
    assert await todo_since(issue["id"]) is not None
    path = f"{ISSUES}/{issue['id']}"
    in_progress = (await api.patch(path, {"status": "in_progress"})).json()["data"]
    assert in_progress["completedAt"] is None and await todo_since(issue["id"]) is None
    done = (await api.patch(path, {"status": "done"})).json()["data"]
    assert done["completedAt"] is not None
    canceled = (await api.patch(path, {"status": "canceled"})).json()["data"]
    assert canceled["completedAt"] == done["completedAt"]  # still closed: the first close time stays
    reopened = (await api.patch(path, {"status": "todo"})).json()["data"]
    assert reopened["completedAt"] is None and await todo_since(issue["id"]) is not None
    created_done = await api.issue(status="done")
    assert created_done["completedAt"] is not None


async def test_patch_bumps_updated_at_and_returns_404_for_missing(api):
    issue = await api.issue()
    updated = (await api.patch(f"{ISSUES}/{issue['id']}", {})).json()["data"]
    assert updated["updatedAt"] >= issue["updatedAt"]
    assert error_of(await api.patch(f"{ISSUES}/missing", {"title": "x"})) == (404, "Issue not found")


async def test_label_ids_on_patch_replace_the_set(api):
    bug, ui, api_label = await api.label("bug"), await api.label("ui"), await api.label("api")
    issue = await api.issue(labelIds=[bug["id"], ui["id"]])
    path = f"{ISSUES}/{issue['id']}"
    assert (await api.patch(path, {"labelIds": [ui["id"], api_label["id"]]})).status_code == 200
    assert sorted(label["name"] for label in (await api.detail(issue["id"]))["labels"]) == ["api", "ui"]
    assert error_of(await api.patch(path, {"labelIds": ["nope"], "title": "changed"})) == (
        422,
        "Label not found: nope",
    )
    detail = await api.detail(issue["id"])
    assert detail["title"] == "An issue" and len(detail["labels"]) == 2  # nothing half-written
    assert (await api.patch(path, {"labelIds": []})).status_code == 200
    assert (await api.detail(issue["id"]))["labels"] == []


async def test_project_on_patch_is_checked(api):
    issue = await api.issue()
    project = await api.project()
    path = f"{ISSUES}/{issue['id']}"
    assert error_of(await api.patch(path, {"projectId": "nope"})) == (422, "Project not found")
    assert (await api.patch(path, {"projectId": project["id"]})).json()["data"]["projectId"] == project["id"]
    assert (await api.patch(path, {"projectId": None})).json()["data"]["projectId"] is None


# -- delete --------------------------------------------------------------------------------------------------
async def test_delete_is_soft_detaches_children_and_removes_relations(api):
    parent = await api.issue("parent")
    child = await api.issue("child", parentId=parent["id"])
    other = await api.issue("other")
    assert (await api.relate(parent["id"], "blocks", other["id"])).status_code == 201
    response = await api.delete(f"{ISSUES}/{parent['id']}")
    assert response.status_code == 204 and response.content == b""
    assert error_of(await api.get(f"{ISSUES}/{parent['id']}")) == (404, "Issue not found")
    assert error_of(await api.delete(f"{ISSUES}/{parent['id']}")) == (404, "Issue not found")
    assert error_of(await api.patch(f"{ISSUES}/{parent['id']}", {"title": "x"})) == (404, "Issue not found")
    assert (await api.detail(child["id"]))["parentId"] is None
    assert (await api.detail(other["id"]))["relations"] == []
    listed = (await api.get(ISSUES)).json()
    assert listed["total"] == 2
    everything = (await api.get(ISSUES, params={"includeDeleted": "true"})).json()
    assert everything["total"] == 3
    assert next(i for i in everything["data"] if i["id"] == parent["id"])["deletedAt"] is not None


# -- list ----------------------------------------------------------------------------------------------------
async def test_list_filters(api):
    project = await api.project()
    bug = await api.label("bug")
    signal = await api.issue(
        "Login errors spiked", "signal", status="todo", priority=1, projectId=project["id"]
    )
    task = await api.issue("Rotate JWT secret", "task", status="in_progress", parentId=signal["id"],
                           labelIds=[bug["id"]], description="The SECRET expired")  # fmt: skip
    plan = await api.issue("Plan 100% coverage", "plan", status="done", priority=3)

    async def ids(**params):
        response = await api.get(ISSUES, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(body["data"])
        return [issue["id"] for issue in body["data"]]

    assert await ids() == [signal["id"], task["id"], plan["id"]]
    assert await ids(status="todo,in_progress") == [signal["id"], task["id"]]
    assert await ids(type="plan") == [plan["id"]]
    assert await ids(type="signal,task", status="in_progress") == [task["id"]]
    assert await ids(projectId=project["id"]) == [signal["id"]]
    assert await ids(labelId=bug["id"]) == [task["id"]]
    assert await ids(parentId=signal["id"]) == [task["id"]]
    assert await ids(noParent="true") == [signal["id"], plan["id"]]
    assert await ids(priority=3) == [plan["id"]]
    assert await ids(q="secret") == [task["id"]]  # description, case-insensitive
    assert await ids(q="LOGIN") == [signal["id"]]
    assert await ids(q="100%") == [plan["id"]]  # wildcards are literal
    assert await ids(q="%") == [plan["id"]]
    assert await ids(projectId="unknown") == []
    assert await ids(labelId="unknown") == []
    assert await ids(sort="-created") == [plan["id"], task["id"], signal["id"]]
    assert await ids(sort="priority") == [signal["id"], plan["id"], task["id"]]
    assert await ids(sort="-priority") == [task["id"], plan["id"], signal["id"]]
    await api.patch(f"{ISSUES}/{signal['id']}", {"title": "touched"})
    assert (await ids(sort="-updated"))[0] == signal["id"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "open"}, "status"), ({"type": "bug"}, "type"), ({"status": "todo,nope"}, "status"),
     ({"priority": 5}, "priority"), ({"priority": "high"}, "priority"), ({"sort": "title"}, "sort"),
     ({"limit": 0}, "limit"), ({"limit": 201}, "limit"), ({"offset": -1}, "offset"),
     ({"noParent": "true", "parentId": "x"}, "noParent")],
)  # fmt: skip
async def test_invalid_list_parameters_are_400(api, params, field):
    response = await api.get(ISSUES, params=params)
    assert response.status_code == 400, response.text
    assert field in response.json()["error"]


async def test_unknown_status_filter_lists_allowed_values(api):
    body = (await api.get(ISSUES, params={"status": "open"})).json()
    assert body["allowed"] == ["triage", "backlog", "todo", "in_progress", "done", "canceled"]


async def test_pagination(api):
    created = [await api.issue(f"issue {n}") for n in range(5)]
    page = (await api.get(ISSUES, params={"limit": 2, "offset": 2})).json()
    assert page["total"] == 5
    assert [i["id"] for i in page["data"]] == [created[2]["id"], created[3]["id"]]
    by_page = (await api.get(ISSUES, params={"limit": 2, "page": 3})).json()
    assert [i["id"] for i in by_page["data"]] == [created[4]["id"]]
    beyond = (await api.get(ISSUES, params={"offset": 10})).json()
    assert beyond == {"data": [], "total": 5}


async def test_requires_a_token_and_the_scope(client, factory):
    assert (await client.get(ISSUES)).status_code == 401
    reader = await factory.account(preset="read-all")
    headers = reader.headers
    assert (await client.get(ISSUES, headers=headers)).status_code == 200
    response = await client.post(ISSUES, json={"title": "x", "type": "task"}, headers=headers)
    assert response.status_code == 403 and response.json()["missing"] == ["write:issue"]
