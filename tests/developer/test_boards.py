"""Board lists and cards: ordering, moves that keep positions dense, card fields, errors."""

import asyncio
import random

import pytest

from tests.developer.conftest import assert_error

LISTS = "/api/v1/boards/lists"
CARDS = "/api/v1/boards/cards"


async def _positions(dev, list_id):
    cards = (await dev.get(f"{CARDS}?list_id={list_id}&limit=100", expect=200)).json()["data"]
    return [c["title"] for c in cards], [c["position"] for c in cards]


async def test_lists_require_a_project(dev, other):
    assert_error(await dev.get(LISTS), 400, "project_id query parameter is required")
    assert_error(await dev.get(f"{LISTS}?project_id="), 400, "project_id query parameter is required")
    assert_error(await dev.get(f"{LISTS}?project_id=missing"), 404, "Project not found")
    theirs, _ = await other.board()
    assert_error(await dev.get(f"{LISTS}?project_id={theirs['id']}"), 404, "Project not found")


async def test_lists_are_ordered_and_reorder_densely(dev):
    board, _lists = await dev.board()
    response = (await dev.get(f"{LISTS}?project_id={board['id']}")).json()
    assert [x["name"] for x in response["data"]] == ["To Do", "In Progress", "Done"]
    assert response["meta"] == {"total": 3, "limit": 100, "offset": 0}
    assert set(response["data"][0]) >= {"id", "project_id", "name", "position", "created_at"}
    review = (
        await dev.post(LISTS, {"project_id": board["id"], "name": "Review", "position": 2}, expect=201)
    ).json()
    assert review["data"]["position"] == 2
    backlog = (await dev.post(LISTS, {"project_id": board["id"], "name": "Backlog"}, expect=201)).json()[
        "data"
    ]
    assert backlog["position"] == 4

    async def order():
        data = (await dev.get(f"{LISTS}?project_id={board['id']}")).json()["data"]
        return [(x["name"], x["position"]) for x in data]

    assert await order() == [("To Do", 0), ("In Progress", 1), ("Review", 2), ("Done", 3), ("Backlog", 4)]
    await dev.patch(f"{LISTS}/{backlog['id']}", {"position": 0}, expect=200)
    assert [n for n, _ in await order()] == ["Backlog", "To Do", "In Progress", "Review", "Done"]
    moved = (
        await dev.patch(f"{LISTS}/{backlog['id']}", {"position": 99, "name": "Icebox"}, expect=200)
    ).json()
    assert moved["data"]["position"] == 4 and moved["data"]["name"] == "Icebox"
    assert await order() == [("To Do", 0), ("In Progress", 1), ("Review", 2), ("Done", 3), ("Icebox", 4)]
    await dev.delete(f"{LISTS}/{review['data']['id']}", expect=200)
    assert await order() == [("To Do", 0), ("In Progress", 1), ("Done", 2), ("Icebox", 3)]
    assert_error(await dev.patch(f"{LISTS}/{backlog['id']}", {}), 400, "No valid fields")


async def test_list_rules(dev, other):
    site = await dev.project()
    assert_error(
        await dev.post(LISTS, {"project_id": site["id"], "name": "x"}),
        400,
        "Lists belong to board projects; this project's type is website",
    )
    assert (await dev.get(f"{LISTS}?project_id={site['id']}")).json()["data"] == []
    _board, lists = await dev.board()
    await dev.card(lists[0]["id"])
    assert_error(
        await dev.delete(f"{LISTS}/{lists[0]['id']}"),
        409,
        "List is not empty: move or delete its cards first",
    )
    theirs, their_lists = await other.board()
    assert_error(await dev.post(LISTS, {"project_id": theirs["id"], "name": "x"}), 404, "Project not found")
    for method in ("GET", "PATCH", "DELETE"):
        assert_error(
            await dev.request(method, f"{LISTS}/{their_lists[0]['id']}", json={"name": "x"}),
            404,
            "List not found",
        )


async def test_card_fields_round_trip(dev):
    board, lists = await dev.board()
    body = {
        "list_id": lists[0]["id"],
        "title": "Build pricing table",
        "description": "Three tiers, **annual** toggle",
        "labels": [{"color": "#8B5CF6", "text": "feature"}],
        "due_date": "2025-07-01",
        "checklist": [{"text": "Design", "checked": True}, {"id": "c2", "text": "Build"}],
        "attachments": [
            {
                "name": "spec.pdf",
                "url": "https://files.example/spec.pdf",
                "mimeType": "application/pdf",
                "bytes": 52431,
            }
        ],
    }
    card = (await dev.post(CARDS, body, expect=201)).json()["data"]
    assert card["project_id"] == board["id"] and card["position"] == 0
    assert card["labels"] == [{"color": "#8B5CF6", "text": "feature"}]
    assert card["due_date"] == "2025-07-01"
    assert card["checklist"][0]["id"] and card["checklist"][0]["checked"] is True
    assert card["checklist"][1] == {"id": "c2", "text": "Build", "checked": False}
    assert card["attachments"] == body["attachments"]  # mimeType stays camelCase
    assert card["author_name"]
    got = (await dev.get(f"{CARDS}/{card['id']}", expect=200)).json()["data"]
    assert got == card
    assert set(got) >= {"id", "list_id", "project_id", "title", "description", "labels", "due_date", "checklist",
                        "attachments", "author_name", "position", "created_at"}  # fmt: skip
    patched = (
        await dev.patch(f"{CARDS}/{card['id']}", {"due_date": None, "labels": [], "title": "Pricing"})
    ).json()
    assert (
        patched["data"]["due_date"] is None
        and patched["data"]["labels"] == []
        and patched["data"]["title"] == "Pricing"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"labels": [{"color": "purple", "text": "x"}]}, "labels.0.color"),
        ({"labels": [{"color": "#fff"}]}, "labels.0.text"),
        ({"due_date": "01/07/2025"}, "due_date"),
        ({"checklist": [{"text": ""}]}, "checklist.0.text"),
        ({"attachments": [{"name": "a", "url": "javascript:x", "mimeType": "text/plain", "bytes": 1}]}, "attachments.0.url"),
        ({"attachments": [{"name": "a", "url": "https://x", "mime_type": "text/plain", "bytes": 1}]}, "attachments.0.mimeType"),
        ({"position": -1}, "position"),
    ],
)  # fmt: skip
async def test_card_validation(dev, body, field):
    _, lists = await dev.board()
    response = await dev.post(CARDS, {"list_id": lists[0]["id"], "title": "x", **body})
    assert response.status_code == 400, response.text
    assert response.json()["details"][0]["field"] == field


async def test_card_errors(dev, other):
    _board, lists = await dev.board()
    assert_error(await dev.post(CARDS, {"title": "x"}), 400, "list_id is required")
    assert_error(await dev.post(CARDS, {"list_id": lists[0]["id"]}), 400, "title is required")
    assert_error(
        await dev.post(CARDS, {"list_id": "nope", "title": "x"}),
        400,
        "list_id does not match a list of this organisation",
    )
    other_board, other_lists = await dev.board(name="Second")
    assert_error(
        await dev.post(CARDS, {"list_id": lists[0]["id"], "project_id": other_board["id"], "title": "x"}),
        400,
        "list_id belongs to another project",
    )
    card = await dev.card(lists[0]["id"])
    assert_error(
        await dev.patch(f"{CARDS}/{card['id']}", {"list_id": other_lists[0]["id"]}),
        400,
        "Cards can only move between lists of the same project",
    )
    assert_error(await dev.patch(f"{CARDS}/{card['id']}", {"nothing": 1}), 400, "No valid fields")
    theirs, their_lists = await other.board()
    their_card = await other.card(their_lists[0]["id"])
    for method in ("GET", "PATCH", "DELETE"):
        assert_error(
            await dev.request(method, f"{CARDS}/{their_card['id']}", json={"title": "x"}),
            404,
            "Card not found",
        )
    assert_error(
        await dev.patch(f"{CARDS}/{card['id']}", {"list_id": their_lists[0]["id"]}),
        400,
        "list_id does not match a list of this organisation",
    )
    assert_error(await dev.get(f"{CARDS}?project_id={theirs['id']}"), 404, "Project not found")
    assert_error(await dev.get(f"{CARDS}?list_id={their_lists[0]['id']}"), 404, "List not found")
    assert_error(await dev.get(f"{CARDS}/missing"), 404, "Card not found")


async def test_moves_keep_positions_dense(dev):
    board, lists = await dev.board()
    todo, doing = lists[0]["id"], lists[1]["id"]
    cards = {t: await dev.card(todo, title=t) for t in "ABCDE"}
    assert await _positions(dev, todo) == (list("ABCDE"), [0, 1, 2, 3, 4])
    await dev.patch(f"{CARDS}/{cards['E']['id']}", {"position": 0}, expect=200)  # reorder up
    assert (await _positions(dev, todo))[0] == list("EABCD")
    await dev.patch(f"{CARDS}/{cards['E']['id']}", {"position": 3}, expect=200)  # reorder down
    assert (await _positions(dev, todo))[0] == list("ABCED")
    moved = await dev.patch(
        f"{CARDS}/{cards['B']['id']}", {"list_id": doing}, expect=200
    )  # to the end of another list
    assert moved.json()["data"]["list_id"] == doing and moved.json()["data"]["position"] == 0
    await dev.patch(f"{CARDS}/{cards['C']['id']}", {"list_id": doing, "position": 0}, expect=200)
    assert await _positions(dev, todo) == (list("AED"), [0, 1, 2])
    assert await _positions(dev, doing) == (list("CB"), [0, 1])
    inserted = await dev.card(todo, title="F", position=1)
    assert inserted["position"] == 1 and (await _positions(dev, todo))[0] == list("AFED")
    await dev.delete(f"{CARDS}/{cards['A']['id']}", expect=200)
    assert await _positions(dev, todo) == (list("FED"), [0, 1, 2])
    everything = (await dev.get(f"{CARDS}?project_id={board['id']}")).json()
    assert [c["title"] for c in everything["data"]] == list("FEDCB")  # by list, then position
    paged = (await dev.get(f"{CARDS}?project_id={board['id']}&limit=2&offset=3")).json()
    assert [c["title"] for c in paged["data"]] == list("CB") and paged["meta"]["total"] == 5


async def test_random_moves_keep_every_list_dense(dev):
    _board, lists = await dev.board()
    ids = [x["id"] for x in lists]
    cards = [await dev.card(ids[i % 3], title=f"c{i}") for i in range(9)]
    rng = random.Random(7)
    for _ in range(40):
        card = rng.choice(cards)
        change = {"position": rng.randint(0, 6)}
        if rng.random() < 0.5:
            change["list_id"] = rng.choice(ids)
        await dev.patch(f"{CARDS}/{card['id']}", change, expect=200)
    total = 0
    for list_id in ids:
        _, positions = await _positions(dev, list_id)
        assert positions == list(range(len(positions)))
        total += len(positions)
    assert total == 9


async def test_concurrent_moves_keep_every_list_dense(dev):
    _board, lists = await dev.board()
    ids = [x["id"] for x in lists]
    cards = [await dev.card(ids[i % 3], title=f"c{i}") for i in range(12)]
    rng = random.Random(11)
    moves = [
        dev.patch(
            f"{CARDS}/{rng.choice(cards)['id']}", {"list_id": rng.choice(ids), "position": rng.randint(0, 5)}
        )
        for _ in range(24)
    ]
    responses = await asyncio.gather(*moves)
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200]
    total = 0
    for list_id in ids:
        _, positions = await _positions(dev, list_id)
        assert positions == list(range(len(positions)))
        total += len(positions)
    assert total == 12
