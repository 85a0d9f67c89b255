"""The inbox with the server's own job runner on (the default), and with rate limits on."""

import asyncio

import pytest

from tests.conftest import make_settings


@pytest.fixture
def settings(database_url, tmp_path):
    return make_settings(
        database_url,
        tmp_path / "data",
        jobs_in_process=True,
        jobs_poll_interval_s=0.2,
        rate_limit_enabled=True,
    )


async def test_the_server_runs_exports_itself(client, account):
    created = await client.post(
        "/api/v1/report/export", json={"start": 0, "end": 10**9}, headers=account.headers
    )
    assert created.status_code == 200
    url = f"/api/v1/report/exports/{created.json()['id']}"
    results = []

    async def completed():
        response = await client.get(url, headers=account.headers)
        results.append(response.json())
        return response.json()["status"] == "Completed"

    for _ in range(100):
        if await completed():
            break
        await asyncio.sleep(0.1)
    assert results[-1]["status"] == "Completed", results[-1]
    assert (await client.get(results[-1]["url"])).json() == []


async def test_rate_limited_requests_get_429_with_retry_after(client, factory):
    account = await factory.account(rate_limit="2/minute")
    for _ in range(2):
        assert (await client.get("/v1/drafts", headers=account.headers)).status_code == 200
    limited = await client.get("/v1/drafts", headers=account.headers)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["code"] == "rate_limited"
    post = await client.post("/api/v1/report/export", json={"start": 0, "end": 1}, headers=account.headers)
    assert post.status_code == 429 and "Retry-After" in post.headers
