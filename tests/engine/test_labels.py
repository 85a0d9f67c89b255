"""Labels: list, create, rename / recolour, soft delete, names reusable after delete, attach and detach on
existing issues (§8 C14, M2)."""

from __future__ import annotations

import pytest

from tests.engine.conftest import error_of

LABELS = "/api/labels"


async def test_create_list_and_conflicts(api, other_api):
    bug = await api.label("bug", "#ff6b6b")
    assert set(bug) >= {"id", "name", "color", "createdAt", "deletedAt"}
    assert bug["deletedAt"] is None
    await api.label("api")
    assert error_of(await api.post(LABELS, {"name": "bug", "color": "red"})) == (
        409,
        "Label name already exists",
    )
    assert error_of(await api.post(LABELS, {"name": " BUG ", "color": "red"})) == (
        409,
        "Label name already exists",
    )
    await other_api.label("bug")  # names are per organisation
    listed = (await api.get(LABELS)).json()
    assert listed["total"] == 2 and [label["name"] for label in listed["data"]] == ["api", "bug"]
    page = (await api.get(LABELS, params={"limit": 1, "offset": 1})).json()
    assert page["total"] == 2 and page["data"][0]["name"] == "bug"


@pytest.mark.parametrize(
    "body", [{"name": "x"}, {"color": "red"}, {"name": "", "color": "red"}, {"name": "x" * 101, "color": "r"},
             {"name": "x", "color": "c" * 51}, {"name": "   ", "color": "red"}],
)  # fmt: skip
async def test_invalid_bodies_are_400(api, body):
    response = await api.post(LABELS, body)
    assert response.status_code == 400 and response.json()["code"] == "validation_error"


async def test_rename_and_recolour(api):
    bug = await api.label("bug")
    await api.label("ui")
    renamed = (await api.patch(f"{LABELS}/{bug['id']}", {"name": "defect", "color": "#000"})).json()["data"]
    assert renamed["name"] == "defect" and renamed["color"] == "#000"
    assert (await api.patch(f"{LABELS}/{bug['id']}", {"name": "DEFECT"})).status_code == 200  # its own name
    assert error_of(await api.patch(f"{LABELS}/{bug['id']}", {"name": "ui"})) == (
        409,
        "Label name already exists",
    )
    assert error_of(await api.patch(f"{LABELS}/missing", {"name": "x"})) == (404, "Label not found")
    assert (await api.patch(f"{LABELS}/{bug['id']}", {"name": None})).status_code == 400


async def test_soft_delete_twice_is_404_and_the_name_is_free_again(api):
    bug = await api.label("bug")
    issue = await api.issue(labelIds=[bug["id"]])
    response = await api.delete(f"{LABELS}/{bug['id']}")
    assert response.status_code == 204 and response.content == b""
    assert error_of(await api.delete(f"{LABELS}/{bug['id']}")) == (404, "Label not found")
    assert error_of(await api.delete(f"{LABELS}/missing")) == (404, "Label not found")
    assert (await api.get(LABELS)).json()["total"] == 0
    assert (await api.detail(issue["id"]))["labels"] == []
    assert (await api.get("/api/issues", params={"labelId": bug["id"]})).json()["total"] == 0
    again = await api.label("bug")
    assert again["id"] != bug["id"]
    # a deleted label cannot be attached
    assert error_of(await api.post(f"/api/issues/{issue['id']}/labels", {"labelIds": [bug["id"]]})) == (
        422,
        f"Label not found: {bug['id']}",
    )


async def test_attach_and_detach_on_an_existing_issue(api):
    bug, ui = await api.label("bug"), await api.label("ui")
    issue = await api.issue()
    path = f"/api/issues/{issue['id']}/labels"
    attached = await api.post(path, {"labelIds": [bug["id"]]})
    assert attached.status_code == 200
    assert [label["name"] for label in attached.json()["data"]] == ["bug"]
    again = (await api.post(path, {"labelIds": [bug["id"], ui["id"]]})).json()["data"]
    assert [label["name"] for label in again] == ["bug", "ui"]
    assert (await api.get("/api/issues", params={"labelId": ui["id"]})).json()["total"] == 1
    assert (await api.delete(f"{path}/{bug['id']}")).status_code == 204
    assert (await api.delete(f"{path}/{bug['id']}")).status_code == 204  # not attached: nothing to do
    assert [label["name"] for label in (await api.detail(issue["id"]))["labels"]] == ["ui"]
    assert error_of(await api.delete(f"{path}/missing")) == (404, "Label not found")
    assert error_of(await api.post(path, {"labelIds": ["missing"]})) == (422, "Label not found: missing")
    assert (await api.post(path, {"labelIds": []})).status_code == 400
    assert error_of(await api.post("/api/issues/missing/labels", {"labelIds": [ui["id"]]})) == (
        404,
        "Issue not found",
    )


async def test_live_names_stay_unique_in_the_database(app, account):
    """The partial unique index holds even when the service check is bypassed (concurrent creates)."""
    from sqlalchemy.exc import IntegrityError

    from loop.labels.models import Label

    with pytest.raises(IntegrityError):
        async with app.state.database.write() as session:
            session.add(Label(org_id=account.org.id, name="a", name_key="a", color="r"))
            session.add(Label(org_id=account.org.id, name="A", name_key="a", color="r"))
            await session.flush()
