from __future__ import annotations

import json
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from loop.prompts.context import build_context
from loop.prompts.defaults import DEFAULT_TEMPLATES, DEFAULT_TEMPLATES_BY_SLUG, PARTIALS
from loop.prompts.engine import get_engine
from loop.prompts.selection import ISSUE_TYPES, parse_conditions

ROOT = Path(__file__).resolve().parents[2]
TOKEN_PATTERN = re.compile(r"(tok_|loop_|looped_live_|looped_test_)[0-9a-f]{64}")
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def full_context(issue_type: str) -> dict[str, Any]:
    issue = {
        "id": "iss_42",
        "number": 42,
        "title": "Checkout times out",
        "description": "Carts over 50 items time out.",
        "type": issue_type,
        "status": "in_progress",
        "priority": 2,
        "parent_id": "iss_40",
        "project_id": "prj_1",
        "signal_source": "sentry",
        "signal_payload": {"message": "Timeout", "count": 17},
        "hypothesis": {
            "statement": "Prices are fetched one by one",
            "confidence": 0.7,
            "evidence": ["17 timeouts"],
            "validationCriteria": "p95 under 2 s",
            "prediction": "fewer 504s",
        },
        "created_at": NOW,
    }
    return build_context(
        issue,
        loop={
            "loopUrl": "https://loop.example.com",
            "templateId": "tpl_1",
            "templateSlug": "x",
            "versionId": "ver_9",
            "versionNumber": 2,
            "leaseSeconds": 900,
        },
        parent={
            "id": "iss_40",
            "number": 40,
            "title": "Signal",
            "type": "signal",
            "status": "done",
            "description": "From Sentry",
            "hypothesis": {"statement": "s", "confidence": 0.4},
        },
        siblings=[{"id": "iss_43", "number": 43, "title": "Batch prices", "type": "task", "status": "todo"}],
        children=[{"id": "iss_50", "number": 50, "title": "Child", "type": "task", "status": "todo"}],
        project={
            "id": "prj_1",
            "name": "Shop",
            "status": "active",
            "health": "at_risk",
            "description": "Web shop",
        },
        goal={
            "id": "g_1",
            "title": "Fast checkout",
            "metric": "p95 ms",
            "target_value": 2000,
            "current_value": 0,
            "unit": "ms",
            "status": "active",
        },
        labels=[{"id": "l1", "name": "perf", "color": "#f00"}],
        blocking=[{"id": "iss_44", "number": 44, "title": "Later", "type": "task", "status": "todo"}],
        blocked_by=[{"id": "iss_41", "number": 41, "title": "Tracing", "type": "task", "status": "done"}],
        previous_sessions=[{"status": "todo", "outcome": "expired", "ended_at": NOW}],
    )


def minimal_context(issue_type: str) -> dict[str, Any]:
    return build_context(
        {"id": "iss_1", "number": 1, "title": "T", "type": issue_type, "status": "in_progress"},
        loop={"loopUrl": "http://localhost:5667"},
    )


def test_five_templates_one_per_issue_type() -> None:
    assert [t.slug for t in DEFAULT_TEMPLATES] == [
        "signal-triage",
        "hypothesis-planning",
        "task-execution",
        "plan-decomposition",
        "monitor-check",
    ]
    assert sorted(t.conditions["type"] for t in DEFAULT_TEMPLATES) == sorted(ISSUE_TYPES)
    for template in DEFAULT_TEMPLATES:
        assert template.specificity == 10
        assert parse_conditions(template.conditions) == template.conditions
        assert template.name and template.description
    assert DEFAULT_TEMPLATES_BY_SLUG["task-execution"].conditions == {"type": "task"}


def test_the_reference_partial_names_exist() -> None:
    for name in (
        "api_reference",
        "review_instructions",
        "parent_context",
        "sibling_context",
        "project_and_goal_context",
    ):
        assert name in PARTIALS


@pytest.mark.parametrize("template", DEFAULT_TEMPLATES, ids=lambda t: t.slug)
@pytest.mark.parametrize("build", [full_context, minimal_context], ids=["full", "minimal"])
def test_default_templates_render(template: Any, build: Any) -> None:
    context = build(template.conditions["type"])
    prompt = get_engine().compile(template.content).render(context)
    issue = context["issue"]
    assert prompt.startswith("# ")
    assert issue["title"] in prompt.splitlines()[0]
    assert "{{" not in prompt
    assert "\n\n\n" not in prompt
    assert "undefined" not in prompt and "None" not in prompt and "[object Object]" not in prompt
    # No credential, only the agent's own token from its environment.
    assert not TOKEN_PATTERN.search(prompt)
    assert "Authorization: Bearer $LOOP_TOKEN" in prompt
    base = context["loopUrl"]
    assert f'-X PATCH "{base}/api/issues/{issue["id"]}"' in prompt
    assert f'"{base}/api/issues/{issue["id"]}/comments"' in prompt
    assert f'-X POST "{base}/api/dispatch/{issue["id"]}/heartbeat"' in prompt
    assert f'-X POST "{base}/api/dispatch/{issue["id"]}/release"' in prompt
    bodies = [json.loads(body) for body in re.findall(r"-d '(.*?)'", prompt, flags=re.S)]
    review = next(body for body in bodies if "clarity" in body)
    assert review["authorType"] == "agent"
    assert review["issueId"] == issue["id"]
    assert review["versionId"] == (context["meta"]["versionId"] or "")
    assert {"completeness", "relevance", "feedback"} <= set(review)
    done = [body for body in bodies if body.get("status") == "done"]
    assert done and all("agentSummary" in body for body in done)
    comment = next(body for body in bodies if "authorName" in body)
    assert comment["authorType"] == "agent"
    created = [body for body in bodies if body.get("type") in ISSUE_TYPES]
    assert created and all(body["status"] == "todo" for body in created)
    assert all(body["parentId"] == (issue["parentId"] or issue["id"]) for body in created)
    relation = next(body for body in bodies if body.get("type") == "blocks")
    assert set(relation) == {"type", "relatedIssueId"}


def test_full_context_sections_appear() -> None:
    prompt = (
        get_engine().compile(DEFAULT_TEMPLATES_BY_SLUG["task-execution"].content).render(full_context("task"))
    )
    for text in (
        "## Parent issue",
        "#40 [signal, done] Signal",
        "## Other issues under the same parent",
        "#43 [task, todo] Batch prices",
        "## Builds on",
        "#41 [task, done] Tracing",
        "## Waiting for this issue",
        "## Project: Shop",
        "## Goal: Fast checkout",
        "Current value: 0 ms; target: 2000 ms; progress 0%",
        "## Previous attempts",
        "expired (2026-05-04T12:00:00.000Z)",
        "**Labels:** perf",
        "priority high",
        "for 900 seconds",
        '"projectId": "prj_1"',
    ):
        assert text in prompt


def test_signal_and_hypothesis_specifics() -> None:
    engine = get_engine()
    triage = engine.compile(DEFAULT_TEMPLATES_BY_SLUG["signal-triage"].content).render(full_context("signal"))
    assert '"count": 17' in triage and "Source: sentry" in triage
    hypothesis = next(
        json.loads(b) for b in re.findall(r"-d '(.*?)'", triage, flags=re.S) if "hypothesis" in b
    )
    assert set(hypothesis["hypothesis"]) == {
        "statement",
        "confidence",
        "evidence",
        "validationCriteria",
        "prediction",
    }
    planning = engine.compile(DEFAULT_TEMPLATES_BY_SLUG["hypothesis-planning"].content).render(
        full_context("hypothesis")
    )
    assert "- Statement: Prices are fetched one by one" in planning and "  - 17 timeouts" in planning
    monitor = engine.compile(DEFAULT_TEMPLATES_BY_SLUG["monitor-check"].content).render(
        full_context("monitor")
    )
    assert "/api/signals" in monitor and "/api/goals/g_1" in monitor


def test_template_files_are_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["loop"]
    package = ROOT / "src" / "loop"
    shipped = {path for pattern in patterns for path in package.glob(pattern)}
    files = set((package / "prompts" / "defaults").rglob("*.hbs"))
    assert len(files) == len(DEFAULT_TEMPLATES) + len(PARTIALS)
    assert files <= shipped, sorted(str(f) for f in files - shipped)


def test_the_example_in_the_docs_compiles_and_renders() -> None:
    docs = (ROOT / "docs" / "prompts.md").read_text()
    example = re.search(r"````handlebars\n(.*?)````", docs, flags=re.S)
    assert example
    prompt = get_engine().compile(example.group(1)).render(full_context("task"))
    assert prompt.startswith("# Bug: Checkout times out")
    assert '"count": 17' in prompt and "$LOOP_TOKEN" in prompt


def test_the_docs_list_every_helper_and_partial() -> None:
    docs = (ROOT / "docs" / "prompts.md").read_text()
    for name in get_engine().helper_names:
        assert f"{{{{{name} " in docs or f"{{{{{name}}}}}" in docs or f"{{{{{name} …}}}}" in docs, name
    for name in PARTIALS:
        assert f"| `{name}` |" in docs, name
