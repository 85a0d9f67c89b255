"""Projects: the shared rows as Track shows them; codes, the documented PUT, delete rules, member rates."""

from decimal import Decimal

from sqlalchemy import select

from loop.projects.models import Project, ProjectMember
from tests.track.util import key, log, project

PROJECTS = "/v1/track/projects"


async def test_create_returns_201_with_the_message_and_the_project(client, account):
    response = await client.post(
        PROJECTS, json={"title": "Acme redesign", "code": "ACME"}, headers=key(account)
    )
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True and body["data"] == "Project added"
    created = body["project"]
    assert created["title"] == "Acme redesign" and created["code"] == "ACME" and created["status"] == "ACTIVE"
    assert created["members"] == []
    pending = await client.post(PROJECTS, json={"title": "Later", "status": "PENDING"}, headers=key(account))
    assert pending.json()["project"]["status"] == "PENDING" and pending.json()["project"]["code"] is None


async def test_code_is_unique_per_team(client, account, other_account):
    await project(client, account, code="ACME")
    duplicate = await client.post(PROJECTS, json={"title": "Again", "code": "ACME"}, headers=key(account))
    assert duplicate.status_code == 409
    assert duplicate.json() == {"error": "Project code already exists", "code": "project_code_exists"}
    # another team may use the same code
    assert (
        await client.post(PROJECTS, json={"title": "Theirs", "code": "ACME"}, headers=key(other_account))
    ).status_code == 201


async def test_invalid_bodies(client, account):
    for body in ({}, {"title": ""}, {"title": "x", "status": "DONE"}, {"title": "x", "code": "c" * 51}):
        response = await client.post(PROJECTS, json=body, headers=key(account))
        assert response.status_code == 400, body
    wrong_status = await client.post(PROJECTS, json={"title": "x", "status": "DONE"}, headers=key(account))
    assert "PENDING" in wrong_status.json()["error"]


async def test_list_is_paginated_ten_by_default(client, account):
    for number in range(12):
        await project(client, account, title=f"P{number:02d}")
    first = (await client.get(PROJECTS, headers=key(account))).json()
    assert len(first["data"]) == 10
    assert first["pagination"] == {"page": 1, "pageSize": 10, "total": 12, "totalPages": 2}
    second = (await client.get(PROJECTS, params={"page": 2}, headers=key(account))).json()
    assert len(second["data"]) == 2 and second["pagination"]["page"] == 2
    assert {p["id"] for p in first["data"]}.isdisjoint({p["id"] for p in second["data"]})
    big = (await client.get(PROJECTS, params={"pageSize": 50}, headers=key(account))).json()
    assert len(big["data"]) == 12 and big["pagination"]["totalPages"] == 1
    clamped = (await client.get(PROJECTS, params={"pageSize": 1000}, headers=key(account))).json()
    assert clamped["pagination"]["pageSize"] == 100
    assert (await client.get(PROJECTS, params={"page": 0}, headers=key(account))).status_code == 400


async def test_the_same_projects_as_the_other_surfaces(client, app, account):
    """A project created elsewhere (here: straight in the shared table) is a Track project too."""
    async with app.state.database.write() as session:
        session.add(Project(org_id=account.org.id, name="Engine project", status="active"))
    listed = (await client.get(PROJECTS, headers=key(account))).json()["data"]
    assert [p["title"] for p in listed] == ["Engine project"]
    assert listed[0]["status"] == "ACTIVE" and listed[0]["code"] is None
    created = await project(client, account, title="From Track", code="TRK")
    async with app.state.database.read() as session:
        row = (await session.execute(select(Project).where(Project.id == created["id"]))).scalar_one()
        assert row.name == "From Track" and row.code == "TRK" and row.track_status == "ACTIVE"


async def test_status_filter(client, account):
    await project(client, account, title="a")
    await project(client, account, title="b", status="ARCHIVED")
    archived = (await client.get(PROJECTS, params={"status": "ARCHIVED"}, headers=key(account))).json()
    assert [p["title"] for p in archived["data"]] == ["b"]
    assert (await client.get(PROJECTS, params={"status": "nope"}, headers=key(account))).status_code == 400


async def test_put_takes_the_documented_shape(client, account):
    p = await project(client, account, code="ACME")
    await project(client, account, title="Other", code="OTHER")
    url = f"{PROJECTS}/{p['id']}"
    response = await client.put(
        url,
        json={"id": p["id"], "data": {"title": "Acme 2", "status": "COMPLETED", "code": "ACME2"}},
        headers=key(account),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["data"] == "Project updated"
    assert (body["project"]["title"], body["project"]["status"], body["project"]["code"]) == (
        "Acme 2",
        "COMPLETED",
        "ACME2",
    )
    mismatch = await client.put(
        url, json={"id": "someone-else", "data": {"title": "x"}}, headers=key(account)
    )
    assert mismatch.status_code == 400
    taken = await client.put(url, json={"id": p["id"], "data": {"code": "OTHER"}}, headers=key(account))
    assert taken.status_code == 409 and taken.json()["error"] == "Project code already exists"
    flat = await client.put(url, json={"title": "not nested"}, headers=key(account))
    assert flat.status_code == 400 and flat.json()["details"][0]["field"] == "data"
    bad_status = await client.put(url, json={"data": {"status": "DONE"}}, headers=key(account))
    assert bad_status.status_code == 400
    got = (await client.get(url, headers=key(account))).json()
    assert got["title"] == "Acme 2" and got["code"] == "ACME2"


async def test_delete_is_refused_while_time_exists(client, account):
    p = await project(client, account, code="ACME")
    entry = await log(client, account, projectId=p["id"])
    refused = await client.delete(f"{PROJECTS}/{p['id']}", headers=key(account))
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "Cannot delete project with associated time entries",
        "code": "project_has_time_entries",
    }
    await client.delete(f"/v1/track/time/{entry['id']}", headers=key(account))
    deleted = await client.delete(f"{PROJECTS}/{p['id']}", headers=key(account))
    assert deleted.status_code == 200 and deleted.json() == {"success": True, "data": "Project deleted"}
    assert (await client.get(f"{PROJECTS}/{p['id']}", headers=key(account))).status_code == 404
    assert (await client.get(PROJECTS, headers=key(account))).json()["pagination"]["total"] == 0
    # the code is free again
    assert (
        await client.post(PROJECTS, json={"title": "New", "code": "ACME"}, headers=key(account))
    ).status_code == 201


async def test_member_rates(client, app, account, factory):
    p = await project(client, account)
    member = await factory.account(org=account.org, role="member")
    url = f"{PROJECTS}/{p['id']}/members/{member.user.id}"
    added = await client.put(url, json={"rate": "97.50", "cost": 40, "role": "MANAGER"}, headers=key(account))
    assert added.status_code == 201
    assert added.json()["data"] == "Member added"
    assert added.json()["member"] == {
        "userId": member.user.id,
        "name": member.user.display_name,
        "email": member.user.email,
        "role": "MANAGER",
        "rate": "97.50",
        "cost": "40.00",
    }
    updated = await client.put(url, json={"rate": "120.125"}, headers=key(account))
    assert updated.status_code == 200 and updated.json()["data"] == "Member updated"
    assert updated.json()["member"]["rate"] == "120.125" and updated.json()["member"]["role"] == "MANAGER"
    async with app.state.database.read() as session:
        row = (await session.execute(select(ProjectMember))).scalar_one()
        assert row.rate == Decimal("120.125") and row.cost == Decimal("40")

    listed = (await client.get(f"{PROJECTS}/{p['id']}/members", headers=key(account))).json()
    assert [m["userId"] for m in listed] == [member.user.id]
    assert (await client.get(f"{PROJECTS}/{p['id']}", headers=key(account))).json()["members"] == listed

    by_member = await client.put(url, json={"rate": "500"}, headers=key(member))
    assert by_member.status_code == 403
    assert by_member.json()["error"] == "Only owners and admins can change project members and their rates"
    negative = await client.put(url, json={"rate": "-1"}, headers=key(account))
    assert negative.status_code == 400
    stranger = await client.put(
        f"{PROJECTS}/{p['id']}/members/nobody", json={"rate": "1"}, headers=key(account)
    )
    assert stranger.status_code == 404 and stranger.json()["error"] == "User not found"
    bad_role = await client.put(url, json={"role": "BOSS"}, headers=key(account))
    assert bad_role.status_code == 400

    removed = await client.delete(url, headers=key(account))
    assert removed.status_code == 200 and removed.json() == {"success": True, "data": "Member removed"}
    assert (await client.delete(url, headers=key(account))).status_code == 404
