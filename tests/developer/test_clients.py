"""/api/v1/clients: the clients invoicing sees too."""

from sqlalchemy import select

from loop.clients.models import Client
from tests.developer.conftest import assert_error

CLIENTS = "/api/v1/clients"


async def test_create_list_get_update(dev, app):
    created = (await dev.post(CLIENTS, {"name": "Acme Ltd", "email": "ops@acme.test"}, expect=201)).json()[
        "data"
    ]
    assert created["project_count"] == 0 and created["email"] == "ops@acme.test"
    await dev.project(client_id=created["id"])
    await dev.project(name="Board", type="board", client_id=created["id"])
    got = (await dev.get(f"{CLIENTS}/{created['id']}", expect=200)).json()["data"]
    assert got["project_count"] == 2
    listed = (await dev.get(CLIENTS, expect=200)).json()
    assert listed["meta"] == {"total": 1, "limit": 50, "offset": 0}
    assert listed["data"][0]["project_count"] == 2
    updated = (
        await dev.patch(f"{CLIENTS}/{created['id']}", {"company": "Acme Holdings"}, expect=200)
    ).json()["data"]
    assert updated["company"] == "Acme Holdings" and updated["project_count"] == 2
    async with app.state.database.read() as session:  # the shared row, name key kept in step
        row = (await session.execute(select(Client).where(Client.id == created["id"]))).scalar_one()
        assert row.name_key == "acme ltd"


async def test_names_are_unique_case_insensitively(dev, other):
    await dev.post(CLIENTS, {"name": "Acme Ltd"}, expect=201)
    assert_error(
        await dev.post(CLIENTS, {"name": "  acme   LTD "}),
        409,
        "A client with this name already exists",
        "client_exists",
    )
    second = (await dev.post(CLIENTS, {"name": "Globex"}, expect=201)).json()["data"]
    assert_error(
        await dev.patch(f"{CLIENTS}/{second['id']}", {"name": "ACME ltd"}),
        409,
        "A client with this name already exists",
    )
    await other.post(CLIENTS, {"name": "Acme Ltd"}, expect=201)  # another organisation may use the name


async def test_bad_input(dev):
    created = (await dev.post(CLIENTS, {"name": "Acme"}, expect=201)).json()["data"]
    assert_error(await dev.patch(f"{CLIENTS}/{created['id']}", {"unknown": 1}), 400, "No valid fields")
    assert_error(await dev.post(CLIENTS, {"name": "X", "email": "nope"}), 400, "Invalid email")
    assert (await dev.post(CLIENTS, {})).status_code == 400


async def test_search_and_pagination(dev):
    for name in ("Alpha", "Beta", "Gamma"):
        await dev.post(CLIENTS, {"name": name}, expect=201)
    page = (await dev.get(f"{CLIENTS}?limit=2&offset=1")).json()
    assert [c["name"] for c in page["data"]] == ["Beta", "Gamma"] and page["meta"]["total"] == 3
    assert [c["name"] for c in (await dev.get(f"{CLIENTS}?q=amm")).json()["data"]] == ["Gamma"]


async def test_another_organisations_client_is_not_found(dev, other):
    theirs = (await other.post(CLIENTS, {"name": "Theirs"}, expect=201)).json()["data"]
    assert_error(await dev.get(f"{CLIENTS}/{theirs['id']}"), 404, "Client not found")
    assert_error(await dev.patch(f"{CLIENTS}/{theirs['id']}", {"name": "Mine"}), 404, "Client not found")
    assert (await dev.get(CLIENTS)).json()["meta"]["total"] == 0
    # nor can a project be attached to it
    assert (
        await dev.post("/api/v1/projects", {"name": "p", "url": "https://e.com", "client_id": theirs["id"]})
    ).status_code == 400
