"""Helpers for the Track & invoices tests: requests with ``X-API-Key``, as Looped clients send them."""

from __future__ import annotations

import secrets
from typing import Any

from tests.conftest import Account


def key(account: Account) -> dict[str, str]:
    return {"X-API-Key": account.token}


async def project(client: Any, account: Account, **body: Any) -> dict[str, Any]:
    body.setdefault("title", "Acme redesign")
    response = await client.post("/v1/track/projects", json=body, headers=key(account))
    assert response.status_code == 201, response.text
    return response.json()["project"]


async def set_rate(
    client: Any, account: Account, project_id: str, user_id: str, rate: str, **extra: Any
) -> None:
    response = await client.put(
        f"/v1/track/projects/{project_id}/members/{user_id}",
        json={"rate": rate, **extra},
        headers=key(account),
    )
    assert response.status_code in (200, 201), response.text


async def log(client: Any, account: Account, **body: Any) -> dict[str, Any]:
    body.setdefault("taskName", "Design review")
    body.setdefault("durationSeconds", 3600)
    body.setdefault("date", "2026-05-04")
    response = await client.post("/v1/track/time", json=body, headers=key(account))
    assert response.status_code == 201, response.text
    return response.json()["time"]


ADDRESS = {"line1": "1 Main Road", "postalCode": "8001", "city": "Cape Town", "country": "South Africa"}


async def billing_client(client: Any, account: Account, **body: Any) -> dict[str, Any]:
    body.setdefault("name", "Globex")
    body.setdefault("email", "accounts@globex.example")
    body.setdefault("address", ADDRESS)
    response = await client.post("/v1/invoices/clients", json=body, headers=key(account))
    assert response.status_code == 201, response.text
    return response.json()["client"]


async def invoice(client: Any, account: Account, **body: Any) -> dict[str, Any]:
    if "clientId" not in body:
        body["clientId"] = (await billing_client(client, account, name=f"Client {secrets.token_hex(3)}"))[
            "id"
        ]
    response = await client.post("/v1/invoices", json=body, headers=key(account))
    assert response.status_code == 201, response.text
    return response.json()["invoice"]
