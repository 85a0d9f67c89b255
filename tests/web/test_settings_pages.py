"""Settings › Developer API: generate (shown once), list by name and prefix, revoke; members; plan."""

from __future__ import annotations

import re

from tests.web.helpers import signed_in

TOKEN = re.compile(r'id="new-token">([^<]+)<')


async def _generate(client, csrf, **fields):
    data = {"csrf_token": csrf, "name": "CI Pipeline", "format": "tok", "preset": "write-all", "expires": ""}
    data.update(fields)
    return await client.post("/app/settings/tokens", data=data)


async def test_generate_use_and_revoke(app, client, account):
    csrf = await signed_in(app, client, account)
    page = await client.get("/app/settings")
    assert page.status_code == 200
    assert "business" in page.text and "owner" in page.text
    assert account.user.email in page.text  # members table

    created = await _generate(client, csrf, expires="30")
    assert created.status_code == 201
    token = TOKEN.search(created.text).group(1)
    assert re.fullmatch(r"tok_[0-9a-f]{64}", token)
    assert "Copy token" in created.text

    listing = await client.get("/app/settings")
    assert token not in listing.text  # shown once
    assert "CI Pipeline" in listing.text and token[:12] in listing.text

    api = await client.get("/api/v1/projects", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200

    token_id = re.search(
        r'data-token-id="([^"]+)"[^<]*<td>CI Pipeline', listing.text.replace("\n", "")
    ).group(1)
    revoked = await client.post(f"/app/settings/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 303
    refused = await client.get("/api/v1/projects", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    assert refused.json()["error"] == "API key revoked"
    assert "<td>CI Pipeline</td>" not in (await client.get("/app/settings")).text


async def test_restricted_token_and_formats(app, client, account):
    csrf = await signed_in(app, client, account)
    created = await _generate(client, csrf, format="loop", preset="restricted", scopes=["read:issue"])
    assert created.status_code == 201
    token = TOKEN.search(created.text).group(1)
    assert token.startswith("loop_")
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/issues", headers=headers)).status_code == 200
    denied = await client.post("/api/issues", headers=headers, json={"title": "x", "type": "task"})
    assert denied.status_code == 403


async def test_bad_input_creates_nothing(app, client, account):
    csrf = await signed_in(app, client, account)
    for fields, message in (
        ({"name": "  "}, "Token name is required"),
        ({"format": "nope"}, "Unknown token format"),
        ({"preset": "restricted"}, "at least one scope"),
        ({"preset": "restricted", "scopes": ["read:nothing"]}, "Unknown scope"),
        ({"expires": "-3"}, "Expiry must be"),
    ):
        response = await _generate(client, csrf, **fields)
        assert response.status_code == 400, fields
        assert message in response.text
        assert 'id="new-token"' not in response.text
    listing = await client.get(
        "/api/v1/tokens", headers=account.headers, params={"include_revoked": "true", "limit": 100}
    )
    assert [t["name"] for t in listing.json()["data"]] == ["test token"]


async def test_generate_needs_csrf(app, client, account):
    await signed_in(app, client, account)
    response = await client.post("/app/settings/tokens", data={"name": "x"})
    assert response.status_code == 403


async def test_member_role_and_starter_plan_are_refused(app, client, factory):
    member = await factory.account(role="member")
    csrf = await signed_in(app, client, member)
    page = await client.get("/app/settings")
    assert "Developer API requires the Owner or Developer role" in page.text
    assert (await _generate(client, csrf)).status_code == 403

    starter = await factory.account(plan="starter")
    client.cookies.clear()
    csrf = await signed_in(app, client, starter)
    response = await _generate(client, csrf)
    assert response.status_code == 403
    assert "Developer API requires a Pro or Business plan" in response.text


async def test_another_orgs_token_is_not_found(app, client, account, other_account):
    csrf = await signed_in(app, client, account)
    response = await client.post(
        f"/app/settings/tokens/{other_account.credential_id}/revoke", data={"csrf_token": csrf}
    )
    assert response.status_code == 404
    still = await client.get("/api/v1/projects", headers=other_account.headers)
    assert still.status_code == 200


async def test_developer_sees_only_own_tokens(app, client, account, factory):
    developer = await factory.account(role="developer", org=account.org, name="dev token")
    await signed_in(app, client, developer)
    page = await client.get("/app/settings")
    assert "dev token" in page.text
    assert "test token" not in page.text
