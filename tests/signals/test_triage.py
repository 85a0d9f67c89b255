"""Triage rules: ordered, first match wins; they move new signal issues to todo with a priority, labels
and a project so dispatch picks them up."""

from __future__ import annotations

from tests.engine.conftest import error_of
from tests.signals.conftest import signal

DEFAULT = "Critical and high severity go straight to the queue"


async def rules(api):
    return (await api.get("/api/triage/rules")).json()


async def test_every_organisation_starts_with_the_default_rule(api):
    body = await rules(api)
    assert body["total"] == 1
    rule = body["data"][0]
    assert rule["name"] == DEFAULT and rule["position"] == 1 and rule["enabled"] is True
    assert rule["match"] == {
        "source": None,
        "type": None,
        "severity": ["critical", "high"],
        "label": None,
        "projectId": None,
    }
    assert rule["action"] == {"status": "todo", "priority": None, "labelIds": [], "projectId": None}


async def test_rule_moves_matching_signals_to_todo_with_labels_priority_and_project(api):
    label = await api.label("prod-error")
    project = await api.project("Checkout")
    response = await api.post(
        "/api/triage/rules",
        {
            "name": "Sentry errors on checkout",
            "position": 1,
            "match": {"source": "SENTRY", "type": "issue.*", "severity": ["medium"]},
            "action": {
                "status": "todo",
                "priority": 1,
                "labelIds": [label["id"]],
                "projectId": project["id"],
            },
        },
    )
    assert response.status_code == 201, response.text
    rule = response.json()["data"]
    assert rule["position"] == 1
    assert [r["position"] for r in (await rules(api))["data"]] == [1, 2]
    issue = (await signal(api, source="sentry", type="issue.created", severity="medium"))["issue"]
    assert (issue["status"], issue["priority"], issue["projectId"]) == ("todo", 1, project["id"])
    assert [lab["id"] for lab in (await api.detail(issue["id"]))["labels"]] == [label["id"]]
    # the dispatch queue sees it: it is a todo issue
    todo = (await api.get("/api/issues?status=todo")).json()
    assert [i["id"] for i in todo["data"]] == [issue["id"]]
    # not matching: another type, another source
    assert (await signal(api, source="sentry", type="exception", severity="medium"))["issue"][
        "status"
    ] == "triage"
    assert (await signal(api, source="github", type="issue.created", severity="medium"))["issue"][
        "status"
    ] == "triage"


async def test_first_match_wins_and_disabled_rules_are_skipped(api):
    await api.post(
        "/api/triage/rules",
        {"name": "low to backlog", "match": {"severity": ["low"]}, "action": {"status": "backlog"}},
    )
    await api.post(
        "/api/triage/rules", {"name": "everything else", "action": {"status": "todo", "priority": 4}}
    )
    listed = (await rules(api))["data"]
    assert [r["name"] for r in listed] == [DEFAULT, "low to backlog", "everything else"]
    critical = (await signal(api, severity="critical"))["issue"]
    assert (critical["status"], critical["priority"]) == (
        "todo",
        1,
    )  # the default rule: priority from severity
    low = (await signal(api, severity="low"))["issue"]
    assert (low["status"], low["priority"]) == ("backlog", 4)
    medium = (await signal(api, severity="medium"))["issue"]
    assert (medium["status"], medium["priority"]) == ("todo", 4)
    # disable the default: critical falls through to the catch-all
    response = await api.patch(f"/api/triage/rules/{listed[0]['id']}", {"enabled": False})
    assert response.status_code == 200 and response.json()["data"]["enabled"] is False
    assert (await signal(api, severity="critical"))["issue"]["priority"] == 4
    # move the catch-all first
    response = await api.patch(f"/api/triage/rules/{listed[2]['id']}", {"position": 1})
    assert response.json()["data"]["position"] == 1
    assert [r["name"] for r in (await rules(api))["data"]] == ["everything else", DEFAULT, "low to backlog"]
    assert (await signal(api, severity="low"))["issue"]["status"] == "todo"
    # delete renumbers
    assert (await api.delete(f"/api/triage/rules/{listed[2]['id']}")).status_code == 204
    assert [(r["name"], r["position"]) for r in (await rules(api))["data"]] == [
        (DEFAULT, 1),
        ("low to backlog", 2),
    ]


async def test_label_and_project_conditions(api):
    project = await api.project("Web")
    await api.post(
        "/api/triage/rules",
        {"name": "bugs", "position": 1, "match": {"label": "Bug"}, "action": {"priority": 2}},
    )
    await api.post(
        "/api/triage/rules",
        {
            "name": "web",
            "position": 2,
            "match": {"projectId": project["id"]},
            "action": {"status": "backlog"},
        },
    )
    assert (await signal(api, labels=["bug", "ui"]))["issue"]["priority"] == 2
    assert (await signal(api, projectId=project["id"]))["issue"]["status"] == "backlog"
    assert (await signal(api))["issue"]["status"] == "triage"


async def test_patch_replaces_match_and_action_whole(api):
    rule = (
        await api.post(
            "/api/triage/rules",
            {"name": "r", "match": {"source": "a", "type": "b"}, "action": {"priority": 2}},
        )
    ).json()["data"]
    updated = (await api.patch(f"/api/triage/rules/{rule['id']}", {"match": {"severity": ["low"]}})).json()[
        "data"
    ]
    assert updated["match"] == {
        "source": None,
        "type": None,
        "severity": ["low"],
        "label": None,
        "projectId": None,
    }
    assert updated["action"]["priority"] == 2 and updated["name"] == "r"
    assert (await api.get(f"/api/triage/rules/{rule['id']}")).json()["data"] == updated


async def test_a_deleted_label_or_project_never_fails_a_signal(api):
    label = await api.label("gone")
    project = await api.project("gone")
    await api.post(
        "/api/triage/rules",
        {"name": "r", "position": 1, "action": {"labelIds": [label["id"]], "projectId": project["id"]}},
    )
    await api.delete(f"/api/labels/{label['id']}")
    await api.delete(f"/api/projects/{project['id']}")
    issue = (await signal(api))["issue"]
    assert issue["status"] == "todo" and issue["projectId"] is None
    assert (await api.detail(issue["id"]))["labels"] == []


async def test_rule_validation(api, other_api):
    theirs = await other_api.label("theirs")
    cases = [
        ({"name": ""}, 400, None),
        ({"name": "x", "match": {"severity": ["urgent"]}}, 400, None),
        ({"name": "x", "action": {"status": "open"}}, 400, None),
        ({"name": "x", "action": {"priority": 7}}, 400, None),
        ({"name": "x", "action": {"labelIds": [theirs["id"]]}}, 422, f"Label not found: {theirs['id']}"),
        ({"name": "x", "action": {"projectId": "nope"}}, 422, "Project not found"),
        ({"name": "x", "match": {"projectId": "nope"}}, 422, "Project not found"),
    ]
    for body, status, message in cases:
        response = await api.post("/api/triage/rules", body)
        assert response.status_code == status, (body, response.text)
        if message:
            assert response.json()["error"] == message
    assert (await rules(api))["total"] == 1
    assert error_of(await api.get("/api/triage/rules/nope")) == (404, "Triage rule not found")
