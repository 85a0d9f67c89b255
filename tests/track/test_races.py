"""When a concurrent request saves the same unique value between our check and our insert, the database's
constraint decides: the request answers the documented 409 and its transaction stays usable."""

from loop.clients.repository import ClientRepository
from loop.projects import track_service
from loop.track.repository import SectionRepository, TagRepository
from tests.track.util import billing_client, key, project


async def test_a_section_title_taken_meanwhile(client, account, monkeypatch):
    p = await project(client, account)
    first = (
        await client.post(
            "/v1/track/sections", json={"title": "Phase 2", "projectId": p["id"]}, headers=key(account)
        )
    ).json()
    real = SectionRepository.by_title
    calls = {"n": 0}

    async def blind_first(self, project_id, key_):
        calls["n"] += 1
        return None if calls["n"] == 1 else await real(self, project_id, key_)

    monkeypatch.setattr(SectionRepository, "by_title", blind_first)
    response = await client.post(
        "/v1/track/sections", json={"title": "PHASE 2", "projectId": p["id"]}, headers=key(account)
    )
    assert response.status_code == 409
    assert response.json()["success"] is False and response.json()["existingSection"] == first["data"]


async def test_a_project_code_taken_meanwhile(client, account, monkeypatch):
    await project(client, account, code="ACME")

    async def never_taken(*args, **kwargs):
        return False

    monkeypatch.setattr(track_service, "_code_taken", never_taken)
    response = await client.post(
        "/v1/track/projects", json={"title": "Again", "code": "ACME"}, headers=key(account)
    )
    assert response.status_code == 409 and response.json()["error"] == "Project code already exists"
    other = await project(client, account, title="Other", code="OTHER")
    renamed = await client.put(
        f"/v1/track/projects/{other['id']}", json={"data": {"code": "ACME"}}, headers=key(account)
    )
    assert renamed.status_code == 409
    assert (await client.get(f"/v1/track/projects/{other['id']}", headers=key(account))).json()[
        "code"
    ] == "OTHER"


async def test_a_client_name_and_a_tag_title_taken_meanwhile(client, account, monkeypatch):
    await billing_client(client, account, name="Globex")
    tags = [
        (await client.post("/v1/track/tags", json={"title": t}, headers=key(account))).json()["tag"]
        for t in ("a", "b")
    ]

    async def nothing(*args, **kwargs):
        return None

    monkeypatch.setattr(ClientRepository, "get_by_name", nothing)
    monkeypatch.setattr(TagRepository, "by_key", nothing)
    duplicate = await client.post(
        "/v1/invoices/clients",
        json={"name": "GLOBEX", "address": {"line1": "x", "postalCode": "1"}},
        headers=key(account),
    )
    assert duplicate.status_code == 409 and duplicate.json()["error"] == "Client name already exists"
    clash = await client.patch(f"/v1/track/tags/{tags[0]['id']}", json={"title": "B"}, headers=key(account))
    assert clash.status_code == 409 and clash.json()["error"] == "Tag already exists"
