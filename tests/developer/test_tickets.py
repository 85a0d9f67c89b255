"""/api/v1/tickets: list, get, update, and generation with the built-in provider and a real
chat-completions server."""

import json

import pytest
from sqlalchemy import func, select

from loop.tickets.models import Ticket
from tests.developer.conftest import assert_error
from tests.developer.fake_llm import Script, chat_server

TICKETS = "/api/v1/tickets"
GENERATE = f"{TICKETS}/generate"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
async def bug(dev):
    site = await dev.project(name="Marketing Site")
    item = await dev.feedback(
        site["id"],
        title="Start trial button is grey",
        description="The Start trial button on the pricing page is grey instead of blue. It should be our brand blue.",
        type="bug",
        page_url="https://example.com/pricing",
        reporter_name="Jane Smith",
        browser_info={
            "user_agent": IPHONE,
            "viewport": {"width": 390, "height": 844},
            "device_pixel_ratio": 3,
        },
    )
    await dev.post(
        f"/api/v1/feedback/{item['id']}/comments", {"body": "Same here on my phone, +1"}, expect=201
    )
    return item


async def test_generate_from_feedback_with_the_builtin_provider(dev, bug):
    response = await dev.post(GENERATE, {"source_type": "feedback", "source_id": bug["id"]}, expect=201)
    data = response.json()["data"]
    assert set(data) == {
        "id",
        "title",
        "description",
        "priority",
        "status",
        "labels",
        "source_type",
        "source_id",
        "created_at",
    }
    assert data["status"] == "open" and data["source_type"] == "feedback" and data["source_id"] == bug["id"]
    assert data["title"].startswith("Fix: Start trial button is grey")
    assert "## Summary" in data["description"] and "## Acceptance Criteria" in data["description"]
    assert "Safari 17.2 on iOS 17.2" in data["description"]
    assert data["priority"] == "critical"  # a bug (high), and others report the same problem
    assert {"bug", "mobile", "ios", "ui"} <= set(data["labels"])
    full = (await dev.get(f"{TICKETS}/{data['id']}", expect=200)).json()["data"]
    assert full["org_id"] == dev.account.org.id and full["created_by"] == dev.account.user.id
    assert full["assigned_to"] is None and full["issue_id"] is None
    context = full["ai_context"]
    assert context["provider"] == "builtin" and context["model"] == "loop-heuristics-v1"
    assert context["inputs"]["title"] == "Start trial button is grey"
    assert context["inputs"]["comments"][0]["body"] == "Same here on my phone, +1"
    assert "reporter_email" not in context["inputs"]
    assert context["details"]["priority_reasons"][0] == "bug report"


async def test_generate_from_a_card(dev):
    _, lists = await dev.board()
    card = await dev.card(
        lists[0]["id"],
        title="Newsletter signup in footer",
        description="Clients want a newsletter signup form in the footer.",
        labels=[{"color": "#8B5CF6", "text": "feature"}, {"color": "#EF4444", "text": "high"}],
        checklist=[{"text": "Connect to Mailchimp", "checked": False}],
    )
    data = (
        await dev.post(GENERATE, {"source_type": "board_card", "source_id": card["id"]}, expect=201)
    ).json()["data"]
    assert data["source_type"] == "board_card" and data["priority"] == "high"
    assert "feature" in data["labels"] and "- [ ] Connect to Mailchimp" in data["description"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "Missing source_type or source_id"),
        ({}, "Missing source_type or source_id"),
        ({"source_type": "feedback"}, "Missing source_type or source_id"),
        ({"source_id": "x"}, "Missing source_type or source_id"),
        ({"source_type": "", "source_id": "x"}, "Missing source_type or source_id"),
        ({"source_type": "issue", "source_id": "x"}, "Invalid source_type"),
    ],
)
async def test_generate_bad_requests(dev, body, message):
    response = await dev.post(GENERATE, body) if body is not None else await dev.request("POST", GENERATE)
    assert_error(response, 400, message)


async def test_generate_unknown_or_foreign_sources(dev, other):
    assert_error(
        await dev.post(GENERATE, {"source_type": "feedback", "source_id": "missing"}),
        404,
        "Source item not found",
    )
    site = await other.project()
    theirs = await other.feedback(site["id"])
    assert_error(
        await dev.post(GENERATE, {"source_type": "feedback", "source_id": theirs["id"]}),
        404,
        "Source item not found",
    )
    _, lists = await other.board()
    their_card = await other.card(lists[0]["id"])
    assert_error(
        await dev.post(GENERATE, {"source_type": "board_card", "source_id": their_card["id"]}),
        404,
        "Source item not found",
    )
    # a feedback id is not a card id
    assert_error(
        await dev.post(GENERATE, {"source_type": "board_card", "source_id": theirs["id"]}),
        404,
        "Source item not found",
    )


async def test_list_get_and_patch(dev, bug, factory):
    first = (
        await dev.post(GENERATE, {"source_type": "feedback", "source_id": bug["id"]}, expect=201)
    ).json()["data"]
    second = (
        await dev.post(GENERATE, {"source_type": "feedback", "source_id": bug["id"]}, expect=201)
    ).json()["data"]
    listed = (await dev.get(TICKETS, expect=200)).json()
    assert [t["id"] for t in listed["data"]] == [second["id"], first["id"]]
    assert listed["meta"] == {"total": 2, "limit": 50, "offset": 0}
    url = f"{TICKETS}/{first['id']}"
    assert_error(await dev.patch(url, {}), 400, "No valid fields")
    assert_error(await dev.patch(url, {"colour": "red"}), 400, "No valid fields")
    assert_error(await dev.patch(url, {"status": "closed"}), 400, "Invalid status")
    assert_error(await dev.patch(url, {"priority": "urgent"}), 400, "Invalid priority")
    assert_error(await dev.patch(url, {"priority": None}), 400, "Invalid priority")
    assert_error(
        await dev.patch(url, {"assigned_to": "someone"}),
        400,
        "assigned_to must be a member of this organisation",
    )
    teammate = await factory.member(dev.account.org, role="developer")
    updated = (
        await dev.patch(
            url, {"status": "in_progress", "assigned_to": teammate.id, "labels": ["bug", "bug", "ios"]}
        )
    ).json()
    assert updated["data"]["status"] == "in_progress" and updated["data"]["assigned_to"] == teammate.id
    assert updated["data"]["labels"] == ["bug", "ios"]
    unassigned = (await dev.patch(url, {"assigned_to": None, "title": "Fix CTA colour"})).json()["data"]
    assert unassigned["assigned_to"] is None and unassigned["title"] == "Fix CTA colour"

    async def ids(query):
        return [t["id"] for t in (await dev.get(f"{TICKETS}?{query}", expect=200)).json()["data"]]

    assert await ids("status=in_progress") == [first["id"]]
    assert await ids("status=open") == [second["id"]]
    assert await ids(f"project_id={bug['project_id']}&limit=1") == [second["id"]]
    assert_error(await dev.get(f"{TICKETS}?status=closed"), 400, "Invalid status")
    assert_error(await dev.get(f"{TICKETS}?project_id=missing"), 404, "Project not found")


async def test_tickets_survive_their_source(dev, bug):
    ticket = (
        await dev.post(GENERATE, {"source_type": "feedback", "source_id": bug["id"]}, expect=201)
    ).json()["data"]
    await dev.delete(f"/api/v1/feedback/{bug['id']}", expect=200)
    kept = (await dev.get(f"{TICKETS}/{ticket['id']}", expect=200)).json()["data"]
    assert kept["source_id"] == bug["id"]


async def test_another_organisations_ticket_is_not_found(dev, other):
    site = await other.project()
    item = await other.feedback(site["id"])
    theirs = (
        await other.post(GENERATE, {"source_type": "feedback", "source_id": item["id"]}, expect=201)
    ).json()["data"]
    assert_error(await dev.get(f"{TICKETS}/{theirs['id']}"), 404, "Ticket not found")
    assert_error(await dev.patch(f"{TICKETS}/{theirs['id']}", {"status": "done"}), 404, "Ticket not found")
    assert_error(await dev.get(f"{TICKETS}/missing"), 404, "Ticket not found")
    assert (await dev.get(TICKETS)).json()["meta"]["total"] == 0


# -- an OpenAI-compatible provider, over real HTTP -----------------------------------------------------------
GOOD = {
    "title": "Fix Start trial button colour on iOS Safari",
    "description": "## Summary\nThe button is grey on iOS Safari.\n\n## Acceptance Criteria\n- [ ] Button is brand blue",
    "priority": "high",
    "labels": ["bug", "mobile", "Safari"],
}


def _configure(app, base_url, **extra):
    settings = app.state.settings
    settings.llm_base_url = base_url
    settings.llm_model = "test-model"
    settings.llm_api_key = "sk-test"
    for key, value in extra.items():
        setattr(settings, key, value)


async def _ticket_count(app):
    async with app.state.database.read() as session:
        return (await session.execute(select(func.count()).select_from(Ticket))).scalar_one()


async def test_llm_provider_success(dev, bug, app):
    script = Script(content=json.dumps(GOOD))
    with chat_server(script) as base_url:
        _configure(app, base_url)
        response = await dev.post(GENERATE, {"source_type": "feedback", "source_id": bug["id"]}, expect=201)
    data = response.json()["data"]
    assert data["title"] == GOOD["title"] and data["priority"] == "high"
    assert data["labels"] == ["bug", "mobile", "safari"]
    sent = script.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["json"]["model"] == "test-model"
    assert sent["json"]["response_format"]["type"] == "json_schema"
    assert [m["role"] for m in sent["json"]["messages"]] == ["system", "user"]
    user_message = json.loads(sent["json"]["messages"][1]["content"])
    assert user_message["title"] == "Start trial button is grey" and "reporter_email" not in user_message
    assert script.headers[0]["Authorization"] == "Bearer sk-test"
    context = (await dev.get(f"{TICKETS}/{data['id']}")).json()["data"]["ai_context"]
    assert context["provider"] == "openai_compatible" and context["model"] == "test-model"
    assert context["details"]["usage"]["total_tokens"] == 444
    assert context["inputs"]["comments"][0]["body"].startswith("Same here")


async def test_llm_answer_in_a_code_fence_and_json_object_mode(dev, bug, app):
    script = Script(content="```json\n" + json.dumps(GOOD) + "\n```")
    with chat_server(script) as base_url:
        _configure(app, base_url, llm_response_format="json_object")
        await dev.post(GENERATE, {"source_type": "feedback", "source_id": bug["id"]}, expect=201)
    assert script.requests[0]["json"]["response_format"] == {"type": "json_object"}


@pytest.mark.parametrize(
    "script",
    [
        Script(content="Sure! Here is your ticket: it's about a button."),  # not JSON
        Script(content=json.dumps({**GOOD, "priority": "urgent"})),  # JSON, wrong schema
        Script(content=json.dumps({"title": "x"})),  # JSON, fields missing
        Script(content=json.dumps([GOOD])),  # not an object
        Script(raw=b"<html>bad gateway</html>"),  # not a chat completion
        Script(raw=b'{"choices": []}'),
        Script(status=500, content=json.dumps(GOOD)),  # provider error
        Script(status=401, raw=b'{"error": {"message": "bad key"}}'),
        Script(delay_s=3.0, content=json.dumps(GOOD)),  # too slow
    ],
    ids=[
        "prose",
        "bad-enum",
        "missing-fields",
        "array",
        "html",
        "no-choices",
        "http-500",
        "http-401",
        "timeout",
    ],
)
async def test_llm_failures_are_the_documented_500(dev, bug, app, script):
    with chat_server(script) as base_url:
        _configure(app, base_url, llm_timeout_s=0.5)
        response = await dev.post(GENERATE, {"source_type": "feedback", "source_id": bug["id"]})
    assert_error(response, 500, "AI generation failed", "ai_generation_failed")
    assert await _ticket_count(app) == 0


async def test_llm_unreachable_is_the_documented_500(dev, bug, app):
    from tests.conftest import free_port

    _configure(app, f"http://127.0.0.1:{free_port()}/v1", llm_timeout_s=2)
    response = await dev.post(GENERATE, {"source_type": "feedback", "source_id": bug["id"]})
    assert_error(response, 500, "AI generation failed", "ai_generation_failed")
