from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from loop.prompts.context import CONTEXT_KEYS, ISSUE_FIELDS, build_context, camel, goal_progress
from loop.prompts.engine import SanitizedContext

CREATED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def issue(**fields: Any) -> dict[str, Any]:
    row = {
        "id": "iss_1",
        "number": 7,
        "title": "Fix login",
        "type": "task",
        "status": "in_progress",
        "priority": 2,
        "created_at": CREATED,
    }
    row.update(fields)
    return row


LOOP = {
    "loopUrl": "https://loop.example.com/",
    "templateId": "tpl_1",
    "templateSlug": "task-execution",
    "versionId": "ver_1",
    "versionNumber": 3,
}


def test_the_context_has_exactly_the_documented_keys() -> None:
    context = build_context(issue(), loop=LOOP)
    assert isinstance(context, SanitizedContext)
    assert tuple(context) == CONTEXT_KEYS
    assert "loopToken" not in context
    assert context["loopUrl"] == "https://loop.example.com"
    assert context["meta"] == {
        "templateId": "tpl_1",
        "templateSlug": "task-execution",
        "versionId": "ver_1",
        "versionNumber": 3,
        "leaseSeconds": None,
    }
    assert context["parent"] is None and context["project"] is None and context["goal"] is None
    assert context["siblings"] == context["children"] == context["labels"] == []
    assert context["blocking"] == context["blockedBy"] == context["previousSessions"] == []


def test_issue_fields_are_camel_case_complete_and_nothing_else() -> None:
    context = build_context(
        issue(
            agent_summary="done it",
            signal_payload={"snake_key": 1},
            org_id="org_x",
            lease_holder="cred_1",
            token="tok_" + "0" * 64,
            deleted_at=None,
        ),
        loop=LOOP,
    )
    out = context["issue"]
    assert tuple(out) == ISSUE_FIELDS
    assert out["agentSummary"] == "done it"
    assert out["signalPayload"] == {"snake_key": 1}  # payload keys are data: kept as they are
    assert out["createdAt"] == "2026-03-01T09:30:00.000Z"
    assert out["description"] is None


def test_camel_case_keys_are_accepted_too() -> None:
    context = build_context({"id": "a", "parentId": "p", "projectId": "x"}, loop=LOOP)
    assert context["issue"]["parentId"] == "p" and context["issue"]["projectId"] == "x"
    assert camel("signal_source") == "signalSource" and camel("signalSource") == "signalSource"


def test_related_rows_are_ordered_and_reduced() -> None:
    context = build_context(
        issue(parent_id="iss_0"),
        loop=LOOP,
        parent=issue(id="iss_0", number=1, type="signal", hypothesis={"statement": "s", "confidence": 0.5}),
        siblings=[issue(id="b", number=9), issue(id="a", number=8), issue(id="c", number=None)],
        labels=[
            {"id": "l2", "name": "ux", "color": "#1", "org_id": "o"},
            {"id": "l1", "name": "api", "color": "#2"},
        ],
        blocking=[{"id": "x", "number": 12, "title": "B", "status": "todo", "type": "task", "secret": 1}],
        blocked_by=[{"id": "y", "number": 3, "title": "A", "status": "done", "type": "task"}],
        previous_sessions=[
            {
                "status": "todo",
                "outcome": "expired",
                "agent_summary": None,
                "claimed_at": CREATED,
                "lease": "z",
            },
            {"status": "todo", "outcome": "released", "reason": "no access", "agent_summary": "tried"},
        ],
    )
    assert context["parent"]["hypothesis"] == {"statement": "s", "confidence": 0.5}
    assert [s["number"] for s in context["siblings"]] == [8, 9, None]
    assert context["labels"] == [
        {"id": "l1", "name": "api", "color": "#2"},
        {"id": "l2", "name": "ux", "color": "#1"},
    ]
    assert context["blocking"] == [{"id": "x", "number": 12, "title": "B", "type": "task", "status": "todo"}]
    assert context["blockedBy"][0]["number"] == 3
    assert context["previousSessions"][0] == {
        "status": "todo",
        "outcome": "expired",
        "reason": None,
        "agentSummary": None,
        "agentId": None,
        "claimedAt": "2026-03-01T09:30:00.000Z",
        "endedAt": None,
    }
    assert context["previousSessions"][1]["reason"] == "no access"


def test_project_and_goal_with_progress() -> None:
    context = build_context(
        issue(project_id="prj"),
        loop=LOOP,
        project={"id": "prj", "name": "Shop", "status": "active", "health": "on_track", "goal_id": "g"},
        goal={
            "id": "g",
            "title": "Faster",
            "metric": "p95",
            "target_value": 200,
            "current_value": 50,
            "unit": "ms",
            "status": "active",
            "deleted_at": None,
        },
    )
    assert context["project"]["name"] == "Shop" and "goalId" not in context["project"]
    assert context["goal"]["progress"] == 25
    assert context["goal"]["targetValue"] == 200
    given = build_context(
        issue(), loop=LOOP, goal={"id": "g", "progress": 80, "target_value": 10, "current_value": 1}
    )
    assert given["goal"]["progress"] == 80


def test_goal_progress() -> None:
    assert goal_progress(50, 200) == 25
    assert goal_progress(300, 200) == 100
    assert goal_progress(-5, 200) == 0
    assert goal_progress(None, 200) is None
    assert goal_progress(5, 0) is None
    assert goal_progress(True, 2) is None


def test_credentials_in_rows_never_reach_the_context() -> None:
    token = "tok_" + secrets.token_hex(32)
    context = build_context(issue(description=f"my key is {token}"), loop={**LOOP, "loopToken": token})
    assert token not in repr(context)
    assert context["issue"]["description"] == "my key is [redacted]"
