"""Board and feedback pages: Kanban columns, moving cards (buttons and the drag-and-drop post), adding a card,
ticket generation from a card and from a feedback item, feedback status; other orgs' ids are 404."""

from __future__ import annotations

from tests.developer.conftest import Dev
from tests.web.helpers import signed_in


async def _cards(dev, list_id):
    return (await dev.get(f"/api/v1/boards/cards?list_id={list_id}")).json()["data"]


async def test_board_shows_columns_and_moves_cards(app, client, account):
    csrf = await signed_in(app, client, account)
    dev = Dev(client, account)
    assert "No board projects yet" in (await client.get("/app/board")).text
    project, lists = await dev.board()
    first, second = lists[0], lists[1]
    a = await dev.card(first["id"], title="Write copy")
    b = await dev.card(first["id"], title="Pick photos")

    page = await client.get("/app/board")
    assert page.status_code == 200
    for name in (first["name"], second["name"], "Write copy", "Pick photos"):
        assert name in page.text
    assert f'data-list-id="{first["id"]}"' in page.text and 'draggable="true"' in page.text

    # the "→ list" button
    moved = await client.post(
        f"/app/board/cards/{a['id']}/move", data={"csrf_token": csrf, "list_id": second["id"]}
    )
    assert moved.status_code == 303
    assert [c["title"] for c in await _cards(dev, second["id"])] == ["Write copy"]
    assert [c["title"] for c in await _cards(dev, first["id"])] == ["Pick photos"]

    # what the drag-and-drop script posts (header CSRF, htmx-style redirect)
    dropped = await client.post(
        f"/app/board/cards/{b['id']}/move",
        data={"list_id": second["id"], "position": "0"},
        headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
    )
    assert dropped.status_code == 204 and dropped.headers["HX-Redirect"].startswith("/app/board")
    assert [c["title"] for c in await _cards(dev, second["id"])] == ["Pick photos", "Write copy"]

    # up/down buttons
    await client.post(f"/app/board/cards/{a['id']}/move", data={"csrf_token": csrf, "position": "0"})
    assert [c["title"] for c in await _cards(dev, second["id"])] == ["Write copy", "Pick photos"]

    added = await client.post(
        "/app/board/cards", data={"csrf_token": csrf, "list_id": first["id"], "title": "New"}
    )
    assert added.status_code == 303
    assert [c["title"] for c in await _cards(dev, first["id"])] == ["New"]
    assert project["id"] in added.headers["location"]


async def test_move_bad_input(app, client, account, other_account):
    csrf = await signed_in(app, client, account)
    dev = Dev(client, account)
    _, lists = await dev.board()
    card = await dev.card(lists[0]["id"])
    for data in ({}, {"position": "x"}, {"list_id": "no-such-list"}):
        response = await client.post(f"/app/board/cards/{card['id']}/move", data={"csrf_token": csrf, **data})
        assert response.status_code == 400, data
    _, their_lists = await Dev(client, other_account).board()
    theirs = await Dev(client, other_account).card(their_lists[0]["id"], title="Their card")
    response = await client.post(
        f"/app/board/cards/{theirs['id']}/move", data={"csrf_token": csrf, "position": "0"}
    )
    assert response.status_code == 404
    cross = await client.post(
        f"/app/board/cards/{card['id']}/move", data={"csrf_token": csrf, "list_id": their_lists[1]["id"]}
    )
    assert cross.status_code == 400
    assert (
        await client.post(f"/app/board/cards/{card['id']}/move", data={"position": "0"})
    ).status_code == 403
    assert (await client.get(f"/app/board?project={their_lists[0]['project_id']}")).status_code == 404


async def test_tickets_from_card_and_feedback(app, client, account, other_account):
    csrf = await signed_in(app, client, account)
    dev = Dev(client, account)
    _, lists = await dev.board()
    card = await dev.card(lists[0]["id"], title="Hero image is blurry")
    made = await client.post(f"/app/board/cards/{card['id']}/ticket", data={"csrf_token": csrf})
    assert made.status_code == 303
    ticket_page = await client.get(made.headers["location"])
    assert ticket_page.status_code == 200 and "board card" in ticket_page.text

    site = await dev.project()
    item = await dev.feedback(site["id"], title="CTA button is grey")
    listing = await client.get("/app/feedback")
    assert "CTA button is grey" in listing.text and "of 1 feedback items" in listing.text
    made = await client.post(f"/app/feedback/{item['id']}/ticket", data={"csrf_token": csrf})
    assert made.status_code == 303
    tickets = (await dev.get("/api/v1/tickets")).json()["data"]
    assert {t["source_type"] for t in tickets} == {"feedback", "board_card"}

    changed = await client.post(
        f"/app/feedback/{item['id']}/status", data={"csrf_token": csrf, "status": "review"}
    )
    assert changed.status_code == 303
    assert (await dev.get(f"/api/v1/feedback/{item['id']}")).json()["data"]["status"] == "review"
    bad = await client.post(f"/app/feedback/{item['id']}/status", data={"csrf_token": csrf, "status": "nope"})
    assert bad.status_code == 400
    assert (await client.get("/app/feedback?status=nope")).status_code == 400

    other = Dev(client, other_account)
    their_item = await other.feedback((await other.project())["id"], title="Their feedback")
    assert (
        await client.post(f"/app/feedback/{their_item['id']}/ticket", data={"csrf_token": csrf})
    ).status_code == 404
    assert (
        await client.post(
            f"/app/feedback/{their_item['id']}/status", data={"csrf_token": csrf, "status": "done"}
        )
    ).status_code == 404
    assert "Their feedback" not in (await client.get("/app/feedback")).text
    their_ticket = (
        await other.post(
            "/api/v1/tickets/generate", {"source_type": "feedback", "source_id": their_item["id"]}
        )
    ).json()["data"]
    assert (await client.get(f"/app/tickets/{their_ticket['id']}")).status_code == 404


async def test_add_card_bad_input(app, client, account, other_account):
    csrf = await signed_in(app, client, account)
    dev = Dev(client, account)
    _, lists = await dev.board()
    _, their_lists = await Dev(client, other_account).board()
    for data in (
        {"list_id": lists[0]["id"], "title": "  "},
        {"list_id": "", "title": "x"},
        {"list_id": "no-such-list", "title": "x"},
        {"list_id": their_lists[0]["id"], "title": "sneaky"},
    ):
        response = await client.post("/app/board/cards", data={"csrf_token": csrf, **data})
        assert response.status_code == 400, data
        assert response.headers["content-type"].startswith("text/html")
    for board_list in (*lists, *their_lists):
        owner = account if board_list in lists else other_account
        assert await _cards(Dev(client, owner), board_list["id"]) == []
    missing = await client.post("/app/board/cards/no-such-card/ticket", data={"csrf_token": csrf})
    assert missing.status_code == 404
    assert (await client.get("/app/tickets/no-such-ticket")).status_code == 404
