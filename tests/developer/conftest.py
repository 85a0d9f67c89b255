"""Helpers for the developer API tests: a small client that creates projects, feedback, lists and cards
through the API itself."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest


def png_bytes(width: int = 8, height: int = 8, colour: tuple[int, int, int] = (59, 130, 246)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 10, 10)).save(buffer, format="JPEG")
    return buffer.getvalue()


@dataclass
class Dev:
    http: httpx2.AsyncClient
    account: Any

    @property
    def headers(self) -> dict[str, str]:
        return self.account.headers

    async def request(self, method: str, path: str, expect: int | None = None, **kwargs: Any) -> Any:
        response = await self.http.request(method, path, headers=self.headers, **kwargs)
        if expect is not None:
            assert response.status_code == expect, response.text
        return response

    async def get(self, path: str, **kwargs: Any) -> httpx2.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx2.Response:
        return await self.request("POST", path, json=json, **kwargs)

    async def patch(self, path: str, json: Any = None, **kwargs: Any) -> httpx2.Response:
        return await self.request("PATCH", path, json=json, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> httpx2.Response:
        return await self.request("DELETE", path, **kwargs)

    async def project(self, **fields: Any) -> dict[str, Any]:
        body = {"name": "Marketing Site", **fields}
        if body.get("type", "website") == "website":
            body.setdefault("url", "https://example.com")
        response = await self.post("/api/v1/projects", body)
        assert response.status_code == 201, response.text
        return response.json()["data"]

    async def board(self, **fields: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        project = await self.project(name=fields.pop("name", "Launch board"), type="board", **fields)
        lists = (await self.get(f"/api/v1/boards/lists?project_id={project['id']}")).json()["data"]
        return project, lists

    async def feedback(self, project_id: str, **fields: Any) -> dict[str, Any]:
        body = {
            "project_id": project_id,
            "title": "CTA button is grey",
            "description": "The Start trial button is grey instead of blue.",
            "type": "bug",
            **fields,
        }
        response = await self.post("/api/v1/feedback", body)
        assert response.status_code == 201, response.text
        return response.json()["data"]

    async def card(self, list_id: str, **fields: Any) -> dict[str, Any]:
        response = await self.post("/api/v1/boards/cards", {"list_id": list_id, "title": "A card", **fields})
        assert response.status_code == 201, response.text
        return response.json()["data"]


@pytest.fixture
def dev(client, account) -> Dev:
    return Dev(client, account)


@pytest.fixture
def other(client, other_account) -> Dev:
    return Dev(client, other_account)


def assert_error(
    response: httpx2.Response, status: int, message: str, code: str | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == message, body
    if code is not None:
        assert body["code"] == code, body
    return body
