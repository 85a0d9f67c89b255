"""``loop mcp``: the stdio server, as a subprocess, driven by the SDK's client, forwarding to a real server."""

from __future__ import annotations

import os
import sys
from contextlib import asynccontextmanager

import pytest
from mcp.shared.exceptions import MCPError

from mcp import Client, StdioServerParameters
from tests.mcp.conftest import bearer, body, fails, mcp_client, ok

pytestmark = pytest.mark.slow


@asynccontextmanager
async def stdio(url: str, token: str | None, *args: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOOP_")}
    env["LOOP_URL"] = url
    if token is not None:
        env["LOOP_TOKEN"] = token
    params = StdioServerParameters(command=sys.executable, args=["-m", "loop", "mcp", *args], env=env)
    async with Client(params) as client:
        yield client


async def test_lists_the_servers_tools_and_calls_them(live):
    async with mcp_client(live.url, bearer(live.tokens.owner)) as http:
        over_http = {tool.name: tool.input_schema for tool in (await http.list_tools()).tools}
    async with stdio(live.base, live.tokens.owner) as client:
        assert client.server_info.name == "loop"
        over_stdio = {tool.name: tool.input_schema for tool in (await client.list_tools()).tools}
        assert over_stdio == over_http

        issue = await ok(client, "loop_create_issue", {"title": "From stdio", "priority": 3})
        await ok(client, "loop_create_comment", {"issueId": issue["id"], "body": "note"})
        done = await ok(client, "loop_complete_task", {"issueId": issue["id"], "outcome": "done via stdio"})
        assert done["issue"]["status"] == "done"
        detail = await ok(client, "loop_get_issue", {"issueId": issue["id"]})
        assert [c["body"] for c in detail["comments"]] == ["note", "done via stdio"]
        # errors arrive as the server wrote them
        error = await fails(client, "loop_get_issue", {"issueId": "missing"}, 404, "not_found")
        assert error["error"] == "Issue not found"
    with live.rest(live.tokens.owner) as rest:
        assert rest.get(f"/api/issues/{issue['id']}").json()["data"]["status"] == "done"


async def test_accepts_the_endpoint_url_and_the_token_option(live):
    async with stdio(live.url, None, "--token", live.tokens.reader) as client:
        assert "issues" in await ok(client, "loop_list_issues")
        await fails(client, "loop_create_issue", {"title": "no"}, 403, "insufficient_scope")


async def test_wrong_token_is_reported_with_the_servers_answer(live):
    async with stdio(live.base, "tok_" + "1" * 64) as client:
        with pytest.raises(MCPError) as raised:
            await client.list_tools()
        assert "Invalid API key" in str(raised.value)
        result = await client.call_tool("loop_list_issues", {})
        assert result.is_error
        assert body(result) == {"error": "Invalid API key", "code": "invalid_token", "status": 401}


async def test_revoked_token_stops_working_on_the_next_call(live):
    with live.rest(live.tokens.owner) as rest:
        created = rest.post("/api/v1/tokens", json={"name": "stdio agent"}).json()["data"]
    async with stdio(live.base, created["token"]) as client:
        await ok(client, "loop_list_issues")
        with live.rest(live.tokens.owner) as rest:
            assert rest.delete(f"/api/v1/tokens/{created['id']}").status_code == 200
        result = await client.call_tool("loop_list_issues", {})
        assert result.is_error
        assert body(result) == {"error": "API key revoked", "code": "token_revoked", "status": 401}


async def test_server_down_is_a_clear_error(live):
    async with stdio("http://127.0.0.1:9", live.tokens.owner) as client:
        result = await client.call_tool("loop_list_issues", {})
        assert result.is_error
        error = body(result)
        assert error["code"] == "upstream_unavailable" and "127.0.0.1:9" in error["error"]


def test_needs_a_token():
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("LOOP_")}
    proc = subprocess.run(
        [sys.executable, "-m", "loop", "mcp"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert "LOOP_TOKEN" in proc.stderr


# Arguments that every tool answers without needing earlier state: a success, or a Loop error body.
SWEEP = {
    "loop_get_next_task": {"projectId": "missing-project"},
    "loop_get_dashboard": {},
    "loop_complete_task": {"issueId": "missing", "outcome": "x"},
    "loop_create_issue": {"title": "Swept"},
    "loop_update_issue": {"issueId": "missing", "priority": 1},
    "loop_list_issues": {"limit": 1},
    "loop_get_issue": {"issueId": "missing"},
    "loop_ingest_signal": {"source": "stdio", "type": "check", "payload": {"ok": True}},
    "loop_create_comment": {"issueId": "missing", "body": "x"},
    "loop_add_relation": {"issueId": "missing", "type": "related", "relatedIssueId": "missing-too"},
    "loop_list_projects": {},
    "loop_list_goals": {"status": "active"},
    "loop_heartbeat": {"issueId": "missing"},
    "loop_release_task": {"issueId": "missing"},
    "loop_submit_review": {"versionId": "v", "issueId": "i", "clarity": 3, "completeness": 3, "relevance": 3},
    "loop_list_feedback": {"status": "new"},
    "loop_get_feedback": {"feedback_id": "missing"},
    "loop_update_feedback": {"feedback_id": "missing", "status": "done"},
    "loop_list_tickets": {},
    "loop_get_ticket": {"ticket_id": "missing"},
    "loop_generate_ticket": {"source_type": "feedback", "source_id": "missing"},
    "loop_list_cards": {},
    "loop_create_card": {"list_id": "missing", "title": "x"},
    "loop_move_card": {"card_id": "missing", "position": 0},
    "loop_list_discussion": {"on": "card", "id": "missing"},
    "loop_add_discussion_comment": {"on": "feedback", "id": "missing", "body": "x"},
    "loop_log_time": {"taskName": "Swept", "durationSeconds": 60},
    "loop_list_time": {"frequency": "day"},
    "loop_list_invoices": {},
    "loop_get_invoice": {"invoiceId": "missing"},
}


async def test_every_tool_answers_through_stdio(live):
    async with stdio(live.base, live.tokens.owner) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert names == set(SWEEP)
        for name, arguments in SWEEP.items():
            result = await client.call_tool(name, arguments)
            text = result.content[0].text
            if name == "loop_get_next_task":
                assert not result.is_error and text.startswith("No tasks available"), text
                continue
            answer = body(result)
            if result.is_error:
                assert set(answer) >= {"error", "code", "status"}, (name, answer)
                assert 400 <= answer["status"] < 500, (name, answer)
            else:
                assert isinstance(answer, dict), (name, answer)
