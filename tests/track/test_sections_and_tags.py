"""Sections (project scopes) and tags (idempotent, case-insensitive)."""

from tests.track.util import key, log, project

SECTIONS = "/v1/track/sections"
TAGS = "/v1/track/tags"


async def test_sections_lifecycle(client, account):
    p = await project(client, account)
    created = await client.post(
        SECTIONS, json={"title": "Phase 2", "projectId": p["id"]}, headers=key(account)
    )
    assert created.status_code == 201
    body = created.json()
    assert body["success"] is True
    section = body["data"]
    assert section["title"] == "Phase 2" and section["projectId"] == p["id"]
    assert body["section"] == section

    listed = await client.get(SECTIONS, params={"projectId": p["id"]}, headers=key(account))
    assert listed.status_code == 200 and listed.json() == [section]

    duplicate = await client.post(
        SECTIONS, json={"title": "phase 2", "projectId": p["id"]}, headers=key(account)
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["success"] is False
    assert duplicate.json()["existingSection"] == section

    other = await project(client, account, title="Other")
    elsewhere = await client.post(
        SECTIONS, json={"title": "Phase 2", "projectId": other["id"]}, headers=key(account)
    )
    assert elsewhere.status_code == 201

    second = (
        await client.post(SECTIONS, json={"title": "Phase 3", "projectId": p["id"]}, headers=key(account))
    ).json()
    renamed = await client.put(
        f"{SECTIONS}/{section['id']}", json={"title": "Discovery"}, headers=key(account)
    )
    assert renamed.status_code == 200 and renamed.json()["data"]["title"] == "Discovery"
    clash = await client.put(f"{SECTIONS}/{section['id']}", json={"title": "PHASE 3"}, headers=key(account))
    assert clash.status_code == 409 and clash.json()["existingSection"]["id"] == second["data"]["id"]


async def test_section_errors(client, account):
    missing = await client.get(SECTIONS, headers=key(account))
    assert missing.status_code == 400 and missing.json()["error"] == "projectId is required"
    unknown = await client.get(SECTIONS, params={"projectId": "nope"}, headers=key(account))
    assert unknown.status_code == 404 and unknown.json()["error"] == "Project not found"
    create_unknown = await client.post(
        SECTIONS, json={"title": "x", "projectId": "nope"}, headers=key(account)
    )
    assert create_unknown.status_code == 404
    assert (await client.post(SECTIONS, json={"projectId": "nope"}, headers=key(account))).status_code == 400
    assert (
        await client.put(f"{SECTIONS}/nope", json={"title": "x"}, headers=key(account))
    ).status_code == 404
    gone = await client.delete(f"{SECTIONS}/nope", headers=key(account))
    assert gone.status_code == 404 and gone.json()["error"] == "Section not found"


async def test_deleting_a_section_keeps_its_entries(client, account):
    p = await project(client, account)
    section = (
        await client.post(SECTIONS, json={"title": "Phase 2", "projectId": p["id"]}, headers=key(account))
    ).json()["data"]
    entry = await log(client, account, projectId=p["id"], sectionId=section["id"])
    deleted = await client.delete(f"{SECTIONS}/{section['id']}", headers=key(account))
    assert deleted.status_code == 200 and deleted.json() == {"success": True, "data": "Section deleted"}
    kept = (await client.get(f"/v1/track/time/{entry['id']}", headers=key(account))).json()
    assert kept["sectionId"] is None and kept["projectId"] == p["id"]
    assert (await client.get(SECTIONS, params={"projectId": p["id"]}, headers=key(account))).json() == []


async def test_tags_are_idempotent_and_case_insensitive(client, account):
    created = await client.post(TAGS, json={"title": "design"}, headers=key(account))
    assert created.status_code == 201
    assert created.json()["success"] is True and created.json()["data"] == "Tag added"
    tag = created.json()["tag"]
    assert tag == {"id": tag["id"], "title": "design"}

    again = await client.post(TAGS, json={"title": "  DESIGN "}, headers=key(account))
    assert again.status_code == 200
    assert again.json()["success"] is True
    assert again.json()["tag"] == tag
    assert again.json()["message"] == "Tag already exists"

    await client.post(TAGS, json={"title": "billing"}, headers=key(account))
    listed = await client.get(TAGS, headers=key(account))
    assert listed.status_code == 200 and [t["title"] for t in listed.json()] == ["billing", "design"]

    renamed = await client.patch(f"{TAGS}/{tag['id']}", json={"title": "Design"}, headers=key(account))
    assert renamed.status_code == 200 and renamed.json()["tag"]["title"] == "Design"
    clash = await client.patch(f"{TAGS}/{tag['id']}", json={"title": "BILLING"}, headers=key(account))
    assert clash.status_code == 409 and clash.json()["error"] == "Tag already exists"

    assert (await client.post(TAGS, json={"title": "   "}, headers=key(account))).status_code == 400
    assert (await client.post(TAGS, json={}, headers=key(account))).status_code == 400


async def test_deleting_a_tag_removes_it_from_entries(client, account):
    entry = await log(client, account, tags=[{"title": "design"}])
    tag_id = entry["tags"][0]["id"]
    deleted = await client.delete(f"{TAGS}/{tag_id}", headers=key(account))
    assert deleted.status_code == 200 and deleted.json() == {"success": True, "data": "Tag deleted"}
    assert (await client.get(f"/v1/track/time/{entry['id']}", headers=key(account))).json()["tags"] == []
    missing = await client.delete(f"{TAGS}/{tag_id}", headers=key(account))
    assert missing.status_code == 404 and missing.json()["error"] == "Tag not found"
    assert (
        await client.patch(f"{TAGS}/{tag_id}", json={"title": "x"}, headers=key(account))
    ).status_code == 404


async def test_concurrent_creates_of_one_tag_make_one_tag(client, account):
    import asyncio

    responses = await asyncio.gather(
        *(
            client.post(TAGS, json={"title": f"{'Ops' if i % 2 else 'ops'}"}, headers=key(account))
            for i in range(8)
        )
    )
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert len({r.json()["tag"]["id"] for r in responses}) == 1
