"""Comments on feedback and board cards: markdown, @mentions, internal notes, author-only edits."""

import pytest

from tests.developer.conftest import Dev, assert_error


@pytest.fixture
async def item(dev):
    site = await dev.project()
    return await dev.feedback(site["id"])


@pytest.fixture
async def card(dev):
    _, lists = await dev.board()
    return await dev.card(lists[0]["id"], title="Hero section")


async def test_create_and_list_on_feedback(dev, item):
    url = f"/api/v1/feedback/{item['id']}/comments"
    first = (await dev.post(url, {"body": "**Confirmed** on iPhone"}, expect=201)).json()["data"]
    assert first["feedback_id"] == item["id"] and first["card_id"] is None
    assert first["author_id"] == dev.account.user.id and first["is_internal"] is False
    assert first["body"] == "**Confirmed** on iPhone" and first["mentions"] == []
    await dev.post(url, {"body": "Internal note", "is_internal": True}, expect=201)
    listed = (await dev.get(url, expect=200)).json()
    assert [c["body"] for c in listed["data"]] == ["**Confirmed** on iPhone", "Internal note"]  # oldest first
    assert listed["meta"] == {"total": 2, "limit": 50, "offset": 0}
    assert [c["is_internal"] for c in listed["data"]] == [False, True]
    flat = (await dev.get(f"/api/v1/comments?feedback_id={item['id']}&limit=1&offset=1", expect=200)).json()
    assert [c["body"] for c in flat["data"]] == ["Internal note"]
    one = (await dev.get(f"/api/v1/comments/{first['id']}", expect=200)).json()["data"]
    assert one == first


async def test_create_and_list_on_cards(dev, card):
    url = f"/api/v1/boards/cards/{card['id']}/comments"
    created = (await dev.post(url, {"body": "Needs copy from the client"}, expect=201)).json()["data"]
    assert created["card_id"] == card["id"] and created["feedback_id"] is None
    assert (await dev.get(url)).json()["meta"]["total"] == 1
    assert (await dev.get(f"/api/v1/comments?card_id={card['id']}")).json()["meta"]["total"] == 1


@pytest.mark.parametrize("body", [{}, {"body": ""}, {"body": "   \n "}, {"body": None}])
async def test_body_is_required(dev, item, card, body):
    assert_error(await dev.post(f"/api/v1/feedback/{item['id']}/comments", body), 400, "body is required")
    assert_error(await dev.post(f"/api/v1/boards/cards/{card['id']}/comments", body), 400, "body is required")


async def test_mentions_resolve_to_project_members(dev, factory, item, app):
    alex = await factory.member(dev.account.org, role="developer", email="alex@acme.test")
    sam = await factory.member(dev.account.org, role="member", email="sam.lee@acme.test")
    async with app.state.database.write() as session:
        from loop.orgs.models import User

        (await session.get(User, alex.id)).display_name = "Alex Johnson"
        (await session.get(User, sam.id)).display_name = "Sam Lee"
    outsider = await factory.member(await factory.org(), email="stranger@else.test")
    url = f"/api/v1/feedback/{item['id']}/comments"
    cases = [
        ("@alex can you look?", [alex.id]),
        ("cc @[Sam Lee] and @alex@acme.test", [sam.id, alex.id]),
        ("@AlexJohnson @sam.lee @Sam", [alex.id, sam.id]),
        ("Email me at me@alex.test, not a mention", []),
        ("`@alex` in code does not count", []),
        ("@stranger is not in this organisation", []),
        ("@nobody", []),
    ]
    for body, expected in cases:
        created = (await dev.post(url, {"body": body}, expect=201)).json()["data"]
        assert created["mentions"] == expected, body
    explicit = (await dev.post(url, {"body": "see above", "mentions": [sam.id]}, expect=201)).json()["data"]
    assert explicit["mentions"] == [sam.id]
    assert_error(
        await dev.post(url, {"body": "x", "mentions": [outsider.id]}),
        400,
        f"Unknown user in mentions: {outsider.id}",
    )


async def test_only_the_author_edits_or_deletes(dev, factory, client, item):
    url = f"/api/v1/feedback/{item['id']}/comments"
    mine = (await dev.post(url, {"body": "first draft"}, expect=201)).json()["data"]
    colleague = Dev(client, await factory.account(org=dev.account.org, role="developer"))
    edited = (
        await dev.patch(f"/api/v1/comments/{mine['id']}", {"body": "edited @nobody", "is_internal": True})
    ).json()
    assert edited["data"]["body"] == "edited @nobody" and edited["data"]["is_internal"] is True
    assert_error(
        await colleague.patch(f"/api/v1/comments/{mine['id']}", {"body": "hijack"}),
        403,
        "Only the comment's author can edit it",
        "not_author",
    )
    assert_error(
        await colleague.delete(f"/api/v1/comments/{mine['id']}"),
        403,
        "Only the comment's author can delete it",
    )
    assert_error(await dev.patch(f"/api/v1/comments/{mine['id']}", {"body": " "}), 400, "body is required")
    assert_error(await dev.patch(f"/api/v1/comments/{mine['id']}", {"colour": 1}), 400, "No valid fields")
    deleted = await dev.delete(f"/api/v1/comments/{mine['id']}", expect=200)
    assert deleted.json() == {"data": {"id": mine["id"], "deleted": True}}
    assert_error(await dev.get(f"/api/v1/comments/{mine['id']}"), 404, "Comment not found")


async def test_missing_parents_and_other_organisations(dev, other, item, card):
    site = await other.project()
    their_item = await other.feedback(site["id"])
    _, their_lists = await other.board()
    their_card = await other.card(their_lists[0]["id"])
    their_comment = (
        await other.post(f"/api/v1/feedback/{their_item['id']}/comments", {"body": "theirs"}, expect=201)
    ).json()["data"]
    for method in ("GET", "POST"):
        assert_error(
            await dev.request(method, f"/api/v1/feedback/{their_item['id']}/comments", json={"body": "x"}),
            404,
            "Feedback not found",
        )
        assert_error(
            await dev.request(
                method, f"/api/v1/boards/cards/{their_card['id']}/comments", json={"body": "x"}
            ),
            404,
            "Card not found",
        )
    assert_error(await dev.get(f"/api/v1/comments?feedback_id={their_item['id']}"), 404, "Feedback not found")
    for method in ("GET", "PATCH", "DELETE"):
        assert_error(
            await dev.request(method, f"/api/v1/comments/{their_comment['id']}", json={"body": "x"}),
            404,
            "Comment not found",
        )
    assert_error(await dev.get("/api/v1/comments"), 400, "Give exactly one of feedback_id or card_id")


async def test_scopes_follow_the_parent(dev, factory, client, item, card):
    board_only = await factory.account(
        org=dev.account.org, preset="restricted", scopes=["read:board", "write:board"]
    )
    ok = await client.get(f"/api/v1/boards/cards/{card['id']}/comments", headers=board_only.headers)
    assert ok.status_code == 200
    refused = await client.get(f"/api/v1/feedback/{item['id']}/comments", headers=board_only.headers)
    assert refused.status_code == 403 and refused.json()["missing"] == ["read:feedback"]
    comment = (await dev.post(f"/api/v1/feedback/{item['id']}/comments", {"body": "x"}, expect=201)).json()[
        "data"
    ]
    flat = await client.get(f"/api/v1/comments/{comment['id']}", headers=board_only.headers)
    assert flat.status_code == 403
