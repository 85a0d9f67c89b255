"""Small API helpers for dispatch and prompt tests."""

from __future__ import annotations

from typing import Any


async def make_issue(client: Any, account: Any, **fields: Any) -> dict[str, Any]:
    body = {"title": "Do the thing", "type": "task", "status": "todo", "priority": 3, **fields}
    response = await client.post("/api/issues", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()["data"]


async def block(client: Any, account: Any, blocker_id: str, blocked_id: str) -> None:
    response = await client.post(
        f"/api/issues/{blocker_id}/relations",
        json={"type": "blocks", "relatedIssueId": blocked_id},
        headers=account.headers,
    )
    assert response.status_code == 201, response.text


async def set_status(client: Any, account: Any, issue_id: str, status: str) -> dict[str, Any]:
    response = await client.patch(f"/api/issues/{issue_id}", json={"status": status}, headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def claim(client: Any, account: Any, **params: Any) -> Any:
    response = await client.get("/api/dispatch/next", params=params, headers=account.headers)
    assert response.status_code in (200, 204), response.text
    return response.json() if response.status_code == 200 else None


async def template_by_slug(client: Any, account: Any, slug: str) -> dict[str, Any]:
    response = await client.get("/api/templates", headers=account.headers)
    assert response.status_code == 200, response.text
    return next(t for t in response.json()["data"] if t["slug"] == slug)
