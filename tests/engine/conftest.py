"""Engine test helpers: an ``api`` bound to ``account`` (and ``other_api`` to another organisation)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest


class Api:
    def __init__(self, client: httpx2.AsyncClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    async def get(self, path: str, **kwargs: Any) -> httpx2.Response:
        return await self.client.get(path, headers=self.headers, **kwargs)

    async def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx2.Response:
        return await self.client.post(path, json=json, headers=self.headers, **kwargs)

    async def patch(self, path: str, json: Any = None, **kwargs: Any) -> httpx2.Response:
        return await self.client.patch(path, json=json, headers=self.headers, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> httpx2.Response:
        return await self.client.delete(path, headers=self.headers, **kwargs)

    async def _created(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.post(path, body)
        assert response.status_code == 201, response.text
        return response.json()["data"]

    async def issue(self, title: str = "An issue", type: str = "task", **fields: Any) -> dict[str, Any]:
        return await self._created("/api/issues", {"title": title, "type": type, **fields})

    async def label(self, name: str = "bug", color: str = "#ff0000") -> dict[str, Any]:
        return await self._created("/api/labels", {"name": name, "color": color})

    async def project(self, name: str = "Auth", **fields: Any) -> dict[str, Any]:
        return await self._created("/api/projects", {"name": name, **fields})

    async def goal(self, title: str = "Fewer failures", **fields: Any) -> dict[str, Any]:
        return await self._created("/api/goals", {"title": title, **fields})

    async def relate(self, issue_id: str, type: str, related_id: str) -> httpx2.Response:
        return await self.post(
            f"/api/issues/{issue_id}/relations", {"type": type, "relatedIssueId": related_id}
        )

    async def comment(self, issue_id: str, body: str = "hello", **fields: Any) -> dict[str, Any]:
        fields.setdefault("authorName", "claude")
        fields.setdefault("authorType", "agent")
        return await self._created(f"/api/issues/{issue_id}/comments", {"body": body, **fields})

    async def detail(self, issue_id: str) -> dict[str, Any]:
        response = await self.get(f"/api/issues/{issue_id}")
        assert response.status_code == 200, response.text
        return response.json()["data"]


@pytest.fixture
def api(client, account) -> Api:
    return Api(client, account.headers)


@pytest.fixture
def other_api(client, other_account) -> Api:
    return Api(client, other_account.headers)


def error_of(response: httpx2.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]
