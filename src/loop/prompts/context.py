"""The context a prompt template sees: built from plain dicts, with a fixed, documented shape.

``build_context`` takes the rows the dispatch and preview code loaded (as dicts, camelCase or snake_case keys)
and returns the sanitised dict a template renders against. Each entity is reduced to a known list of fields,
so nothing the template author was not promised (an organisation id, a lease holder, a credential) can reach
a prompt, and every promised field is present (null when unknown). ``docs/prompts.md`` lists the result for
template authors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from loop.prompts.engine import SanitizedContext, sanitize_context

ISSUE_FIELDS = (
    "id",
    "number",
    "title",
    "description",
    "type",
    "status",
    "priority",
    "parentId",
    "projectId",
    "signalSource",
    "signalPayload",
    "hypothesis",
    "agentSessionId",
    "agentSummary",
    "commits",
    "pullRequests",
    "completedAt",
    "createdAt",
    "updatedAt",
)
PROJECT_FIELDS = ("id", "name", "description", "status", "health", "createdAt", "updatedAt")
GOAL_FIELDS = (
    "id",
    "title",
    "description",
    "metric",
    "targetValue",
    "currentValue",
    "unit",
    "progress",
    "status",
    "projectId",
    "createdAt",
    "updatedAt",
)
LABEL_FIELDS = ("id", "name", "color")
RELATED_ISSUE_FIELDS = ("id", "number", "title", "type", "status")
SESSION_FIELDS = ("status", "outcome", "reason", "agentSummary", "agentId", "claimedAt", "endedAt")
META_FIELDS = ("templateId", "templateSlug", "versionId", "versionNumber", "leaseSeconds")
CONTEXT_KEYS = (
    "issue",
    "parent",
    "siblings",
    "children",
    "project",
    "goal",
    "labels",
    "blocking",
    "blockedBy",
    "previousSessions",
    "loopUrl",
    "meta",
)


def camel(key: str) -> str:
    """``agent_summary`` → ``agentSummary``; keys already in camelCase are left alone."""
    if "_" not in key:
        return key
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _project(row: Mapping[str, Any] | None, fields: tuple[str, ...]) -> dict[str, Any] | None:
    if row is None:
        return None
    by_name = {camel(str(key)): value for key, value in row.items()}
    return {field: by_name.get(field) for field in fields}


def _many(rows: Iterable[Mapping[str, Any]] | None, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    return [_project(row, fields) for row in rows or ()]  # type: ignore[misc]


def _by_number(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def key(row: dict[str, Any]) -> tuple[bool, Any, str]:
        number = row.get("number")
        numeric = isinstance(number, int) and not isinstance(number, bool)
        return (not numeric, number if numeric else 0, str(row.get("id") or ""))

    return sorted(rows, key=key)


def goal_progress(current: Any, target: Any) -> int | None:
    """Percent of the target reached, 0–100, rounded; null when either value is missing or the target is 0."""
    numbers = [
        value
        for value in (current, target)
        if isinstance(value, (int, float)) and not isinstance(value, bool)
    ]
    if len(numbers) != 2 or target == 0:
        return None
    return max(0, min(100, round(current / target * 100)))


def build_context(
    issue: Mapping[str, Any],
    *,
    loop: Mapping[str, Any],
    parent: Mapping[str, Any] | None = None,
    siblings: Iterable[Mapping[str, Any]] = (),
    children: Iterable[Mapping[str, Any]] = (),
    project: Mapping[str, Any] | None = None,
    goal: Mapping[str, Any] | None = None,
    labels: Iterable[Mapping[str, Any]] = (),
    blocking: Iterable[Mapping[str, Any]] = (),
    blocked_by: Iterable[Mapping[str, Any]] = (),
    previous_sessions: Iterable[Mapping[str, Any]] = (),
) -> SanitizedContext:
    """The hydration context of one issue.

    ``loop`` holds ``loopUrl`` and the template metadata (``templateId``, ``templateSlug``, ``versionId``,
    ``versionNumber``, optionally ``leaseSeconds``). Siblings, children and related issues are ordered by
    number; labels by name; previous sessions stay in the order given (oldest first). The goal gets a
    ``progress`` percentage when it has none.
    """
    meta_in = {camel(str(key)): value for key, value in loop.items()}
    goal_out = _project(goal, GOAL_FIELDS)
    if goal_out is not None and goal_out["progress"] is None:
        goal_out["progress"] = goal_progress(goal_out["currentValue"], goal_out["targetValue"])
    context = {
        "issue": _project(issue, ISSUE_FIELDS),
        "parent": _project(parent, ISSUE_FIELDS),
        "siblings": _by_number(_many(siblings, ISSUE_FIELDS)),
        "children": _by_number(_many(children, ISSUE_FIELDS)),
        "project": _project(project, PROJECT_FIELDS),
        "goal": goal_out,
        "labels": sorted(_many(labels, LABEL_FIELDS), key=lambda label: str(label.get("name") or "")),
        "blocking": _by_number(_many(blocking, RELATED_ISSUE_FIELDS)),
        "blockedBy": _by_number(_many(blocked_by, RELATED_ISSUE_FIELDS)),
        "previousSessions": _many(previous_sessions, SESSION_FIELDS),
        "loopUrl": str(meta_in.get("loopUrl") or "").rstrip("/"),
        "meta": {field: meta_in.get(field) for field in META_FIELDS},
    }
    return sanitize_context(context)
