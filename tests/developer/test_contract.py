"""What the developer endpoints send matches the models their OpenAPI document declares."""

from loop.boards.schemas import CardOut, ListOut
from loop.clients.developer_schemas import ClientOut
from loop.discussion.schemas import CommentOut
from loop.feedback.schemas import FeedbackDetail, FeedbackOut, WidgetAccepted
from loop.projects.developer_schemas import MemberOut, ProjectDetail, ProjectOut
from loop.tickets.schemas import TicketGenerated, TicketOut


async def test_responses_match_their_declared_models(dev, client):
    client_row = (await dev.post("/api/v1/clients", {"name": "Acme"}, expect=201)).json()["data"]
    ClientOut.model_validate(client_row, strict=False)
    site = await dev.project(client_id=client_row["id"])
    ProjectDetail.model_validate(site)
    ProjectOut.model_validate((await dev.get("/api/v1/projects")).json()["data"][0])
    MemberOut.model_validate((await dev.get(f"/api/v1/projects/{site['id']}/members")).json()["data"][0])
    accepted = await client.post(
        "/api/v1/widget/feedback", json={"title": "x", "annotations": [{"type": "pin", "x": 1, "y": 2}]},
        headers={"X-Project-Key": site["api_key"]},
    )  # fmt: skip
    WidgetAccepted.model_validate(accepted.json()["data"])
    item_id = accepted.json()["data"]["id"]
    FeedbackOut.model_validate((await dev.get("/api/v1/feedback")).json()["data"][0])
    FeedbackDetail.model_validate((await dev.get(f"/api/v1/feedback/{item_id}")).json()["data"])
    comment = await dev.post(f"/api/v1/feedback/{item_id}/comments", {"body": "hi"}, expect=201)
    CommentOut.model_validate(comment.json()["data"])
    _board, lists = await dev.board()
    ListOut.model_validate(lists[0])
    card = await dev.card(
        lists[0]["id"],
        labels=[{"color": "#fff", "text": "x"}],
        checklist=[{"text": "a"}],
        attachments=[{"name": "a", "url": "https://x.test/a", "mimeType": "image/png", "bytes": 3}],
        due_date="2025-07-01",
    )
    CardOut.model_validate(card)
    generated = await dev.post(
        "/api/v1/tickets/generate", {"source_type": "feedback", "source_id": item_id}, expect=201
    )
    TicketGenerated.model_validate(generated.json()["data"])
    TicketOut.model_validate(
        (await dev.get(f"/api/v1/tickets/{generated.json()['data']['id']}")).json()["data"]
    )
