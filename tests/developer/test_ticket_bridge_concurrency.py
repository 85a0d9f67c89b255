"""Concurrent sends of one ticket make one engine issue (on a database of its own, real commits)."""

import asyncio
from pathlib import Path

import httpx2

from loop.app import create_app
from tests.conftest import Factory, fresh_database, make_settings


async def _run(url: str, data_dir: Path) -> None:
    app = create_app(make_settings(url, data_dir, db_pool_size=20, db_max_overflow=20))
    async with app.router.lifespan_context(app):
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(
            transport=transport, base_url="http://testserver", timeout=120
        ) as client:
            account = await Factory(app).account()
            headers = account.headers
            site = await client.post(
                "/api/v1/projects", json={"name": "Site", "url": "https://site.example"}, headers=headers
            )
            item = await client.post(
                "/api/v1/feedback",
                json={"project_id": site.json()["data"]["id"], "title": "Login fails", "type": "bug"},
                headers=headers,
            )
            ticket = await client.post(
                "/api/v1/tickets/generate",
                json={"source_type": "feedback", "source_id": item.json()["data"]["id"]},
                headers=headers,
            )
            ticket_id = ticket.json()["data"]["id"]
            responses = await asyncio.gather(
                *(client.post(f"/api/v1/tickets/{ticket_id}/issue", headers=headers) for _ in range(8))
            )
            codes = sorted(r.status_code for r in responses)
            assert codes == [200] * 7 + [201], [r.text for r in responses]
            assert len({r.json()["data"]["id"] for r in responses}) == 1
            issues = await client.get("/api/issues", headers=headers)
            assert issues.json()["total"] == 1


def test_concurrent_sends_make_one_issue(tmp_path):
    with fresh_database(tmp_path) as url:
        asyncio.run(_run(url, tmp_path / "data"))
