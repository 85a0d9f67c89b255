"""Many agents claiming at once, on a database of its own with real commits (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
import pytest

from loop.app import create_app
from loop.dispatch.bulk import insert_todo_issues
from loop.issues.models import IssueRelation
from tests.conftest import Factory, fresh_database, make_settings

ISSUES = 2000
CLAIMERS = 64
BLOCKED = 40


async def _run(url: str, tmp_path) -> tuple[list[list[dict[str, Any]]], list[dict[str, Any]], set[str]]:
    app = create_app(make_settings(url, tmp_path / "data"))
    async with app.router.lifespan_context(app):
        account = await Factory(app).account()
        database = app.state.database
        async with database.write() as session:
            rows = await insert_todo_issues(session, account.org.id, ISSUES + BLOCKED, seed=7)
            # the last BLOCKED issues each wait for an issue that is not done (and never will be)
            blocker_rows = await insert_todo_issues(session, account.org.id, BLOCKED, seed=8)
            blocked = rows[ISSUES:]
            for blocker, target in zip(blocker_rows, blocked, strict=True):
                session.add(
                    IssueRelation(
                        org_id=account.org.id,
                        type="blocks",
                        issue_id=blocker["id"],
                        related_issue_id=target["id"],
                    )
                )
        async with database.write() as session:
            # blockers are taken out of the queue (in_progress) so only the ISSUES free ones can be claimed
            from sqlalchemy import update

            from loop.issues.models import Issue

            await session.execute(
                update(Issue)
                .where(Issue.id.in_([b["id"] for b in blocker_rows]))
                .values(status="in_progress", sort_key=None, todo_since=None)
            )
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test", timeout=120) as client:
            # a tiny template keeps the test about claiming, not rendering
            template = (
                await client.post(
                    "/api/templates",
                    json={"slug": "tiny", "name": "Tiny", "specificity": 99},
                    headers=account.headers,
                )
            ).json()["data"]
            response = await client.post(
                f"/api/templates/{template['id']}/versions",
                json={
                    "content": "#{{issue.number}} {{issue.title}}",
                    "authorType": "human",
                    "authorName": "t",
                },
                headers=account.headers,
            )
            assert response.status_code == 201

            async def claimer() -> list[dict[str, Any]]:
                got = []
                while True:
                    response = await client.post("/api/dispatch/claim", headers=account.headers)
                    if response.status_code == 204:
                        return got
                    assert response.status_code == 200, response.text
                    got.append(response.json()["issue"])

            per_claimer = await asyncio.gather(*[claimer() for _ in range(CLAIMERS)])
        await app.state.database.dispose()
    by_id = {row["id"]: row for row in rows}
    return per_claimer, [by_id[i["id"]] for c in per_claimer for i in c], {b["id"] for b in blocked}


@pytest.mark.slow
def test_64_claimers_take_every_issue_exactly_once_in_score_order(tmp_path):
    with fresh_database(tmp_path) as url:
        per_claimer, claimed, blocked = asyncio.run(_run(url, tmp_path))
    ids = [row["id"] for row in claimed]
    assert len(ids) == ISSUES
    assert len(set(ids)) == ISSUES
    assert not set(ids) & blocked
    assert sum(1 for c in per_claimer if c) > 1  # the claims really were spread over several claimers
    rows = {row["id"]: row for row in claimed}
    for claims in per_claimer:
        keys = [rows[issue["id"]]["sort_key"] for issue in claims]
        assert keys == sorted(keys), "a claimer received a lower-scored issue before a higher-scored one"
