"""Projects (engine view) and goals: one project↔goal link (§8 C16), computed progress, issue counts."""

from __future__ import annotations

import pytest

from loop.goals.service import progress
from tests.engine.conftest import error_of

PROJECTS = "/api/projects"
GOALS = "/api/goals"


async def test_project_crud(api):
    project = await api.project(
        "Auth Reliability", description="Improve auth", status="active", health="at_risk"
    )
    assert project["goalId"] is None and project["status"] == "active" and project["health"] == "at_risk"
    default = await api.project("Other")
    assert default["status"] == "backlog" and default["health"] == "on_track"
    listed = (await api.get(PROJECTS)).json()
    assert listed["total"] == 2 and [p["id"] for p in listed["data"]] == [project["id"], default["id"]]
    updated = (
        await api.patch(f"{PROJECTS}/{project['id']}", {"name": "Renamed", "description": None})
    ).json()
    assert updated["data"]["name"] == "Renamed" and updated["data"]["description"] is None
    assert (await api.patch(f"{PROJECTS}/{project['id']}", {"status": "finished"})).status_code == 400
    assert (await api.patch(f"{PROJECTS}/{project['id']}", {"name": None})).status_code == 400
    assert (await api.delete(f"{PROJECTS}/{project['id']}")).status_code == 204
    for response in (
        await api.get(f"{PROJECTS}/{project['id']}"),
        await api.patch(f"{PROJECTS}/{project['id']}", {"name": "x"}),
        await api.delete(f"{PROJECTS}/{project['id']}"),
    ):
        assert error_of(response) == (404, "Project not found")
    assert (await api.get(PROJECTS)).json()["total"] == 1
    assert (await api.post(PROJECTS, {"name": ""})).status_code == 400


async def test_goal_id_is_the_one_link_between_projects_and_goals(api):
    goal = await api.goal("Reduce failures")
    assert error_of(await api.post(PROJECTS, {"name": "p", "goalId": "missing"})) == (422, "Goal not found")
    assert (await api.get(PROJECTS)).json()["total"] == 0  # nothing created
    project = await api.project("p", goalId=goal["id"])
    assert project["goalId"] == goal["id"]
    # the goal now points at the project: the same fact seen from the goal
    assert (await api.get(f"{GOALS}/{goal['id']}")).json()["data"]["projectId"] == project["id"]
    detail = (await api.get(f"{PROJECTS}/{project['id']}")).json()["data"]
    assert detail["goal"]["id"] == goal["id"] and [g["id"] for g in detail["goals"]] == [goal["id"]]

    # a goal created for the project (goal side) becomes the primary goal
    newer = await api.goal("Faster login", projectId=project["id"])
    detail = (await api.get(f"{PROJECTS}/{project['id']}")).json()["data"]
    assert detail["goalId"] == newer["id"] and detail["goal"]["id"] == newer["id"]
    assert {g["id"] for g in detail["goals"]} == {goal["id"], newer["id"]}
    # an achieved goal yields to an active one
    await api.patch(f"{GOALS}/{newer['id']}", {"status": "achieved"})
    assert (await api.get(f"{PROJECTS}/{project['id']}")).json()["data"]["goalId"] == goal["id"]
    # PATCH goalId re-points; the goal leaves any other project
    other = await api.project("other", goalId=goal["id"])
    assert (await api.get(f"{GOALS}/{goal['id']}")).json()["data"]["projectId"] == other["id"]
    assert (await api.get(f"{PROJECTS}/{project['id']}")).json()["data"]["goalId"] == newer["id"]
    patched = (await api.patch(f"{PROJECTS}/{project['id']}", {"goalId": goal["id"]})).json()["data"]
    assert patched["goalId"] == goal["id"]
    assert error_of(await api.patch(f"{PROJECTS}/{project['id']}", {"goalId": "missing"})) == (
        422,
        "Goal not found",
    )
    # null detaches every goal of the project
    cleared = (await api.patch(f"{PROJECTS}/{project['id']}", {"goalId": None})).json()["data"]
    assert cleared["goalId"] is None
    detail = (await api.get(f"{PROJECTS}/{project['id']}")).json()["data"]
    assert detail["goal"] is None and detail["goals"] == []
    assert (await api.get(f"{GOALS}/{goal['id']}")).json()["data"]["projectId"] is None
    # a deleted goal is no longer the project's
    await api.patch(f"{PROJECTS}/{project['id']}", {"goalId": newer["id"]})
    await api.delete(f"{GOALS}/{newer['id']}")
    assert (await api.get(f"{PROJECTS}/{project['id']}")).json()["data"]["goal"] is None
    listed = (await api.get(PROJECTS)).json()["data"]
    assert {p["id"]: p["goalId"] for p in listed} == {project["id"]: None, other["id"]: None}


async def test_issue_counts(api):
    project = await api.project()
    await api.issue(projectId=project["id"], status="todo")
    await api.issue(projectId=project["id"], status="todo")
    done = await api.issue(projectId=project["id"], status="done")
    deleted = await api.issue(projectId=project["id"], status="backlog")
    await api.issue(status="todo")  # another project's (none)
    await api.delete(f"/api/issues/{deleted['id']}")
    detail = (await api.get(f"{PROJECTS}/{project['id']}")).json()["data"]
    assert detail["issueCounts"] == {"todo": 2, "done": 1}
    await api.patch(f"/api/issues/{done['id']}", {"status": "todo"})
    detail = (await api.get(f"{PROJECTS}/{project['id']}")).json()["data"]
    assert detail["issueCounts"] == {"todo": 3}


async def test_goal_crud_and_filters(api):
    project = await api.project()
    full = await api.goal(
        "Reduce login failure rate", description="d", metric="login_failure_rate", targetValue=0.05,
        currentValue=0.18, unit="ratio", direction="decrease", projectId=project["id"],
    )  # fmt: skip
    assert full["progress"] == pytest.approx(27.8) and full["direction"] == "decrease"
    minimal = await api.goal("Minimal")
    assert (
        minimal["status"] == "active" and minimal["progress"] is None and minimal["direction"] == "increase"
    )
    assert minimal["projectId"] is None
    achieved = await api.goal("Done already", status="achieved")
    listed = (await api.get(GOALS)).json()
    assert [g["id"] for g in listed["data"]] == [full["id"], minimal["id"], achieved["id"]]
    assert [g["id"] for g in (await api.get(GOALS, params={"status": "achieved"})).json()["data"]] == [
        achieved["id"]
    ]
    assert (await api.get(GOALS, params={"status": "active,achieved"})).json()["total"] == 3
    assert [g["id"] for g in (await api.get(GOALS, params={"projectId": project["id"]})).json()["data"]] == [
        full["id"]
    ]
    bad = await api.get(GOALS, params={"status": "completed"})
    assert bad.status_code == 400 and bad.json()["allowed"] == ["active", "achieved", "abandoned"]

    path = f"{GOALS}/{minimal['id']}"
    patched = (await api.patch(path, {"currentValue": 50, "targetValue": 200, "unit": "ms"})).json()["data"]
    assert patched["progress"] == 25.0
    cleared = (await api.patch(path, {"targetValue": None, "description": None})).json()["data"]
    assert cleared["targetValue"] is None and cleared["progress"] is None
    assert error_of(await api.patch(path, {"projectId": "missing"})) == (422, "Project not found")
    assert (await api.patch(path, {"projectId": project["id"]})).json()["data"]["projectId"] == project["id"]
    assert (await api.patch(path, {"status": "completed"})).status_code == 400
    assert (await api.patch(path, {"title": None})).status_code == 400
    assert error_of(await api.post(GOALS, {"title": "x", "projectId": "missing"})) == (
        422,
        "Project not found",
    )
    assert (await api.post(GOALS, {"title": "x", "direction": "sideways"})).status_code == 400
    assert (await api.post(GOALS, {})).status_code == 400

    assert (await api.delete(path)).status_code == 204
    for response in (await api.get(path), await api.patch(path, {"title": "x"}), await api.delete(path)):
        assert error_of(response) == (404, "Goal not found")
    assert (await api.get(GOALS)).json()["total"] == 2


@pytest.mark.parametrize(
    ("current", "target", "direction", "expected"),
    [
        (None, 10, "increase", None), (5, None, "increase", None),
        (5, 10, "increase", 50.0), (15, 10, "increase", 100.0), (0, 10, "increase", 0.0),
        (0, 0, "increase", 100.0), (-1, 0, "increase", 0.0), (-5, 10, "increase", 0.0),
        (450, 200, "decrease", 44.4), (150, 200, "decrease", 100.0), (3, 0, "decrease", 0.0),
        (0, 0, "decrease", 100.0), (0.18, 0.05, "decrease", 27.8), (1, 3, "increase", 33.3),
    ],
)  # fmt: skip
def test_progress(current, target, direction, expected):
    assert progress(current, target, direction) == expected
