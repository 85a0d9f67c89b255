"""Token management over /api/v1/tokens."""

import re

import pytest

TOKENS = "/api/v1/tokens"


async def test_create_shows_the_token_once(client, account):
    response = await client.post(TOKENS, json={"name": "CI Pipeline"}, headers=account.headers)
    assert response.status_code == 201
    created = response.json()["data"]
    assert re.fullmatch(r"tok_[0-9a-f]{64}", created["token"])
    assert created["prefix"] == created["token"][:12]
    assert created["scopes"] == ["*"] and created["scope_preset"] == "write-all"
    assert created["user_id"] == account.user.id
    listed = (await client.get(TOKENS, headers=account.headers)).json()
    assert listed["meta"] == {"total": 2, "limit": 50, "offset": 0}
    names = {row["name"]: row for row in listed["data"]}
    assert "token" not in names["CI Pipeline"]
    assert names["CI Pipeline"]["prefix"] == created["prefix"]
    # the new token works
    assert (
        await client.get(TOKENS, headers={"Authorization": f"Bearer {created['token']}"})
    ).status_code == 200


@pytest.mark.parametrize(
    ("fmt", "pattern"),
    [
        ("loop", r"loop_[0-9a-f]{64}"),
        ("looped_live", r"looped_live_[0-9a-f]{64}"),
        ("looped_test", r"looped_test_[0-9a-f]{64}"),
    ],
)
async def test_create_in_each_format(client, account, fmt, pattern):
    response = await client.post(TOKENS, json={"name": fmt, "format": fmt}, headers=account.headers)
    assert response.status_code == 201
    assert re.fullmatch(pattern, response.json()["data"]["token"])


async def test_create_restricted_and_expiring(client, account):
    response = await client.post(
        TOKENS,
        json={
            "name": "bot",
            "scope_preset": "restricted",
            "scopes": ["issues:read", "write:time"],
            "expires_in_days": 30,
        },
        headers=account.headers,
    )
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["scopes"] == ["read:issue", "write:time"]
    assert data["scope_preset"] == "restricted"
    assert data["expires_at"].endswith("Z")


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "name"), ({"name": ""}, "name"), ({"name": "x", "format": "jwt"}, "format"),
     ({"name": "x", "expires_in_days": 0}, "expires_in_days"), ({"name": 5}, "name")],
)  # fmt: skip
async def test_invalid_bodies_name_the_field(client, account, body, field):
    response = await client.post(TOKENS, json=body, headers=account.headers)
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "validation_error"
    assert payload["details"][0]["field"] == field
    assert field in payload["error"]


@pytest.mark.parametrize(
    "body",
    [{"name": "x", "scope_preset": "restricted"}, {"name": "x", "scopes": ["read:everything"]},
     {"name": "x", "expires_at": "2001-01-01T00:00:00Z"}, {"name": "x", "rate_limit": "lots"},
     {"name": "x", "expires_at": "2099-01-01T00:00:00Z", "expires_in_days": 3}],
)  # fmt: skip
async def test_invalid_token_requests_are_400(client, account, body):
    response = await client.post(TOKENS, json=body, headers=account.headers)
    assert response.status_code == 400
    assert response.json()["error"]


async def test_a_token_cannot_grant_more_than_it_has(client, factory):
    acc = await factory.account(preset="restricted", scopes=["read:token", "write:token"])
    response = await client.post(TOKENS, json={"name": "wider"}, headers=acc.headers)
    assert response.status_code == 403
    assert response.json()["code"] == "scope_escalation"
    narrower = await client.post(
        TOKENS,
        json={"name": "same", "scope_preset": "restricted", "scopes": ["read:token"]},
        headers=acc.headers,
    )
    assert narrower.status_code == 201


async def test_members_see_and_revoke_only_their_own_tokens(client, factory, account):
    developer = await factory.account(org=account.org, role="developer")
    mine = await client.get(TOKENS, headers=developer.headers)
    assert [row["id"] for row in mine.json()["data"]] == [developer.credential_id]
    assert (
        await client.delete(f"{TOKENS}/{account.credential_id}", headers=developer.headers)
    ).status_code == 404
    everyone = await client.get(TOKENS, headers=account.headers)
    assert everyone.json()["meta"]["total"] == 2
    assert (
        await client.delete(f"{TOKENS}/{developer.credential_id}", headers=account.headers)
    ).status_code == 200


async def test_another_organisations_token_is_404(client, account, other_account):
    response = await client.delete(f"{TOKENS}/{other_account.credential_id}", headers=account.headers)
    assert response.status_code == 404
    assert response.json() == {"error": "Token not found", "code": "not_found"}
    assert (await client.get(TOKENS, headers=other_account.headers)).status_code == 200


async def test_revoked_tokens_are_hidden_unless_asked_for(client, account, factory):
    _, other_id = await factory.token(account.org, account.user, name="old")
    revoked = await client.delete(f"{TOKENS}/{other_id}", headers=account.headers)
    assert revoked.json()["data"]["revoked_at"] is not None
    again = await client.delete(f"{TOKENS}/{other_id}", headers=account.headers)
    assert (
        again.status_code == 200
        and again.json()["data"]["revoked_at"] == revoked.json()["data"]["revoked_at"]
    )
    assert (await client.get(TOKENS, headers=account.headers)).json()["meta"]["total"] == 1
    everything = await client.get(TOKENS, params={"include_revoked": "true"}, headers=account.headers)
    assert everything.json()["meta"]["total"] == 2


async def test_pagination_bounds(client, account, factory):
    for i in range(3):
        await factory.token(account.org, account.user, name=f"t{i}")
    page = (await client.get(TOKENS, params={"limit": 2, "offset": 1}, headers=account.headers)).json()
    assert page["meta"] == {"total": 4, "limit": 2, "offset": 1}
    assert len(page["data"]) == 2
    clamped = (await client.get(TOKENS, params={"limit": 1000}, headers=account.headers)).json()
    assert clamped["meta"]["limit"] == 100
    beyond = (await client.get(TOKENS, params={"offset": 10}, headers=account.headers)).json()
    assert beyond["data"] == [] and beyond["meta"]["total"] == 4
    for params, field in (({"limit": 0}, "limit"), ({"offset": -1}, "offset"), ({"limit": "abc"}, "limit")):
        response = await client.get(TOKENS, params=params, headers=account.headers)
        assert response.status_code == 400
        assert response.json()["details"][0]["field"] == field
