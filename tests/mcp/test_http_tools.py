"""Every MCP tool over streamable HTTP against a real server process, and the agent loop through MCP
against the same loop through REST."""

from __future__ import annotations

import pytest

from tests.mcp.conftest import bearer, fails, mcp_client, ok

pytestmark = pytest.mark.slow


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
