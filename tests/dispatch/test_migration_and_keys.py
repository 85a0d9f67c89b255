"""The queue key follows every change that moves an issue in the queue; the migration fills it in (and seeds
the default templates) for data that existed before it."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from loop.config import Settings
from loop.db import migrate
from loop.db.session import Database
from loop.goals import service as goals
from loop.issues import service as issues
from loop.issues.models import Issue
from loop.orgs import service as orgs
from loop.projects.models import Project
from loop.prompts.models import PromptTemplate, PromptVersion
from tests.conftest import TEST_SECRET, fresh_database
from tests.dispatch.helpers import make_issue, set_status

PREVIOUS = "0da1296ddc39"


async def _queue_ids(client, account):
    body = (await client.get("/api/dispatch/queue", headers=account.headers)).json()
    return [item["issue"]["id"] for item in body["data"]]


async def test_priority_type_status_and_delete_move_the_issue(client, account):
    a = await make_issue(client, account, title="a", priority=3)
    b = await make_issue(client, account, title="b", priority=4)
    assert await _queue_ids(client, account) == [a["id"], b["id"]]
    await client.patch(f"/api/issues/{b['id']}", json={"priority": 1}, headers=account.headers)
    assert await _queue_ids(client, account) == [b["id"], a["id"]]
    await client.patch(
        f"/api/issues/{a['id']}", json={"type": "signal", "priority": 1}, headers=account.headers
    )
    assert await _queue_ids(client, account) == [a["id"], b["id"]]
    await set_status(client, account, a["id"], "backlog")
    assert await _queue_ids(client, account) == [b["id"]]
    await set_status(client, account, a["id"], "todo")
    assert await _queue_ids(client, account) == [a["id"], b["id"]]
    await client.delete(f"/api/issues/{a['id']}", headers=account.headers)
    assert await _queue_ids(client, account) == [b["id"]]


async def test_moving_an_issue_into_a_project_with_a_goal_adds_the_bonus(client, account):
    project = (await client.post("/api/projects", json={"name": "P"}, headers=account.headers)).json()["data"]
    await client.post("/api/goals", json={"title": "G", "projectId": project["id"]}, headers=account.headers)
    issue = await make_issue(client, account, priority=3)
    queue = (await client.get("/api/dispatch/queue", headers=account.headers)).json()["data"]
    assert queue[0]["breakdown"]["goalBonus"] == 0
    await client.patch(
        f"/api/issues/{issue['id']}", json={"projectId": project["id"]}, headers=account.headers
    )
    queue = (await client.get("/api/dispatch/queue", headers=account.headers)).json()["data"]
    assert queue[0]["breakdown"]["goalBonus"] == 20


def test_migration_fills_keys_and_seeds_templates_for_existing_data(tmp_path):
    async def scenario(url: str) -> None:
        database = Database(Settings(database_url=url, secret_key=TEST_SECRET, data_dir=tmp_path))
        try:
            async with database.write() as session:
                org = await orgs.create_organisation(session, "Old")
                project = Project(org_id=org.id, name="P")
                session.add(project)
                await session.flush()
                await goals.create_goal(session, org.id, title="G", project_id=project.id)
                queued = await issues.create_issue(
                    session, org.id, title="q", type="task", status="todo", priority=2, project_id=project.id
                )
                waiting = await issues.create_issue(session, org.id, title="w", type="task", status="backlog")
                expected = queued.sort_key
                ids = (queued.id, waiting.id)
            assert expected is not None
            await migrate.downgrade(database.engines.write, PREVIOUS)
            await migrate.upgrade(database.engines.write)
            async with database.read() as session:
                keys = dict(
                    (await session.execute(select(Issue.id, Issue.sort_key).where(Issue.id.in_(ids)))).all()
                )
                assert keys == {ids[0]: expected, ids[1]: None}
                templates = await session.scalar(
                    select(func.count()).select_from(PromptTemplate).where(PromptTemplate.org_id == org.id)
                )
                active = await session.scalar(
                    select(func.count())
                    .select_from(PromptVersion)
                    .where(PromptVersion.org_id == org.id, PromptVersion.status == "active")
                )
                assert (templates, active) == (5, 5)
        finally:
            await database.dispose()

    with fresh_database(tmp_path) as url:
        asyncio.run(scenario(url))


async def _key(app, issue_id):
    async with app.state.database.read() as session:
        return await session.scalar(select(Issue.sort_key).where(Issue.id == issue_id))


async def test_blocked_issues_leave_the_queue_index_and_come_back(app, client, account):
    h = account.headers
    blocker = await make_issue(client, account, title="blocker", status="backlog")
    blocked = await make_issue(client, account, title="blocked")
    assert await _key(app, blocked["id"]) is not None
    relation = (
        await client.post(
            f"/api/issues/{blocker['id']}/relations",
            json={"type": "blocks", "relatedIssueId": blocked["id"]},
            headers=h,
        )
    ).json()["data"]
    assert await _key(app, blocked["id"]) is None
    # finishing the blocker frees it; reopening the blocker blocks it again
    await set_status(client, account, blocker["id"], "done")
    assert await _key(app, blocked["id"]) is not None
    await set_status(client, account, blocker["id"], "todo")
    assert await _key(app, blocked["id"]) is None
    await set_status(client, account, blocker["id"], "canceled")
    assert await _key(app, blocked["id"]) is not None
    await set_status(client, account, blocker["id"], "backlog")
    assert await _key(app, blocked["id"]) is None
    # removing the relation frees it
    assert (await client.delete(f"/api/relations/{relation['id']}", headers=h)).status_code == 204
    assert await _key(app, blocked["id"]) is not None
    # blocked_by, then deleting the blocker
    await client.post(
        f"/api/issues/{blocked['id']}/relations",
        json={"type": "blocked_by", "relatedIssueId": blocker["id"]},
        headers=h,
    )
    assert await _key(app, blocked["id"]) is None
    # a blocked issue moved to backlog and back to todo stays out
    await set_status(client, account, blocked["id"], "backlog")
    await set_status(client, account, blocked["id"], "todo")
    assert await _key(app, blocked["id"]) is None
    assert (await client.delete(f"/api/issues/{blocker['id']}", headers=h)).status_code == 204
    assert await _key(app, blocked["id"]) is not None
    claimed = (await client.get("/api/dispatch/next", headers=h)).json()
    assert claimed["issue"]["id"] == blocked["id"]


async def test_an_issue_blocked_by_two_waits_for_both(app, client, account):
    first = await make_issue(client, account, title="first", status="backlog")
    second = await make_issue(client, account, title="second", status="backlog")
    blocked = await make_issue(client, account, title="blocked")
    for blocker in (first, second):
        await client.post(
            f"/api/issues/{blocker['id']}/relations",
            json={"type": "blocks", "relatedIssueId": blocked["id"]},
            headers=account.headers,
        )
    await set_status(client, account, first["id"], "done")
    assert await _key(app, blocked["id"]) is None
    await set_status(client, account, second["id"], "done")
    assert await _key(app, blocked["id"]) is not None
