"""Another organisation's data is invisible: every endpoint answers as if it did not exist."""

from __future__ import annotations

import pytest

from tests.engine.conftest import error_of


@pytest.fixture
async def theirs(other_api):
    project = await other_api.project("theirs")
    goal = await other_api.goal("theirs", projectId=project["id"])
    label = await other_api.label("theirs")
    issue = await other_api.issue("theirs", projectId=project["id"], labelIds=[label["id"]])
    other = await other_api.issue("other")
    relation = (await other_api.relate(issue["id"], "blocks", other["id"])).json()["data"]
    comment = await other_api.comment(issue["id"])
    return {"project": project, "goal": goal, "label": label, "issue": issue, "relation": relation,
            "comment": comment}  # fmt: skip


ENDPOINTS = [
    ("GET", "/api/issues/{issue}", None, "Issue not found"),
    ("PATCH", "/api/issues/{issue}", {"title": "x"}, "Issue not found"),
    ("DELETE", "/api/issues/{issue}", None, "Issue not found"),
    ("GET", "/api/issues/{issue}/relations", None, "Issue not found"),
    ("POST", "/api/issues/{issue}/relations", {"type": "related", "relatedIssueId": "{mine}"}, "Issue not found"),
    ("DELETE", "/api/relations/{relation}", None, "Relation not found"),
    ("GET", "/api/issues/{issue}/comments", None, "Issue not found"),
    ("POST", "/api/issues/{issue}/comments", {"body": "x", "authorName": "a", "authorType": "human"},
     "Issue not found"),
    ("PATCH", "/api/comments/{comment}", {"body": "x"}, "Comment not found"),
    ("DELETE", "/api/comments/{comment}", None, "Comment not found"),
    ("POST", "/api/issues/{issue}/labels", {"labelIds": ["{my_label}"]}, "Issue not found"),
    ("DELETE", "/api/issues/{issue}/labels/{my_label}", None, "Issue not found"),
    ("DELETE", "/api/issues/{mine}/labels/{label}", None, "Label not found"),
    ("PATCH", "/api/labels/{label}", {"name": "x"}, "Label not found"),
    ("DELETE", "/api/labels/{label}", None, "Label not found"),
    ("GET", "/api/projects/{project}", None, "Project not found"),
    ("PATCH", "/api/projects/{project}", {"name": "x"}, "Project not found"),
    ("DELETE", "/api/projects/{project}", None, "Project not found"),
    ("GET", "/api/goals/{goal}", None, "Goal not found"),
    ("PATCH", "/api/goals/{goal}", {"title": "x"}, "Goal not found"),
    ("DELETE", "/api/goals/{goal}", None, "Goal not found"),
]  # fmt: skip


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    return value


@pytest.mark.parametrize(("method", "path", "body", "message"), ENDPOINTS)
async def test_every_endpoint_answers_404(api, other_api, theirs, method, path, body, message):
    mine = await api.issue("mine")
    my_label = await api.label("mine")
    ids = {name: item["id"] for name, item in theirs.items()} | {
        "mine": mine["id"],
        "my_label": my_label["id"],
    }
    kwargs = {"json": _fill(body, ids)} if body is not None else {}
    response = await api.client.request(method, _fill(path, ids), headers=api.headers, **kwargs)
    assert error_of(response) == (404, message)
    # and nothing of theirs changed
    issue = await other_api.detail(theirs["issue"]["id"])
    assert issue["title"] == "theirs" and len(issue["labels"]) == 1 and len(issue["relations"]) == 1
    assert issue["commentCount"] == 1
    assert (await other_api.get(f"/api/goals/{theirs['goal']['id']}")).json()["data"]["title"] == "theirs"
    assert (await other_api.get(f"/api/projects/{theirs['project']['id']}")).status_code == 200


async def test_lists_show_only_our_organisation(api, theirs):
    for path in ("/api/issues", "/api/labels", "/api/projects", "/api/goals"):
        assert (await api.get(path)).json() == {"data": [], "total": 0}, path
    params = {"projectId": theirs["project"]["id"]}
    assert (await api.get("/api/issues", params=params)).json()["total"] == 0
    assert (await api.get("/api/issues", params={"labelId": theirs["label"]["id"]})).json()["total"] == 0
    assert (await api.get("/api/goals", params=params)).json()["total"] == 0


async def test_references_in_bodies_are_refused(api, theirs):
    mine = await api.issue("mine")
    my_project = await api.project("mine")
    cases = [
        ("/api/issues", {"title": "x", "type": "task", "parentId": theirs["issue"]["id"]}, "Parent issue not found"),
        ("/api/issues", {"title": "x", "type": "task", "projectId": theirs["project"]["id"]}, "Project not found"),
        ("/api/issues", {"title": "x", "type": "task", "labelIds": [theirs["label"]["id"]]},
         f"Label not found: {theirs['label']['id']}"),
        (f"/api/issues/{mine['id']}/relations", {"type": "blocks", "relatedIssueId": theirs["issue"]["id"]},
         "Related issue not found"),
        (f"/api/issues/{mine['id']}/comments",
         {"body": "x", "authorName": "a", "authorType": "human", "parentId": theirs["comment"]["id"]},
         "Parent comment not found"),
        ("/api/projects", {"name": "x", "goalId": theirs["goal"]["id"]}, "Goal not found"),
        ("/api/goals", {"title": "x", "projectId": theirs["project"]["id"]}, "Project not found"),
    ]  # fmt: skip
    for path, body, message in cases:
        assert error_of(await api.post(path, body)) == (422, message), path
    patches = [
        (f"/api/issues/{mine['id']}", {"parentId": theirs["issue"]["id"]}, "Parent issue not found"),
        (f"/api/issues/{mine['id']}", {"projectId": theirs["project"]["id"]}, "Project not found"),
        (f"/api/projects/{my_project['id']}", {"goalId": theirs["goal"]["id"]}, "Goal not found"),
    ]
    for path, body, message in patches:
        assert error_of(await api.patch(path, body)) == (422, message), path
