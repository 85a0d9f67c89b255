"""/api/v1/projects: the shared project rows as the developer API sees them."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from loop.boards.models import BoardList
from loop.core.clock import utcnow
from loop.projects.models import Project
from tests.developer.conftest import assert_error

PROJECTS = "/api/v1/projects"


async def test_list_is_empty_with_the_documented_meta(dev):
    response = await dev.get(PROJECTS, expect=200)
    assert response.json() == {"data": [], "meta": {"total": 0, "limit": 100, "offset": 0}}


async def test_create_get_and_list_a_website_project(dev, app):
    created = await dev.project(name="Marketing Site", url="https://example.com/")
    assert created["type"] == "website" and created["url"] == "https://example.com/"
    assert re.fullmatch(r"pk_[0-9a-f]{48}", created["api_key"])
    got = (await dev.get(f"{PROJECTS}/{created['id']}", expect=200)).json()["data"]
    assert got == created
    listed = (await dev.get(PROJECTS, expect=200)).json()
    assert listed["meta"] == {"total": 1, "limit": 100, "offset": 0}
    item = listed["data"][0]
    assert set(item) >= {"id", "name", "url", "type", "client_id", "created_at"}
    assert "api_key" not in item
    assert item["created_at"].endswith("Z")
    # the same row every surface sees
    async with app.state.database.read() as session:
        row = await session.get(Project, created["id"])
        assert row.widget_key == created["api_key"] and row.org_id == dev.account.org.id


async def test_board_project_has_no_url_and_gets_default_lists(dev, app):
    board = await dev.project(name="Launch", type="board")
    assert board["url"] is None and board["type"] == "board"
    async with app.state.database.read() as session:
        lists = (
            await session.execute(select(BoardList).where(BoardList.project_id == board["id"]))
        ).scalars()
        assert sorted((x.position, x.name) for x in lists) == [(0, "To Do"), (1, "In Progress"), (2, "Done")]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "x"}, "url is required for website projects"),
        ({"name": "x", "url": "ftp://example.com"}, "Invalid url: use an http(s) URL such as https://example.com"),
        ({"name": "x", "url": "not a url"}, "Invalid url: use an http(s) URL such as https://example.com"),
        ({"name": "x", "type": "board", "url": "https://example.com"}, "Board projects have no url"),
        ({"name": "   ", "url": "https://example.com"}, "name is required"),
        ({"name": "x", "url": "https://e.com", "client_id": "nope"}, "client_id does not match a client of this organisation"),
    ],
)  # fmt: skip
async def test_create_rejects_bad_input(dev, body, message):
    assert_error(await dev.post(PROJECTS, body), 400, message)


async def test_create_validates_type(dev):
    response = await dev.post(PROJECTS, {"name": "x", "type": "app", "url": "https://e.com"})
    assert response.status_code == 400 and response.json()["details"][0]["field"] == "type"


async def test_project_with_a_client(dev):
    client = (await dev.post("/api/v1/clients", {"name": "Acme Ltd"}, expect=201)).json()["data"]
    project = await dev.project(client_id=client["id"])
    assert project["client_id"] == client["id"]
    filtered = (await dev.get(f"{PROJECTS}?client_id={client['id']}")).json()
    assert [p["id"] for p in filtered["data"]] == [project["id"]]


async def test_update_and_no_valid_fields(dev):
    project = await dev.project()
    assert_error(await dev.patch(f"{PROJECTS}/{project['id']}", {"colour": "red"}), 400, "No valid fields")
    updated = (
        await dev.patch(f"{PROJECTS}/{project['id']}", {"name": "New name", "url": "https://new.example"})
    ).json()
    assert updated["data"]["name"] == "New name" and updated["data"]["url"] == "https://new.example"
    assert_error(
        await dev.patch(f"{PROJECTS}/{project['id']}", {"url": None}),
        400,
        "url is required for website projects",
    )


async def test_archive_hides_the_project_and_unarchive_restores_it(dev):
    project = await dev.project()
    archived = (await dev.post(f"{PROJECTS}/{project['id']}/archive", expect=200)).json()["data"]
    assert archived["archived_at"] is not None
    assert (await dev.get(PROJECTS)).json()["meta"]["total"] == 0
    assert (await dev.get(f"{PROJECTS}?include_archived=true")).json()["meta"]["total"] == 1
    assert (await dev.get(f"{PROJECTS}/{project['id']}")).status_code == 200
    restored = (await dev.post(f"{PROJECTS}/{project['id']}/unarchive", expect=200)).json()["data"]
    assert restored["archived_at"] is None


async def test_rotate_key_replaces_the_widget_key(dev, client):
    project = await dev.project()
    rotated = (await dev.post(f"{PROJECTS}/{project['id']}/rotate-key", expect=200)).json()["data"]
    assert rotated["api_key"] != project["api_key"]
    old = await client.post(
        "/api/v1/widget/feedback", json={"title": "x"}, headers={"X-Project-Key": project["api_key"]}
    )
    assert old.status_code == 401


async def test_projects_from_other_surfaces_get_a_widget_key_when_asked(dev, app):
    async with app.state.database.write() as session:
        row = Project(org_id=dev.account.org.id, name="Engine project")
        session.add(row)
        await session.flush()
        project_id = row.id
    first = (await dev.get(f"{PROJECTS}/{project_id}", expect=200)).json()["data"]
    assert first["api_key"].startswith("pk_")
    again = (await dev.get(f"{PROJECTS}/{project_id}", expect=200)).json()["data"]
    assert again["api_key"] == first["api_key"]


async def test_members(dev, factory):
    await factory.member(dev.account.org, role="developer", email="alex@acme.test")
    project = await dev.project()
    response = await dev.get(f"{PROJECTS}/{project['id']}/members", expect=200)
    members = response.json()["data"]
    assert response.json()["meta"]["total"] == 2
    assert set(members[0]) == {"user_id", "display_name", "email", "role", "avatar_url"}
    assert {m["email"]: m["role"] for m in members}["alex@acme.test"] == "developer"


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", ""), ("PATCH", ""), ("GET", "/members"), ("POST", "/archive"), ("POST", "/unarchive"),
     ("POST", "/rotate-key")],
)  # fmt: skip
async def test_another_organisations_project_is_not_found(dev, other, method, suffix):
    theirs = await other.project()
    response = await dev.request(method, f"{PROJECTS}/{theirs['id']}{suffix}", json={"name": "mine"})
    assert_error(response, 404, "Project not found", "not_found")


async def test_pro_plan_allows_ten_active_projects(factory, client):
    from tests.developer.conftest import Dev

    pro = Dev(client, await factory.account(plan="pro"))
    for i in range(10):
        await pro.project(name=f"p{i}")
    refused = assert_error(
        await pro.post(PROJECTS, {"name": "eleventh", "url": "https://e.com"}),
        403,
        "Project limit reached for your plan (10 active projects): archive a project or upgrade",
        "project_limit_reached",
    )
    assert refused["limit"] == 10
    first = (await pro.get(PROJECTS)).json()["data"][0]
    await pro.post(f"{PROJECTS}/{first['id']}/archive", expect=200)
    await pro.project(name="replacement")
    # restoring the archived one would exceed the limit again
    assert (await pro.post(f"{PROJECTS}/{first['id']}/unarchive")).status_code == 403


async def test_trial_counts_as_pro_and_business_is_unlimited(factory, client, app):
    from tests.developer.conftest import Dev

    app.state.settings.quota_projects_pro = 1
    trial = Dev(client, await factory.account(plan="trial", trial_ends_at=utcnow() + timedelta(days=7)))
    await trial.project()
    assert (await trial.post(PROJECTS, {"name": "2", "url": "https://e.com"})).status_code == 403
    business = Dev(client, await factory.account(plan="business"))
    for i in range(3):
        await business.project(name=str(i))


async def test_plan_role_and_scope_rules(factory, client):
    starter = await factory.account(plan="starter")
    assert_error(
        await client.get(PROJECTS, headers=starter.headers),
        403,
        "Developer API requires a Pro or Business plan",
    )
    expired = await factory.account(plan="trial", trial_ends_at=utcnow() - timedelta(days=1))
    assert (await client.get(PROJECTS, headers=expired.headers)).status_code == 403
    member = await factory.account(role="member")
    assert_error(
        await client.get(PROJECTS, headers=member.headers),
        403,
        "Developer API requires the Owner or Developer role",
    )
    reader = await factory.account(preset="read-all")
    assert (await client.get(PROJECTS, headers=reader.headers)).status_code == 200
    refused = await client.post(PROJECTS, json={"name": "x", "url": "https://e.com"}, headers=reader.headers)
    assert refused.status_code == 403 and refused.json()["missing"] == ["write:project"]


async def test_concurrent_creates_never_exceed_the_project_limit(factory, client, app):
    import asyncio

    from tests.developer.conftest import Dev

    app.state.settings.quota_projects_pro = 3
    pro = Dev(client, await factory.account(plan="pro"))
    responses = await asyncio.gather(
        *(pro.post(PROJECTS, {"name": f"p{i}", "url": "https://e.com"}) for i in range(8))
    )
    assert sorted(r.status_code for r in responses) == [201] * 3 + [403] * 5
    assert (await pro.get(PROJECTS)).json()["meta"]["total"] == 3
