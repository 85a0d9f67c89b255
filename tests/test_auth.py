"""Credentials on the wire: every 401 and 403 with its documented message."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from loop.auth.models import Credential
from loop.core.clock import utcnow
from loop.orgs.models import Membership

TOKENS = "/api/v1/tokens"


async def test_bearer_and_x_api_key_are_both_accepted(client, account):
    assert (await client.get(TOKENS, headers={"Authorization": f"Bearer {account.token}"})).status_code == 200
    assert (await client.get(TOKENS, headers={"authorization": f"bearer {account.token}"})).status_code == 200
    assert (await client.get(TOKENS, headers={"X-API-Key": account.token})).status_code == 200


@pytest.mark.parametrize(
    ("headers", "message", "code"),
    [
        ({}, "Missing or malformed Authorization header", "missing_credentials"),
        (
            {"Authorization": "Basic dXNlcjpwYXNz"},
            "Missing or malformed Authorization header",
            "missing_credentials",
        ),
        ({"Authorization": "Bearer "}, "Missing or malformed Authorization header", "missing_credentials"),
        ({"Authorization": "Bearer tok_" + "0" * 64}, "Invalid API key", "invalid_token"),
        ({"Authorization": "Bearer not-a-token"}, "Invalid API key", "invalid_token"),
        ({"X-API-Key": "looped_live_" + "f" * 64}, "Invalid API key", "invalid_token"),
        ({"Authorization": "Bearer " + "x" * 5000}, "Invalid API key", "invalid_token"),
    ],
)
async def test_unauthenticated_requests_get_401(client, headers, message, code):
    response = await client.get(TOKENS, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": message, "code": code}
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("fmt", ["tok", "loop", "looped_live", "looped_test"])
async def test_every_token_format_authenticates(client, factory, fmt):
    acc = await factory.account(fmt=fmt)
    assert (await client.get(TOKENS, headers={"X-API-Key": acc.token})).status_code == 200


async def test_revoked_token_fails_on_the_next_request(client, account, factory):
    second, second_id = await factory.token(account.org, account.user, name="agent")
    headers = {"Authorization": f"Bearer {second}"}
    assert (await client.get(TOKENS, headers=headers)).status_code == 200
    revoke = await client.delete(f"{TOKENS}/{second_id}", headers=account.headers)
    assert revoke.status_code == 200
    refused = await client.get(TOKENS, headers=headers)
    assert refused.status_code == 401
    assert refused.json() == {"error": "API key revoked", "code": "token_revoked"}


async def test_a_token_can_revoke_itself(client, account):
    assert (
        await client.delete(f"{TOKENS}/{account.credential_id}", headers=account.headers)
    ).status_code == 200
    assert (await client.get(TOKENS, headers=account.headers)).json()["error"] == "API key revoked"


async def test_expired_token_is_refused(client, app, factory):
    acc = await factory.account(expires_at=utcnow() + timedelta(hours=1))
    assert (await client.get(TOKENS, headers=acc.headers)).status_code == 200
    async with app.state.database.write() as session:
        await session.execute(
            update(Credential)
            .where(Credential.id == acc.credential_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    response = await client.get(TOKENS, headers=acc.headers)
    assert response.status_code == 401
    assert response.json() == {"error": "API key expired", "code": "token_expired"}


async def test_token_of_a_removed_member_stops_working(client, app, account):
    async with app.state.database.write() as session:
        await session.execute(Membership.__table__.delete().where(Membership.user_id == account.user.id))
    response = await client.get(TOKENS, headers=account.headers)
    assert response.status_code == 401


@pytest.mark.parametrize("plan", ["starter"])
async def test_developer_api_needs_a_paid_plan(client, factory, plan):
    acc = await factory.account(plan=plan)
    response = await client.get(TOKENS, headers=acc.headers)
    assert response.status_code == 403
    assert response.json() == {
        "error": "Developer API requires a Pro or Business plan",
        "code": "plan_required",
    }


@pytest.mark.parametrize("plan", ["pro", "business"])
async def test_paid_plans_reach_the_developer_api(client, factory, plan):
    acc = await factory.account(plan=plan)
    assert (await client.get(TOKENS, headers=acc.headers)).status_code == 200


async def test_trial_counts_until_it_ends(client, factory):
    active = await factory.account(plan="trial", trial_ends_at=utcnow() + timedelta(days=3))
    ended = await factory.account(plan="trial", trial_ends_at=utcnow() - timedelta(minutes=1))
    assert (await client.get(TOKENS, headers=active.headers)).status_code == 200
    response = await client.get(TOKENS, headers=ended.headers)
    assert response.status_code == 403
    assert response.json()["error"] == "Developer API requires a Pro or Business plan"


@pytest.mark.parametrize(
    ("role", "allowed"), [("owner", True), ("admin", True), ("developer", True), ("member", False)]
)
async def test_developer_api_roles(client, factory, role, allowed):
    acc = await factory.account(role=role)
    response = await client.get(TOKENS, headers=acc.headers)
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert response.json() == {
            "error": "Developer API requires the Owner or Developer role",
            "code": "role_required",
        }


async def test_missing_scope_names_what_is_required(client, factory):
    acc = await factory.account(preset="read-all")
    response = await client.post(TOKENS, json={"name": "x"}, headers=acc.headers)
    assert response.status_code == 403
    assert response.json() == {
        "error": "Forbidden",
        "code": "insufficient_scope",
        "required": ["write:token"],
        "missing": ["write:token"],
    }
    assert (await client.get(TOKENS, headers=acc.headers)).status_code == 200


async def test_restricted_token_sees_only_its_scopes(client, factory):
    acc = await factory.account(preset="restricted", scopes=["read:time"])
    response = await client.get(TOKENS, headers=acc.headers)
    assert response.status_code == 403
    assert response.json()["missing"] == ["read:token"]


async def test_last_used_is_recorded_without_a_write_per_request(client, app, account):
    usage = app.state.usage
    for _ in range(5):
        assert (await client.get(TOKENS, headers=account.headers)).status_code == 200
    assert list(usage._pending) == [account.credential_id]  # five requests, one pending write
    assert await usage.flush() == 1
    async with app.state.database.read() as session:
        stored = (
            await session.execute(
                select(Credential.last_used_at).where(Credential.id == account.credential_id)
            )
        ).scalar_one()
    assert stored is not None and utcnow() - stored < timedelta(minutes=1)
    # further requests inside the resolution window leave nothing to write
    await client.get(TOKENS, headers=account.headers)
    assert usage._pending == {}
    listed = (await client.get(TOKENS, headers=account.headers)).json()["data"]
    assert listed[0]["last_used_at"] is not None
