"""The MCP endpoint over streamable HTTP against a real server process: the tool list and schemas, and who
may call what (tokens, scopes, plans, rate limits, hosts, other organisations, bad input)."""

from __future__ import annotations

import httpx2
import pytest

from tests.mcp.conftest import INITIALIZE, MCP_HEADERS, bearer, fails, mcp_client, ok

pytestmark = pytest.mark.slow

REFERENCE_TOOLS = {
    # the engine's MCP server's nine
    "loop_get_next_task", "loop_get_dashboard", "loop_complete_task", "loop_create_issue", "loop_update_issue", "loop_list_issues", "loop_get_issue",
    "loop_ingest_signal", "loop_create_comment",
}  # fmt: skip
LOOP_TOOLS = {
    "loop_add_relation", "loop_list_projects", "loop_list_goals",
    "loop_heartbeat", "loop_release_task", "loop_submit_review",
    "loop_list_feedback", "loop_get_feedback", "loop_update_feedback",
    "loop_list_tickets", "loop_get_ticket", "loop_generate_ticket",
    "loop_list_cards", "loop_create_card", "loop_move_card", "loop_list_discussion", "loop_add_discussion_comment",
    "loop_log_time", "loop_list_time", "loop_list_invoices", "loop_get_invoice",
}  # fmt: skip


def _raw_post(live, headers: dict[str, str], path: str = "/mcp", **extra) -> httpx2.Response:
    return httpx2.post(
        live.base + path, json=INITIALIZE, headers={**MCP_HEADERS, **headers}, timeout=30, **extra
    )


# -- initialize, tools and their schemas -------------------------------------------------------------------
async def test_initialize_and_list_tools(live):
    async with mcp_client(live.url, bearer(live.tokens.owner)) as client:
        assert client.server_info.name == "loop"
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == REFERENCE_TOOLS | LOOP_TOOLS
    for tool in tools.values():
        assert len(tool.description or "") > 40, tool.name  # written for a model to choose by

    create = tools["loop_create_issue"].input_schema
    assert create["required"] == ["title"]
    props = create["properties"]
    assert set(props) == {"title", "type", "priority", "projectId", "description", "parentId"}
    assert (props["title"]["minLength"], props["title"]["maxLength"]) == (1, 500)
    assert props["type"]["enum"] == ["signal", "hypothesis", "plan", "task", "monitor"]
    assert props["type"]["default"] == "task"
    assert (props["priority"]["minimum"], props["priority"]["maximum"], props["priority"]["default"]) == (
        0,
        4,
        0,
    )

    listing = tools["loop_list_issues"].input_schema["properties"]
    assert set(listing) == {"status", "type", "projectId", "limit", "offset"}
    assert (listing["limit"]["minimum"], listing["limit"]["maximum"], listing["limit"]["default"]) == (
        1,
        100,
        20,
    )
    assert set(tools["loop_update_issue"].input_schema["properties"]) == {
        "issueId", "status", "priority", "type", "title", "description",
    }  # fmt: skip
    assert tools["loop_complete_task"].input_schema["required"] == ["issueId", "outcome"]
    assert tools["loop_create_comment"].input_schema["required"] == ["issueId", "body"]
    signal = tools["loop_ingest_signal"].input_schema
    assert signal["required"] == ["source", "type", "payload"]
    assert signal["properties"]["severity"]["default"] == "medium"
    assert set(tools["loop_get_next_task"].input_schema["properties"]) == {"projectId"}
    assert tools["loop_get_next_task"].input_schema.get("required", []) == []
    assert tools["loop_get_issue"].annotations.read_only_hint is True
    assert tools["loop_create_issue"].annotations.read_only_hint is False


async def test_served_at_api_mcp_and_with_x_api_key(live):
    async with mcp_client(live.base + "/api/mcp", {"X-API-Key": live.tokens.owner}) as client:
        created = await ok(client, "loop_create_issue", {"title": "via /api/mcp"})
    assert created["status"] == "triage"
    response = _raw_post(live, bearer(live.tokens.owner), "/mcp/")
    assert response.status_code == 200 and response.json()["result"]["serverInfo"]["name"] == "loop"
    # stateless: no server-to-client stream to hold open
    stream = httpx2.get(
        live.url, headers={**bearer(live.tokens.owner), "Accept": "text/event-stream"}, timeout=10
    )
    assert stream.status_code == 405 and stream.json()["code"] == "method_not_allowed"


# -- authentication -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("headers", "message", "code"),
    [
        ({}, "Missing or malformed Authorization header", "missing_credentials"),
        ({"Authorization": "Bearer tok_" + "0" * 64}, "Invalid API key", "invalid_token"),
        ({"X-API-Key": "nope"}, "Invalid API key", "invalid_token"),
        ({"Authorization": "Basic abc"}, "Missing or malformed Authorization header", "missing_credentials"),
    ],
)
async def test_missing_or_wrong_token_is_401(live, headers, message, code):
    response = _raw_post(live, headers)
    assert response.status_code == 401
    assert response.json() == {"error": message, "code": code}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    with pytest.raises(BaseException):  # noqa: B017 - the SDK raises an exception group
        async with mcp_client(live.url, headers):
            pass


async def test_expired_token_is_refused(live):
    response = _raw_post(live, bearer(live.tokens.expired))
    assert response.status_code == 401
    assert response.json() == {"error": "API key expired", "code": "token_expired"}


async def test_revoked_token_is_refused_on_the_next_call(live):
    with live.rest(live.tokens.owner) as rest:
        created = rest.post("/api/v1/tokens", json={"name": "agent"}).json()["data"]
    async with mcp_client(live.url, bearer(created["token"])) as client:
        await ok(client, "loop_list_issues")
        with live.rest(live.tokens.owner) as rest:
            assert rest.delete(f"/api/v1/tokens/{created['id']}").status_code == 200
        with pytest.raises(BaseException):  # noqa: B017 - the same open session, the very next call
            await client.call_tool("loop_list_issues", {})
    response = _raw_post(live, bearer(created["token"]))
    assert response.status_code == 401
    assert response.json() == {"error": "API key revoked", "code": "token_revoked"}


async def test_scopes_decide_which_tools_a_token_may_call(live):
    async with mcp_client(live.url, bearer(live.tokens.owner)) as owner:
        before = (await ok(owner, "loop_list_issues"))["total"]
        issue = await ok(owner, "loop_create_issue", {"title": "scoped"})

    async with mcp_client(live.url, bearer(live.tokens.reader)) as reader:
        assert (await ok(reader, "loop_get_issue", {"issueId": issue["id"]}))["title"] == "scoped"
        error = await fails(reader, "loop_create_issue", {"title": "nope"}, 403, "insufficient_scope")
        assert error["missing"] == ["write:issue"]
        await fails(
            reader, "loop_complete_task", {"issueId": issue["id"], "outcome": "x"}, 403, "insufficient_scope"
        )
        await fails(
            reader, "loop_log_time", {"taskName": "x", "durationSeconds": 60}, 403, "insufficient_scope"
        )

    async with mcp_client(live.url, bearer(live.tokens.issues_only)) as narrow:
        await ok(narrow, "loop_update_issue", {"issueId": issue["id"], "priority": 2})
        error = await fails(
            narrow, "loop_create_comment", {"issueId": issue["id"], "body": "hi"}, 403, "insufficient_scope"
        )
        assert error["missing"] == ["write:comment"]
        # without read:comment the issue comes without its comments, rather than not at all
        assert "comments" not in await ok(narrow, "loop_get_issue", {"issueId": issue["id"]})
        await fails(narrow, "loop_list_projects", {}, 403, "insufficient_scope")

    async with mcp_client(live.url, bearer(live.tokens.owner)) as owner:
        after = await ok(owner, "loop_list_issues")
        assert after["total"] == before + 1  # the refused calls wrote nothing
        assert (await ok(owner, "loop_get_issue", {"issueId": issue["id"]}))["comments"] == []


async def test_developer_tools_need_a_paid_plan(live):
    async with mcp_client(live.url, bearer(live.tokens.starter)) as client:
        error = await fails(client, "loop_list_feedback", {}, 403, "plan_required")
        assert error["error"] == "Developer API requires a Pro or Business plan"
        await ok(client, "loop_list_issues")  # the engine's tools have no plan rule


async def test_another_organisations_ids_are_not_found(live):
    async with mcp_client(live.url, bearer(live.tokens.owner)) as mine:
        issue = await ok(mine, "loop_create_issue", {"title": "private"})
    async with mcp_client(live.url, bearer(live.tokens.other)) as theirs:
        error = await fails(theirs, "loop_get_issue", {"issueId": issue["id"]}, 404, "not_found")
        assert error["error"] == "Issue not found"
        await fails(theirs, "loop_update_issue", {"issueId": issue["id"], "status": "done"}, 404, "not_found")
        await fails(theirs, "loop_create_comment", {"issueId": issue["id"], "body": "x"}, 404, "not_found")
        await fails(theirs, "loop_complete_task", {"issueId": issue["id"], "outcome": "x"}, 404, "not_found")
        assert (await ok(theirs, "loop_list_issues"))["issues"] == []
    async with mcp_client(live.url, bearer(live.tokens.owner)) as mine:
        assert (await ok(mine, "loop_get_issue", {"issueId": issue["id"]}))["status"] == "triage"


async def test_rate_limit_is_shared_with_rest(live):
    token = live.tokens.throttled  # 3 requests a minute
    with live.rest(token) as rest:
        assert rest.get("/api/issues").status_code == 200
        assert rest.get("/api/issues").status_code == 200
    allowed = _raw_post(live, bearer(token))
    assert allowed.status_code == 200
    assert (allowed.headers["RateLimit-Limit"], allowed.headers["RateLimit-Remaining"]) == ("3", "0")
    limited = _raw_post(live, bearer(token))
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    with live.rest(token) as rest:
        assert rest.get("/api/issues").status_code == 429


async def test_unknown_host_is_refused(live):
    response = _raw_post(live, {**bearer(live.tokens.owner), "Host": "evil.example"})
    assert response.status_code == 421
    response = _raw_post(live, {**bearer(live.tokens.owner), "Origin": "https://evil.example"})
    assert response.status_code == 403


# -- bad input ----------------------------------------------------------------------------------------------
async def test_bad_input_is_a_clear_error_and_writes_nothing(live):
    async with mcp_client(live.url, bearer(live.tokens.owner)) as client:
        before = (await ok(client, "loop_list_issues"))["total"]
        error = await fails(client, "loop_create_issue", {"title": ""}, 400, "validation_error")
        assert error["details"][0]["field"] == "title"
        error = await fails(
            client, "loop_create_issue", {"title": "x", "priority": 9}, 400, "validation_error"
        )
        assert error["error"].startswith("Invalid 'priority'")
        await fails(client, "loop_create_issue", {"priority": 1}, 400, "validation_error")
        await fails(client, "loop_list_issues", {"status": "nope"}, 400, "validation_error")
        await fails(
            client,
            "loop_ingest_signal",
            {"source": "s", "type": "t", "payload": "x"},
            400,
            "validation_error",
        )
        error = await fails(
            client, "loop_create_issue", {"title": "x", "projectId": "missing"}, 422, "project_not_found"
        )
        assert error["error"] == "Project not found"
        await fails(
            client, "loop_create_issue", {"title": "x", "parentId": "missing"}, 422, "parent_not_found"
        )
        await fails(
            client, "loop_update_feedback", {"feedback_id": "missing", "status": "done"}, 404, "not_found"
        )
        assert (await ok(client, "loop_list_issues"))["total"] == before
        error = await fails(client, "loop_no_such_tool", {}, 404, "unknown_tool")
        assert error["error"] == "Unknown tool: loop_no_such_tool"
