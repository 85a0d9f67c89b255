"""The MCP endpoint over streamable HTTP, against a real server process, with the official SDK's client."""

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


# -- every tool ---------------------------------------------------------------------------------------------
async def test_engine_tools(live):
    with live.rest(live.tokens.owner) as rest:
        project = rest.post("/api/projects", json={"name": "Engine project"}).json()["data"]
        goal = rest.post("/api/goals", json={"title": "Ship it", "projectId": project["id"]}).json()["data"]
    async with mcp_client(live.url, bearer(live.tokens.owner)) as client:
        projects = await ok(client, "loop_list_projects")
        assert project["id"] in [p["id"] for p in projects["projects"]]
        goals = await ok(client, "loop_list_goals", {"projectId": project["id"]})
        assert [g["id"] for g in goals["goals"]] == [goal["id"]]

        parent = await ok(
            client,
            "loop_create_issue",
            {
                "title": "Parent",
                "type": "plan",
                "priority": 1,
                "projectId": project["id"],
                "description": "d",
            },
        )
        assert set(parent) == {"id", "number", "title", "type", "status", "priority"}
        assert (parent["type"], parent["priority"], parent["status"]) == ("plan", 1, "triage")
        child = await ok(client, "loop_create_issue", {"title": "Child", "parentId": parent["id"]})
        updated = await ok(
            client, "loop_update_issue", {"issueId": child["id"], "status": "todo", "title": "Child 2"}
        )
        assert (updated["status"], updated["title"], updated["type"]) == ("todo", "Child 2", "task")

        listed = await ok(client, "loop_list_issues", {"projectId": project["id"]})
        assert (listed["total"], listed["hasMore"]) == (1, False)
        assert listed["issues"][0]["id"] == parent["id"]
        page = await ok(client, "loop_list_issues", {"status": "todo", "limit": 1})
        assert child["id"] in [i["id"] for i in page["issues"]]

        comment = await ok(
            client, "loop_create_comment", {"issueId": parent["id"], "body": "Looking into it"}
        )
        assert set(comment) == {"id", "body", "authorName", "createdAt"}
        assert comment["authorName"] == "agent"
        relation = await ok(
            client,
            "loop_add_relation",
            {"issueId": child["id"], "type": "blocked_by", "relatedIssueId": parent["id"]},
        )
        assert (relation["type"], relation["issueId"]) == ("blocked_by", child["id"])
        await fails(
            client,
            "loop_add_relation",
            {"issueId": parent["id"], "type": "blocked_by", "relatedIssueId": child["id"]},
            422,
            "relation_cycle",
        )

        detail = await ok(client, "loop_get_issue", {"issueId": parent["id"]})
        assert [c["body"] for c in detail["comments"]] == ["Looking into it"]
        assert detail["comments"][0]["authorType"] == "agent"
        assert [c["id"] for c in detail["children"]] == [child["id"]]
        assert detail["relations"][0]["relatedIssueId"] == child["id"]

        signal = await ok(
            client,
            "loop_ingest_signal",
            {"source": "sentry", "type": "error", "payload": {"message": "boom"}, "projectId": project["id"]},
        )
        assert signal["signal"]["severity"] == "medium"
        assert signal["issue"]["status"] == "triage" and signal["issue"]["type"] == "signal"


async def test_complete_task_reports_what_it_unblocked(live):
    async with mcp_client(live.url, bearer(live.tokens.owner)) as client:
        first = await ok(client, "loop_create_issue", {"title": "First"})
        second = await ok(client, "loop_create_issue", {"title": "Second"})
        freed = await ok(client, "loop_create_issue", {"title": "Freed by first"})
        waits = await ok(client, "loop_create_issue", {"title": "Needs both"})
        for blocked in (freed, waits):
            await ok(
                client,
                "loop_add_relation",
                {"issueId": first["id"], "type": "blocks", "relatedIssueId": blocked["id"]},
            )
        await ok(
            client,
            "loop_add_relation",
            {"issueId": waits["id"], "type": "blocked_by", "relatedIssueId": second["id"]},
        )

        done = await ok(client, "loop_complete_task", {"issueId": first["id"], "outcome": "Fixed in #12"})
        assert done["issue"]["status"] == "done"
        assert (done["comment"]["body"], done["comment"]["authorName"]) == ("Fixed in #12", "agent")
        assert [i["id"] for i in done["unblockedIssues"]] == [freed["id"]]
        assert done["unblockedIssues"][0] == {
            "id": freed["id"],
            "number": freed["number"],
            "title": "Freed by first",
            "status": "triage",
        }

        later = await ok(client, "loop_complete_task", {"issueId": second["id"], "outcome": "Done too"})
        assert [i["id"] for i in later["unblockedIssues"]] == [waits["id"]]


async def test_developer_tools(live):
    with live.rest(live.tokens.owner) as rest:
        site = rest.post("/api/v1/projects", json={"name": "Site", "url": "https://example.com"}).json()[
            "data"
        ]
        board = rest.post("/api/v1/projects", json={"name": "Board", "type": "board"}).json()["data"]
        item = rest.post(
            "/api/v1/feedback", json={"project_id": site["id"], "title": "Button broken", "type": "bug"}
        ).json()["data"]
        lists = rest.get("/api/v1/boards/lists", params={"project_id": board["id"]}).json()["data"]
    first_list, second_list = lists[0], lists[1]
    async with mcp_client(live.url, bearer(live.tokens.owner)) as client:
        listed = await ok(client, "loop_list_feedback", {"project_id": site["id"]})
        assert [f["id"] for f in listed["feedback"]] == [item["id"]]
        got = await ok(client, "loop_get_feedback", {"feedback_id": item["id"]})
        assert got["title"] == "Button broken"
        changed = await ok(
            client, "loop_update_feedback", {"feedback_id": item["id"], "status": "in_progress"}
        )
        assert changed["status"] == "in_progress"
        await fails(client, "loop_update_feedback", {"feedback_id": item["id"]}, 400, "no_valid_fields")

        comment = await ok(
            client,
            "loop_add_discussion_comment",
            {"on": "feedback", "id": item["id"], "body": "On it", "internal": True},
        )
        assert comment["is_internal"] is True
        thread = await ok(client, "loop_list_discussion", {"on": "feedback", "id": item["id"]})
        assert [c["body"] for c in thread["comments"]] == ["On it"]

        card = await ok(client, "loop_create_card", {"list_id": first_list["id"], "title": "Write docs"})
        assert card["list_id"] == first_list["id"]
        moved = await ok(
            client, "loop_move_card", {"card_id": card["id"], "list_id": second_list["id"], "position": 0}
        )
        assert (moved["list_id"], moved["position"]) == (second_list["id"], 0)
        cards = await ok(client, "loop_list_cards", {"list_id": second_list["id"]})
        assert [c["id"] for c in cards["cards"]] == [card["id"]]
        await ok(client, "loop_add_discussion_comment", {"on": "card", "id": card["id"], "body": "Started"})
        assert (await ok(client, "loop_list_discussion", {"on": "card", "id": card["id"]}))["total"] == 1

        ticket = await ok(
            client, "loop_generate_ticket", {"source_type": "feedback", "source_id": item["id"]}
        )
        assert ticket["title"]
        tickets = await ok(client, "loop_list_tickets", {"project_id": site["id"]})
        assert [t["id"] for t in tickets["tickets"]] == [ticket["id"]]
        full = await ok(client, "loop_get_ticket", {"ticket_id": ticket["id"]})
        assert (full["source_type"], full["source_id"]) == ("feedback", item["id"])
        await fails(client, "loop_get_ticket", {"ticket_id": "missing"}, 404, "not_found")

    async with mcp_client(live.url, bearer(live.tokens.other)) as theirs:
        await fails(theirs, "loop_get_feedback", {"feedback_id": item["id"]}, 404, "not_found")
        await fails(theirs, "loop_move_card", {"card_id": card["id"], "position": 0}, 404, "not_found")


async def test_track_and_invoice_tools(live):
    with live.rest(live.tokens.owner) as rest:
        client_row = rest.post(
            "/v1/invoices/clients",
            json={"name": "Client A", "address": {"line1": "1 Road", "postalCode": "1000"}},
        ).json()
        client_id = (client_row.get("client") or client_row.get("data") or client_row)["id"]
        invoice = rest.post(
            "/v1/invoices",
            json={
                "clientId": client_id,
                "lineItems": [{"description": "Work", "quantity": "2", "rate": "50"}],
            },
        ).json()["invoice"]
    async with mcp_client(live.url, bearer(live.tokens.owner)) as client:
        issue = await ok(client, "loop_create_issue", {"title": "Timed"})
        logged = await ok(
            client,
            "loop_log_time",
            {
                "taskName": "Fix",
                "durationSeconds": 5400,
                "date": "2026-11-20",
                "issueId": issue["id"],
                "tags": ["agent"],
            },
        )
        entry = logged
        assert (entry["durationSeconds"], entry["issueId"], entry["date"][:10]) == (
            5400,
            issue["id"],
            "2026-11-20",
        )
        week = await ok(client, "loop_list_time", {"date": "2026-11-22", "frequency": "week"})
        assert [e["id"] for e in week["entries"]] == [entry["id"]]
        result = await client.call_tool("loop_log_time", {"taskName": "x", "durationSeconds": 0})
        assert result.is_error

        invoices = await ok(client, "loop_list_invoices")
        assert [i["id"] for i in invoices["invoices"]] == [invoice["id"]]
        assert (await ok(client, "loop_list_invoices", {"status": "PAID"}))["invoices"] == []
        got = await ok(client, "loop_get_invoice", {"invoiceId": invoice["id"]})
        assert got["id"] == invoice["id"] and len(got["lineItems"]) == 1
        await fails(client, "loop_get_invoice", {"invoiceId": "missing"}, 404, "not_found")
    async with mcp_client(live.url, bearer(live.tokens.other)) as theirs:
        await fails(theirs, "loop_get_invoice", {"invoiceId": invoice["id"]}, 404, "not_found")


# -- dispatch ------------------------------------------------------------------------------------------------
def _project(live, name: str) -> str:
    with live.rest(live.tokens.owner) as rest:
        return rest.post("/api/projects", json={"name": name}).json()["data"]["id"]


async def test_dispatch_tools(live):
    project_id = _project(live, "Dispatch")
    async with mcp_client(live.url, bearer(live.tokens.owner)) as client:
        empty = await client.call_tool("loop_get_next_task", {"projectId": project_id})
        assert not empty.is_error
        assert empty.content[0].text == "No tasks available. The dispatch queue is empty."

        issue = await ok(
            client, "loop_create_issue", {"title": "Ready work", "projectId": project_id, "priority": 1}
        )
        await ok(client, "loop_update_issue", {"issueId": issue["id"], "status": "todo"})
        claimed = await ok(client, "loop_get_next_task", {"projectId": project_id})
        assert claimed["issue"]["id"] == issue["id"] and claimed["issue"]["status"] == "in_progress"
        assert isinstance(claimed["prompt"], str) and "Ready work" in claimed["prompt"]
        assert claimed["meta"]["versionId"] and claimed["session"]["status"] == "active"

        beat = await ok(client, "loop_heartbeat", {"issueId": issue["id"]})
        assert beat["leaseExpiresAt"] >= claimed["session"]["leaseExpiresAt"]
        released = await ok(client, "loop_release_task", {"issueId": issue["id"], "reason": "needs a human"})
        assert (released["status"], released["reason"]) == ("released", "needs a human")
        assert (await ok(client, "loop_get_issue", {"issueId": issue["id"]}))["status"] == "todo"

        again = await ok(client, "loop_get_next_task", {"projectId": project_id})
        assert again["issue"]["id"] == issue["id"]
        await ok(client, "loop_complete_task", {"issueId": issue["id"], "outcome": "done"})
        review = await ok(
            client,
            "loop_submit_review",
            {"versionId": again["meta"]["versionId"], "issueId": issue["id"], "clarity": 4, "completeness": 5,
             "relevance": 3, "feedback": "Fine"},
        )  # fmt: skip
        assert (review["clarity"], review["authorType"]) == (4, "agent")
        bad = await client.call_tool(
            "loop_submit_review",
            {
                "versionId": again["meta"]["versionId"],
                "issueId": issue["id"],
                "clarity": 9,
                "completeness": 1,
                "relevance": 1,
            },
        )
        assert bad.is_error
        await fails(
            client,
            "loop_submit_review",
            {"versionId": "nope", "issueId": issue["id"], "clarity": 1, "completeness": 1, "relevance": 1},
            404,
            "not_found",
        )

    async with mcp_client(live.url, bearer(live.tokens.reader)) as reader:
        await fails(reader, "loop_get_next_task", {"projectId": project_id}, 403, "insufficient_scope")
        stats = await ok(reader, "loop_get_dashboard")
        with live.rest(live.tokens.reader) as rest:
            assert stats == rest.get("/api/dashboard/stats").json()["data"]
        assert stats["issues"]["total"] >= 1
    async with mcp_client(live.url, bearer(live.tokens.other)) as theirs:
        await fails(theirs, "loop_heartbeat", {"issueId": issue["id"]}, 404, "not_found")
        assert (await theirs.call_tool("loop_get_next_task", {})).content[0].text.startswith("No tasks")


# -- the agent loop through MCP leaves what REST leaves -----------------------------------------------------
def _state(rest, issue_id: str) -> dict:
    detail = rest.get(f"/api/issues/{issue_id}").json()["data"]
    comments = rest.get(f"/api/issues/{issue_id}/comments").json()["data"]
    return {
        "status": detail["status"],
        "type": detail["type"],
        "priority": detail["priority"],
        "completed": detail["completedAt"] is not None,
        "commentCount": detail["commentCount"],
        "relations": sorted((r["type"], r["direction"]) for r in detail["relations"]),
        "comments": [(c["body"], c["authorName"], c["authorType"]) for c in comments],
    }


REVIEW = {"clarity": 4, "completeness": 3, "relevance": 5, "feedback": "Needed the repo layout"}


async def test_agent_loop_matches_rest(live):
    """claim → comment → complete → review, through MCP and through REST, in two projects."""
    by_mcp, by_rest = _project(live, "Loop via MCP"), _project(live, "Loop via REST")
    async with mcp_client(live.url, bearer(live.tokens.owner)) as client:
        task = await ok(
            client, "loop_create_issue", {"title": "Loop task", "priority": 2, "projectId": by_mcp}
        )
        follow = await ok(client, "loop_create_issue", {"title": "Loop follow-up", "projectId": by_mcp})
        await ok(
            client,
            "loop_add_relation",
            {"issueId": follow["id"], "type": "blocked_by", "relatedIssueId": task["id"]},
        )
        await ok(client, "loop_update_issue", {"issueId": task["id"], "status": "todo"})
        claimed = await ok(client, "loop_get_next_task", {"projectId": by_mcp})
        assert claimed["issue"]["id"] == task["id"]
        await ok(client, "loop_create_comment", {"issueId": task["id"], "body": "Progress"})
        done = await ok(client, "loop_complete_task", {"issueId": task["id"], "outcome": "Shipped"})
        mcp_review = await ok(
            client,
            "loop_submit_review",
            {"versionId": claimed["meta"]["versionId"], "issueId": task["id"], **REVIEW},
        )
    assert [i["id"] for i in done["unblockedIssues"]] == [follow["id"]]

    with live.rest(live.tokens.owner) as rest:
        r_task = rest.post(
            "/api/issues", json={"title": "Loop task", "type": "task", "priority": 2, "projectId": by_rest}
        ).json()["data"]
        r_follow = rest.post(
            "/api/issues", json={"title": "Loop follow-up", "type": "task", "projectId": by_rest}
        ).json()["data"]
        rest.post(
            f"/api/issues/{r_follow['id']}/relations",
            json={"type": "blocked_by", "relatedIssueId": r_task["id"]},
        )
        rest.patch(f"/api/issues/{r_task['id']}", json={"status": "todo"})
        r_claimed = rest.get("/api/dispatch/next", params={"projectId": by_rest}).json()
        assert r_claimed["issue"]["id"] == r_task["id"]
        agent = {"authorName": "agent", "authorType": "agent"}
        rest.post(f"/api/issues/{r_task['id']}/comments", json={"body": "Progress", **agent})
        rest.patch(f"/api/issues/{r_task['id']}", json={"status": "done"})
        rest.post(f"/api/issues/{r_task['id']}/comments", json={"body": "Shipped", **agent})
        rest_review = rest.post(
            "/api/prompt-reviews",
            json={"versionId": r_claimed["meta"]["versionId"], "issueId": r_task["id"], **REVIEW},
        ).json()["data"]

        assert _state(rest, task["id"]) == _state(rest, r_task["id"])
        assert _state(rest, follow["id"]) == _state(rest, r_follow["id"])
        assert _state(rest, task["id"])["status"] == "done"
        # the same prompt (but for the issue's own number and id), and the same review
        assert claimed["meta"]["versionId"] == r_claimed["meta"]["versionId"]
        drop = ("id", "issueId", "createdAt")
        assert {k: v for k, v in mcp_review.items() if k not in drop} == {
            k: v for k, v in rest_review.items() if k not in drop
        }
