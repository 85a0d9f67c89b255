"""Per-credential rate limits: 429 with Retry-After, RateLimit-* headers, and one budget across processes."""

import os
import secrets

import httpx2
import pytest

from loop.app import create_app
from tests.conftest import empty_all_tables, make_settings

TOKENS = "/api/v1/tokens"
REDIS_URL = os.environ.get("LOOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
async def limited_app(database_url, tmp_path):
    app = create_app(
        make_settings(database_url, tmp_path, rate_limit_enabled=True, rate_limit_business="3/minute;100/day")
    )
    async with app.router.lifespan_context(app):
        yield app
        await empty_all_tables(app)


async def _client(app):
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver")


async def test_plan_limit_answers_429_with_retry_after(limited_app):
    from tests.conftest import Factory

    acc = await Factory(limited_app).account(plan="business")
    async with await _client(limited_app) as client:
        seen = [await client.get(TOKENS, headers=acc.headers) for _ in range(3)]
        assert [r.status_code for r in seen] == [200, 200, 200]
        assert [r.headers["RateLimit-Remaining"] for r in seen] == ["2", "1", "0"]
        assert seen[0].headers["RateLimit-Limit"] == "3"
        refused = await client.get(TOKENS, headers=acc.headers)
        assert refused.status_code == 429
        assert refused.json()["error"] == "Rate limit exceeded"
        assert refused.json()["code"] == "rate_limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.headers["RateLimit-Remaining"] == "0"
        # another credential has its own budget
        other = await Factory(limited_app).account(plan="business")
        assert (await client.get(TOKENS, headers=other.headers)).status_code == 200


async def test_credential_override_and_unauthenticated_requests(limited_app):
    from tests.conftest import Factory

    acc = await Factory(limited_app).account(rate_limit="1/minute")
    async with await _client(limited_app) as client:
        assert (await client.get(TOKENS, headers=acc.headers)).status_code == 200
        assert (await client.get(TOKENS, headers=acc.headers)).status_code == 429
        # health and docs are not behind credentials or limits
        for _ in range(5):
            assert (await client.get("/health")).status_code == 200


async def test_limits_can_be_switched_off(client, account):
    for _ in range(10):
        response = await client.get(TOKENS, headers=account.headers)
        assert response.status_code == 200
        assert "RateLimit-Limit" not in response.headers


async def _redis_available() -> bool:
    try:
        import coredis

        redis = coredis.Redis.from_url(REDIS_URL)
        await redis.ping()
        return True
    except Exception:
        return False


async def test_two_app_instances_share_one_budget_over_redis(database_url, tmp_path):
    if not await _redis_available():
        if os.environ.get("LOOP_TEST_REQUIRE_REDIS"):
            pytest.fail(f"Redis is required but unreachable at {REDIS_URL}")
        pytest.skip("Redis not reachable")
    prefix = f"looptest-{secrets.token_hex(6)}"
    common = {"rate_limit_enabled": True, "rate_limit_business": "4/minute;100/day", "redis_url": REDIS_URL,
              "rate_limit_key_prefix": prefix}  # fmt: skip
    first = create_app(make_settings(database_url, tmp_path / "a", **common))
    second = create_app(make_settings(database_url, tmp_path / "b", **common))
    async with first.router.lifespan_context(first), second.router.lifespan_context(second):
        try:
            from tests.conftest import Factory

            acc = await Factory(first).account()
            async with await _client(first) as one, await _client(second) as two:
                statuses = []
                for i in range(6):
                    http = one if i % 2 == 0 else two
                    statuses.append((await http.get(TOKENS, headers=acc.headers)).status_code)
            assert statuses == [200, 200, 200, 200, 429, 429]
        finally:
            await empty_all_tables(first)
