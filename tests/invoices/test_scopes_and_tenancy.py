"""Every Track & invoices route × read-all / write-all / restricted keys, and another team's ids → 404."""

import pytest

from tests.track.util import billing_client, invoice, key, log, project

X = "01a20b55-e99c-724c-9a9d-0dd1a966ab75"  # an id nobody has

# (method, path, scope, body)
ROUTES = [
    ("POST", "/v1/track/time", "write:time", {"taskName": "x", "durationSeconds": 60, "date": "2026-05-04"}),
    ("GET", "/v1/track/time?date=2026-05-04", "read:time", None),
    ("GET", "/v1/track/time/{id}", "read:time", None),
    ("PATCH", "/v1/track/time/{id}", "write:time", {"taskName": "y"}),
    ("DELETE", "/v1/track/time/{id}", "write:time", None),
    ("GET", "/v1/track/projects", "read:project", None),
    ("POST", "/v1/track/projects", "write:project", {"title": "x"}),
    ("GET", "/v1/track/projects/{id}", "read:project", None),
    ("PUT", "/v1/track/projects/{id}", "write:project", {"data": {"title": "y"}}),
    ("DELETE", "/v1/track/projects/{id}", "write:project", None),
    ("GET", "/v1/track/projects/{id}/members", "read:project", None),
    ("PUT", "/v1/track/projects/{id}/members/{id}", "write:project", {"rate": "1"}),
    ("DELETE", "/v1/track/projects/{id}/members/{id}", "write:project", None),
    ("GET", "/v1/track/sections?projectId={id}", "read:project", None),
    ("POST", "/v1/track/sections", "write:project", {"title": "x", "projectId": X}),
    ("PUT", "/v1/track/sections/{id}", "write:project", {"title": "y"}),
    ("DELETE", "/v1/track/sections/{id}", "write:project", None),
    ("GET", "/v1/track/tags", "read:tag", None),
    ("POST", "/v1/track/tags", "write:tag", {"title": "x"}),
    ("PATCH", "/v1/track/tags/{id}", "write:tag", {"title": "y"}),
    ("DELETE", "/v1/track/tags/{id}", "write:tag", None),
    ("GET", "/v1/track/todos", "read:todo", None),
    ("POST", "/v1/track/todos", "write:todo", {"title": "x"}),
    ("PATCH", "/v1/track/todos", "write:todo", {"todoId": X, "title": "y"}),
    ("DELETE", "/v1/track/todos", "write:todo", {"todoId": X}),
    ("GET", "/v1/track/todos/{id}", "read:todo", None),
    ("PATCH", "/v1/track/todos/{id}", "write:todo", {"title": "y"}),
    ("DELETE", "/v1/track/todos/{id}", "write:todo", None),
    ("GET", "/v1/invoices/clients", "read:client", None),
    (
        "POST",
        "/v1/invoices/clients",
        "write:client",
        {"name": "x", "address": {"line1": "1", "postalCode": "1"}},
    ),
    ("GET", "/v1/invoices/clients/{id}", "read:client", None),
    ("PATCH", "/v1/invoices/clients/{id}", "write:client", {"phone": "1"}),
    ("DELETE", "/v1/invoices/clients/{id}", "write:client", None),
    ("GET", "/v1/invoices", "read:invoice", None),
    ("POST", "/v1/invoices", "write:invoice", {"clientId": X}),
    ("GET", "/v1/invoices/{id}", "read:invoice", None),
    ("PATCH", "/v1/invoices/{id}", "write:invoice", {"description": "y"}),
    ("DELETE", "/v1/invoices/{id}", "write:invoice", None),
    ("PATCH", "/v1/invoices/{id}/status", "write:invoice", {"status": "PAID"}),
    ("POST", "/v1/invoices/{id}/line-items", "write:invoice", {"description": "x", "quantity": 1, "rate": 1}),
    ("PUT", "/v1/invoices/{id}/line-items/order", "write:invoice", {"lineItemIds": []}),
    ("PATCH", "/v1/invoices/{id}/line-items/{id}", "write:invoice", {"quantity": 2}),
    ("DELETE", "/v1/invoices/{id}/line-items/{id}", "write:invoice", None),
    ("POST", "/v1/invoices/{id}/import-time", "write:invoice", {"from": "2026-05-01", "to": "2026-05-31"}),
    ("POST", "/v1/invoices/{id}/send", "write:invoice", None),
    ("GET", "/v1/invoices/{id}/pdf", "read:invoice", None),
    ("GET", "/v1/team", "read:invoice", None),
    ("PATCH", "/v1/team", "write:invoice", {"name": "x"}),
]


def _opposite(scope: str) -> str:
    action, resource = scope.split(":")
    return f"{'read' if action == 'write' else 'write'}:{resource}"


async def _call(client, method, path, body, headers):
    url = path.replace("{id}", X)
    return await client.request(method, url, json=body, headers=headers)


def test_the_matrix_covers_every_route(app):
    served = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(("/v1/track", "/v1/invoices", "/v1/team"))
        for method in operations
    }
    listed = {(method, path.split("?")[0]) for method, path, _, _ in ROUTES}
    normalised = {
        (m, "/".join("{id}" if p.startswith("{") else p for p in path.split("/"))) for m, path in served
    }
    assert normalised == listed


@pytest.mark.parametrize(
    ("method", "path", "scope", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _, _ in ROUTES]
)
async def test_scope_matrix(client, factory, method, path, scope, body):
    acc = await factory.account(fmt="looped_live")
    org, user = acc.org, acc.user
    tokens = {}
    for name, kwargs in {
        "read-all": {"preset": "read-all"},
        "write-all": {"preset": "write-all"},
        "restricted-with": {"preset": "restricted", "scopes": [scope]},
        "restricted-without": {"preset": "restricted", "scopes": [_opposite(scope), "read:issue"]},
    }.items():
        token, _ = await factory.token(org, user, fmt="looped_live", **kwargs)
        tokens[name] = {"X-API-Key": token}

    allowed = {
        "write-all": True,
        "restricted-with": True,
        "restricted-without": False,
        "read-all": scope.startswith("read:"),
    }
    for name in ("restricted-without", "read-all", "restricted-with", "write-all"):
        response = await _call(client, method, path, body, tokens[name])
        if allowed[name]:
            assert response.status_code not in (401, 403), (name, response.text)
        else:
            assert response.status_code == 403, (name, response.text)
            assert response.json() == {
                "error": "Forbidden",
                "code": "insufficient_scope",
                "required": [scope],
                "missing": [scope],
            }


async def test_restricted_keys_do_real_work(client, factory):
    owner = await factory.account()
    time_key, _ = await factory.token(
        owner.org, owner.user, fmt="looped_live", preset="restricted", scopes=["write:time", "read:time"]
    )
    headers = {"X-API-Key": time_key}
    created = await client.post(
        "/v1/track/time", json={"taskName": "x", "durationSeconds": 60, "date": "2026-05-04"}, headers=headers
    )
    assert created.status_code == 201
    assert (
        len((await client.get("/v1/track/time", params={"date": "2026-05-04"}, headers=headers)).json()) == 1
    )
    assert (await client.get("/v1/track/projects", headers=headers)).status_code == 403

    inv = await invoice(client, owner, lineItems=[{"description": "x", "quantity": 1, "rate": 1}])
    reader, _ = await factory.token(owner.org, owner.user, fmt="looped_live", preset="read-all")
    pdf = await client.get(f"/v1/invoices/{inv['id']}/pdf", headers={"X-API-Key": reader})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    refused = await client.post(f"/v1/invoices/{inv['id']}/send", headers={"X-API-Key": reader})
    assert refused.status_code == 403 and refused.json()["missing"] == ["write:invoice"]


async def test_expired_and_revoked_keys_are_401(client, app, factory):
    from datetime import timedelta

    from sqlalchemy import update

    from loop.auth.models import Credential
    from loop.core.clock import utcnow

    acc = await factory.account(fmt="looped_live")
    database = app.state.database
    async with database.write() as session:
        await session.execute(
            update(Credential)
            .where(Credential.id == acc.credential_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    expired = await client.get("/v1/invoices", headers=key(acc))
    assert expired.status_code == 401 and expired.json()["error"] == "API key expired"
    async with database.write() as session:
        await session.execute(
            update(Credential)
            .where(Credential.id == acc.credential_id)
            .values(expires_at=None, revoked_at=utcnow())
        )
    revoked = await client.get("/v1/track/projects", headers=key(acc))
    assert revoked.status_code == 401 and revoked.json()["error"] == "API key revoked"
    unknown = await client.get("/v1/track/tags", headers={"X-API-Key": "looped_live_" + "0" * 64})
    assert unknown.status_code == 401 and unknown.json()["error"] == "Invalid API key"


async def test_another_teams_ids_are_404_on_every_route(client, account, other_account):
    """Everything of ``account``'s team, seen through ``other_account``'s write-all key."""
    billed = await billing_client(client, account)
    p = await project(client, account, clientId=billed["id"])
    section = (
        await client.post(
            "/v1/track/sections", json={"title": "S", "projectId": p["id"]}, headers=key(account)
        )
    ).json()["data"]
    tag = (await client.post("/v1/track/tags", json={"title": "t"}, headers=key(account))).json()["tag"]
    todo = (await client.post("/v1/track/todos", json={"title": "t"}, headers=key(account))).json()["todo"]
    entry = await log(client, account, projectId=p["id"])
    inv = await invoice(
        client, account, clientId=billed["id"], lineItems=[{"description": "x", "quantity": 1, "rate": 1}]
    )
    line = inv["lineItems"][0]
    user = account.user.id
    calls = [
        ("GET", f"/v1/track/time/{entry['id']}", None),
        ("PATCH", f"/v1/track/time/{entry['id']}", {"taskName": "hijack"}),
        ("DELETE", f"/v1/track/time/{entry['id']}", None),
        ("GET", f"/v1/track/projects/{p['id']}", None),
        ("PUT", f"/v1/track/projects/{p['id']}", {"data": {"title": "hijack"}}),
        ("DELETE", f"/v1/track/projects/{p['id']}", None),
        ("GET", f"/v1/track/projects/{p['id']}/members", None),
        ("PUT", f"/v1/track/projects/{p['id']}/members/{user}", {"rate": "1"}),
        ("DELETE", f"/v1/track/projects/{p['id']}/members/{user}", None),
        ("GET", f"/v1/track/sections?projectId={p['id']}", None),
        ("POST", "/v1/track/sections", {"title": "hijack", "projectId": p["id"]}),
        ("PUT", f"/v1/track/sections/{section['id']}", {"title": "hijack"}),
        ("DELETE", f"/v1/track/sections/{section['id']}", None),
        ("PATCH", f"/v1/track/tags/{tag['id']}", {"title": "hijack"}),
        ("DELETE", f"/v1/track/tags/{tag['id']}", None),
        ("GET", f"/v1/track/todos/{todo['id']}", None),
        ("PATCH", f"/v1/track/todos/{todo['id']}", {"title": "hijack"}),
        ("DELETE", f"/v1/track/todos/{todo['id']}", None),
        ("PATCH", "/v1/track/todos", {"todoId": todo["id"], "title": "hijack"}),
        ("DELETE", "/v1/track/todos", {"todoId": todo["id"]}),
        ("GET", f"/v1/invoices/clients/{billed['id']}", None),
        ("PATCH", f"/v1/invoices/clients/{billed['id']}", {"phone": "hijack"}),
        ("DELETE", f"/v1/invoices/clients/{billed['id']}", None),
        ("GET", f"/v1/invoices/{inv['id']}", None),
        ("PATCH", f"/v1/invoices/{inv['id']}", {"description": "hijack"}),
        ("DELETE", f"/v1/invoices/{inv['id']}", None),
        ("PATCH", f"/v1/invoices/{inv['id']}/status", {"status": "VOID"}),
        ("POST", f"/v1/invoices/{inv['id']}/line-items", {"description": "x", "quantity": 1, "rate": 1}),
        ("PUT", f"/v1/invoices/{inv['id']}/line-items/order", {"lineItemIds": [line["id"]]}),
        ("PATCH", f"/v1/invoices/{inv['id']}/line-items/{line['id']}", {"quantity": 5}),
        ("DELETE", f"/v1/invoices/{inv['id']}/line-items/{line['id']}", None),
        ("POST", f"/v1/invoices/{inv['id']}/import-time", {"from": "2026-05-01", "to": "2026-05-31"}),
        ("POST", f"/v1/invoices/{inv['id']}/send", None),
        ("GET", f"/v1/invoices/{inv['id']}/pdf", None),
    ]
    for method, url, body in calls:
        response = await client.request(method, url, json=body, headers=key(other_account))
        assert response.status_code == 404, (method, url, response.text)
        assert response.json()["code"] == "not_found"

    # their lists show nothing of ours
    assert (await client.get("/v1/track/projects", headers=key(other_account))).json()["pagination"][
        "total"
    ] == 0
    assert (await client.get("/v1/track/tags", headers=key(other_account))).json() == []
    assert (await client.get("/v1/track/todos", headers=key(other_account))).json() == []
    assert (
        await client.get("/v1/track/time", params={"date": "2026-05-04"}, headers=key(other_account))
    ).json() == []
    assert (await client.get("/v1/invoices", headers=key(other_account))).json()["data"] == []
    assert (await client.get("/v1/invoices/clients", headers=key(other_account))).json()["data"] == []
    # and nothing of ours changed
    assert (await client.get(f"/v1/invoices/{inv['id']}", headers=key(account))).json() == inv
    assert (await client.get(f"/v1/track/time/{entry['id']}", headers=key(account))).json()[
        "taskName"
    ] == entry["taskName"]
