"""/api/v1/feedback: list with filters, get, update, delete, and the API channel."""

import pytest

from tests.developer.conftest import assert_error, png_bytes

FEEDBACK = "/api/v1/feedback"


async def _seed(dev):
    site = await dev.project()
    other_site = await dev.project(name="Shop", url="https://shop.example")
    a = await dev.feedback(site["id"], type="bug", title="A")
    b = await dev.feedback(site["id"], type="feature", title="B")
    c = await dev.feedback(other_site["id"], type="general", title="C")
    await dev.patch(f"{FEEDBACK}/{b['id']}", {"status": "in_progress"}, expect=200)
    return site, other_site, a, b, c


async def test_list_filters(dev):
    site, _other_site, _a, _b, _c = await _seed(dev)
    everything = (await dev.get(FEEDBACK, expect=200)).json()
    assert [x["title"] for x in everything["data"]] == ["C", "B", "A"]  # newest first
    assert everything["meta"] == {"total": 3, "limit": 50, "offset": 0}
    assert set(everything["data"][0]) == {
        "id", "project_id", "title", "description", "status", "type", "page_url", "reporter_name",
        "reporter_email", "screenshot_url", "recording_url", "position", "created_at", "updated_at",
    }  # fmt: skip

    async def titles(query):
        return [x["title"] for x in (await dev.get(f"{FEEDBACK}?{query}", expect=200)).json()["data"]]

    assert await titles(f"project_id={site['id']}") == ["B", "A"]
    assert await titles("status=in_progress") == ["B"]
    assert await titles("status=new") == ["C", "A"]
    assert await titles("type=general") == ["C"]
    assert await titles(f"project_id={site['id']}&status=new&type=bug") == ["A"]
    assert await titles("status=review") == []


async def test_position_counts_arrivals_per_project(dev):
    _site, _other_site, a, b, c = await _seed(dev)
    assert (a["position"], b["position"], c["position"]) == (0, 1, 0)


@pytest.mark.parametrize(
    ("query", "message"),
    [("status=open", "Invalid status"), ("type=question", "Invalid type"), ("status=NEW", "Invalid status")],
)
async def test_invalid_filters(dev, query, message):
    body = assert_error(await dev.get(f"{FEEDBACK}?{query}"), 400, message)
    assert body["allowed"]


async def test_pagination_bounds(dev):
    site = await dev.project()
    for i in range(3):
        await dev.feedback(site["id"], title=f"t{i}")
    clamped = (await dev.get(f"{FEEDBACK}?limit=1000")).json()["meta"]
    assert clamped == {"total": 3, "limit": 100, "offset": 0}
    page = (await dev.get(f"{FEEDBACK}?limit=2&offset=2")).json()
    assert [x["title"] for x in page["data"]] == ["t0"] and page["meta"] == {
        "total": 3,
        "limit": 2,
        "offset": 2,
    }
    beyond = (await dev.get(f"{FEEDBACK}?offset=50")).json()
    assert beyond["data"] == [] and beyond["meta"]["total"] == 3
    for bad in ("limit=0", "limit=-1", "offset=-1", "limit=abc"):
        assert (await dev.get(f"{FEEDBACK}?{bad}")).status_code == 400


async def test_get_returns_the_complete_object(dev):
    site = await dev.project()
    created = await dev.feedback(
        site["id"],
        page_url="https://example.com/pricing",
        reporter_name="Jane Smith",
        reporter_email="jane@client.test",
        browser_info={"user_agent": "Mozilla/5.0", "viewport": {"width": 390, "height": 844}},
        annotations=[{"type": "pin", "x": 42.5, "y": 10, "text": "this button"}],
    )
    got = (await dev.get(f"{FEEDBACK}/{created['id']}", expect=200)).json()["data"]
    assert got["annotations"] == [{"type": "pin", "x": 42.5, "y": 10, "text": "this button"}]
    assert got["browser_info"]["viewport"] == {"width": 390, "height": 844}
    assert got["screenshot_url"] is None and got["recording_url"] is None
    assert got["reporter_email"] == "jane@client.test" and got["status"] == "new"


async def test_patch(dev):
    site = await dev.project()
    item = await dev.feedback(site["id"])
    url = f"{FEEDBACK}/{item['id']}"
    assert_error(await dev.patch(url, {}), 400, "No valid fields", "no_valid_fields")
    assert_error(await dev.patch(url, {"priority": "high"}), 400, "No valid fields")
    assert_error(await dev.patch(url, {"status": "closed"}), 400, "Invalid status")
    assert_error(await dev.patch(url, {"status": None}), 400, "Invalid status")
    assert_error(await dev.patch(url, {"type": "question"}), 400, "Invalid type")
    assert_error(await dev.patch(url, {"title": "  "}), 400, "title cannot be empty")
    updated = (
        await dev.patch(url, {"status": "review", "type": "feature", "title": "New", "description": None})
    ).json()
    data = updated["data"]
    assert (data["status"], data["type"], data["title"], data["description"]) == (
        "review",
        "feature",
        "New",
        None,
    )
    assert data["updated_at"] >= item["updated_at"]
    # a failed patch changed nothing
    assert (await dev.get(url)).json()["data"]["status"] == "review"


async def test_delete_takes_comments_and_files_along(dev, client, app):
    site = await dev.project()
    response = await client.post(
        "/api/v1/widget/feedback",
        headers={"X-Project-Key": site["api_key"]},
        data={"title": "With a screenshot"},
        files={"screenshot": ("shot.png", png_bytes(), "image/png")},
    )
    assert response.status_code == 201, response.text
    feedback_id = response.json()["data"]["id"]
    await dev.post(f"{FEEDBACK}/{feedback_id}/comments", {"body": "Looking into it"}, expect=201)
    files = list((app.state.settings.data_dir / "files").rglob("*.png"))
    assert len(files) == 1
    deleted = await dev.delete(f"{FEEDBACK}/{feedback_id}", expect=200)
    assert deleted.json() == {"data": {"id": feedback_id, "deleted": True}}
    assert list((app.state.settings.data_dir / "files").rglob("*.png")) == []
    assert_error(await dev.get(f"{FEEDBACK}/{feedback_id}"), 404, "Feedback not found")
    assert_error(await dev.get(f"{FEEDBACK}/{feedback_id}/comments"), 404, "Feedback not found")
    assert_error(await dev.delete(f"{FEEDBACK}/{feedback_id}"), 404, "Feedback not found")


async def test_api_channel_validation(dev):
    site = await dev.project()
    assert_error(
        await dev.post(FEEDBACK, {"project_id": site["id"]}), 400, "title or description is required"
    )
    assert_error(
        await dev.post(FEEDBACK, {"project_id": site["id"], "title": "x", "type": "idea"}),
        400,
        "Invalid type",
    )
    assert_error(
        await dev.post(FEEDBACK, {"project_id": site["id"], "title": "x", "status": "old"}),
        400,
        "Invalid status",
    )
    assert_error(await dev.post(FEEDBACK, {"project_id": "missing", "title": "x"}), 404, "Project not found")
    bad_email = await dev.post(FEEDBACK, {"project_id": site["id"], "title": "x", "reporter_email": "nope"})
    assert bad_email.status_code == 400 and bad_email.json()["details"][0]["field"] == "reporter_email"
    derived = await dev.feedback(site["id"], title=None, description="First line of the report\nmore text")
    assert derived["title"] == "First line of the report"


@pytest.mark.parametrize(("method", "suffix"), [("GET", ""), ("PATCH", ""), ("DELETE", "")])
async def test_another_organisations_feedback_is_not_found(dev, other, method, suffix):
    site = await other.project()
    theirs = await other.feedback(site["id"])
    response = await dev.request(method, f"{FEEDBACK}/{theirs['id']}{suffix}", json={"status": "done"})
    assert_error(response, 404, "Feedback not found", "not_found")
    assert (await other.get(f"{FEEDBACK}/{theirs['id']}")).json()["data"]["status"] == "new"


async def test_filters_by_another_organisations_project_are_not_found(dev, other):
    site = await other.project()
    await other.feedback(site["id"])
    assert_error(await dev.get(f"{FEEDBACK}?project_id={site['id']}"), 404, "Project not found")
    assert_error(await dev.post(FEEDBACK, {"project_id": site["id"], "title": "x"}), 404, "Project not found")
    assert (await dev.get(FEEDBACK)).json()["meta"]["total"] == 0


async def test_scopes(factory, client, dev):
    site = await dev.project()
    item = await dev.feedback(site["id"])
    board_only = await factory.account(org=dev.account.org, preset="restricted", scopes=["read:board"])
    refused = await client.get(f"{FEEDBACK}/{item['id']}", headers=board_only.headers)
    assert refused.status_code == 403 and refused.json()["missing"] == ["read:feedback"]
    reader = await factory.account(org=dev.account.org, preset="read-all")
    assert (await client.get(f"{FEEDBACK}/{item['id']}", headers=reader.headers)).status_code == 200
    assert (
        await client.patch(f"{FEEDBACK}/{item['id']}", json={"status": "done"}, headers=reader.headers)
    ).status_code == 403
