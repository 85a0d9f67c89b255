"""Signal test helpers: an ``api`` for the account, and ``hooks`` that sign and send provider deliveries
made from the captured payloads in tests/fixtures/webhooks/<provider>/."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.engine.conftest import Api

FIXTURES = Path(__file__).parents[1] / "fixtures" / "webhooks"
SECRETS = {"github": "gh-secret-0123456789abcdef", "sentry": "8c1e4b7a" * 8, "posthog": "ph-shared-secret-42"}


def fixture_bytes(provider: str, name: str) -> bytes:
    return (FIXTURES / provider / f"{name}.json").read_bytes()


def fixture_names(provider: str) -> list[str]:
    return sorted(path.stem for path in (FIXTURES / provider).glob("*.json"))


def sign(provider: str, secret: str, body: bytes, name: str = "", **overrides: str) -> dict[str, str]:
    """The headers the provider sends with ``body`` (the event comes from the fixture's file name)."""
    event = name.split("__")[0]
    headers = {"Content-Type": "application/json"}
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if provider == "github":
        headers |= {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-GitHub-Hook-ID": "512347896",
            "X-Hub-Signature-256": "sha256=" + digest,
            "User-Agent": "GitHub-Hookshot/7d5ea8b",
        }
    elif provider == "sentry":
        headers |= {
            "Request-ID": str(uuid.uuid4()),
            "Sentry-Hook-Resource": event,
            "Sentry-Hook-Timestamp": str(int(time.time())),
            "Sentry-Hook-Signature": digest,
        }
    else:
        headers |= {"X-PostHog-Secret": secret}
    headers.update(overrides)
    return {key: value for key, value in headers.items() if value is not None}


class Hooks:
    def __init__(self, client: httpx2.AsyncClient, api: Api, org_id: str) -> None:
        self.client = client
        self.api = api
        self.org_id = org_id

    async def configure(self, *providers: str) -> None:
        for provider in providers or tuple(SECRETS):
            response = await self.api.client.put(
                f"/api/webhooks/{provider}", json={"secret": SECRETS[provider]}, headers=self.api.headers
            )
            assert response.status_code == 200, response.text

    async def send(
        self,
        provider: str,
        name: str,
        *,
        body: bytes | None = None,
        secret: str | None = None,
        org_id: str | None = None,
        **headers: Any,
    ) -> httpx2.Response:
        body = fixture_bytes(provider, name) if body is None else body
        signed = sign(provider, secret or SECRETS[provider], body, name, **headers)
        return await self.client.post(
            f"/api/signals/{provider}", params={"org": org_id or self.org_id}, content=body, headers=signed
        )


@pytest.fixture
def api(client, account) -> Api:
    return Api(client, account.headers)


@pytest.fixture
def other_api(client, other_account) -> Api:
    return Api(client, other_account.headers)


@pytest.fixture
def hooks(client, api, account) -> Hooks:
    return Hooks(client, api, account.org.id)


async def signal(api: Api, **fields: Any) -> dict[str, Any]:
    body = {
        "source": "sentry",
        "type": "exception",
        "severity": "medium",
        "payload": {"message": "boom"},
    } | fields
    response = await api.post("/api/signals", body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def dumps(payload: Any) -> bytes:
    return json.dumps(payload).encode()
