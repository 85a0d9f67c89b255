"""Issues: the rules every caller shares (the engine API, and later signals, MCP tools and the developer-API
bridge). Services never commit: the caller's unit of work does.

- ``number`` is a per-organisation sequence.
- Hierarchy is one level deep: a child's parent has no parent, an issue with children has no parent, no
  issue is its own parent (so there are no cycles). Checked on create and on every parent change.
- ``todo_since`` is when the issue last entered ``todo`` (null elsewhere); ``completed_at`` is set when the
  issue reaches done or canceled and cleared when it is reopened.
- Deleting an issue is a soft delete; its children become top-level issues and its relations are removed,
  so a deleted blocker never blocks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.core.errors import BadRequest, NotFound, Unprocessable
from loop.core.ids import new_id
from loop.db.counters import next_value
from loop.dispatch import keys as dispatch_keys
from loop.issues import events
from loop.issues.models import CLOSED_STATUSES, ISSUE_STATUSES, ISSUE_TYPES, Issue
from loop.issues.repository import (
    API_KEYS,
    IssueRepository,
    ListShape,
    RelationRepository,
    like_pattern,
    lock_issue_graph,
)
from loop.issues.schemas import issue_to_api, summary_to_api
from loop.labels import service as labels
from loop.projects.repository import ProjectRepository

ISSUE_NOT_FOUND = "Issue not found"
PARENT_NOT_FOUND = "Parent issue not found"
PARENT_HAS_PARENT = "Cannot create a child of an issue that already has a parent (1-level hierarchy limit)"
OWN_PARENT = "An issue cannot be its own parent"
HAS_CHILDREN = "An issue that has children cannot become a child (1-level hierarchy limit)"
PROJECT_NOT_FOUND = "Project not found"

UPDATABLE = frozenset(
    {
        "title", "description", "type", "status", "priority", "parent_id", "project_id", "signal_source",
        "signal_payload", "hypothesis", "agent_summary", "agent_session_id", "commits", "pull_requests",
        "label_ids",
    }
)  # fmt: skip
NOT_NULL = frozenset({"title", "type", "status", "priority", "label_ids"})
SORTS = ("created", "updated", "priority")


# -- listing ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IssueFilters:
    statuses: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    project_id: str | None = None
    label_id: str | None = None
    parent_id: str | None = None
    no_parent: bool = False
    priority: int | None = None
    q: str | None = None
    sort: str = "created"
    include_deleted: bool = False


def _choices(raw: str | None, field: str, allowed: Sequence[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    values = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    for value in values:
        if value not in allowed:
            raise BadRequest(
                f"Invalid '{field}': unknown value '{value}' (allowed: {', '.join(allowed)})",
                code="validation_error",
                allowed=list(allowed),
            )
    return values


def parse_filters(
    *,
    status: str | None = None,
    type: str | None = None,
    project_id: str | None = None,
    label_id: str | None = None,
    parent_id: str | None = None,
    no_parent: bool = False,
    priority: int | None = None,
    q: str | None = None,
    sort: str | None = None,
    include_deleted: bool = False,
) -> IssueFilters:
    """Check list parameters: comma lists against their enums, a known sort, no contradiction."""
    if parent_id is not None and no_parent:
        raise BadRequest(
            "Invalid 'noParent': give parentId or noParent=true, not both", code="validation_error"
        )
    sort = (sort or "created").strip()
    if sort.lstrip("-") not in SORTS:
        raise BadRequest(
            f"Invalid 'sort': unknown value '{sort}' (allowed: {', '.join(SORTS)}, each with an optional '-' "
            "for descending order)",
            code="validation_error",
            allowed=list(SORTS),
        )
    return IssueFilters(
        statuses=_choices(status, "status", ISSUE_STATUSES),
        types=_choices(type, "type", ISSUE_TYPES),
        project_id=project_id,
        label_id=label_id,
        parent_id=parent_id,
        no_parent=no_parent,
        priority=priority,
        q=q.strip() if q and q.strip() else None,
        sort=sort,
        include_deleted=include_deleted,
    )


def _shape(filters: IssueFilters) -> tuple[ListShape, dict[str, Any]]:
    params: dict[str, Any] = {}
    if filters.statuses:
        params["statuses"] = list(filters.statuses)
    if filters.types:
        params["types"] = list(filters.types)
    if filters.project_id is not None:
        params["project_id"] = filters.project_id
    if filters.label_id is not None:
        params["label_id"] = filters.label_id
    if filters.parent_id is not None:
        params["parent_id"] = filters.parent_id
    if filters.priority is not None:
        params["priority"] = filters.priority
    if filters.q:
        params["pattern"] = like_pattern(filters.q)
    shape = ListShape(
        statuses=bool(filters.statuses),
        types=bool(filters.types),
        project=filters.project_id is not None,
        label=filters.label_id is not None,
        parent=filters.parent_id is not None,
        no_parent=filters.no_parent,
        priority=filters.priority is not None,
        text=bool(filters.q),
        include_deleted=filters.include_deleted,
        sort=filters.sort,
    )
    return shape, params


async def list_issues(
    session: AsyncSession, org_id: str, filters: IssueFilters, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    shape, params = _shape(filters)
    rows, total = await IssueRepository(session, org_id).page_rows(
        shape, {**params, "limit": limit, "offset": offset}
    )
    return [dict(zip(API_KEYS, row, strict=False)) for row in rows], total


# -- reading one --------------------------------------------------------------------------------------------
async def get_issue(session: AsyncSession, org_id: str, issue_id: str) -> Issue:
    issue = await IssueRepository(session, org_id).get_live(issue_id)
    if issue is None:
        raise NotFound(ISSUE_NOT_FOUND)
    return issue


async def issue_detail(session: AsyncSession, org_id: str, issue_id: str) -> dict[str, Any]:
    """The issue with its parent, children, labels, relations in both directions and its comment count."""
    repo = IssueRepository(session, org_id)
    family = await repo.with_family(issue_id)
    row = next((r for r in family if r.id == issue_id), None)
    if row is None:
        raise NotFound(ISSUE_NOT_FOUND)
    issue_labels = (await repo.labels_by_issue([row.id]))[row.id]
    relations = await RelationRepository(session, org_id).for_issue(row.id)
    detail = issue_to_api(row)
    detail["parent"] = next((issue_to_api(r) for r in family if r.id == row.parent_id), None)
    detail["children"] = [issue_to_api(r) for r in family if r.parent_id == row.id]
    detail["labels"] = [labels.to_api(label) for label in issue_labels]
    detail["relations"] = [relation_view(row.id, rel) for rel in relations]
    detail["commentCount"] = row.comment_count
    return detail


def relation_view(issue_id: str, rel: Any) -> dict[str, Any]:
    """A stored relation as seen from ``issue_id``: ``issueId`` is always that issue; a ``blocks`` fact
    reads ``blocked_by`` from the blocked side."""
    outgoing = rel.direction == "outgoing"
    other_id = rel.related_issue_id if outgoing else rel.issue_id
    type_ = rel.type if outgoing or rel.type != "blocks" else "blocked_by"
    return {
        "id": rel.id,
        "type": type_,
        "issueId": issue_id,
        "relatedIssueId": other_id,
        "createdAt": rel.created_at,
        "direction": rel.direction,
        "issue": summary_to_api(other_id, rel.other_number, rel.other_title, rel.other_status),
    }


# -- writing ------------------------------------------------------------------------------------------------
def _check_choice(value: Any, field: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise BadRequest(f"Invalid '{field}' (allowed: {', '.join(allowed)})", code="validation_error")


def _check_title(value: Any) -> None:
    if not isinstance(value, str) or not 1 <= len(value) <= 500:
        raise BadRequest("Invalid 'title': 1 to 500 characters", code="validation_error")


def _check_priority(value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 4:
        raise BadRequest("Invalid 'priority': an integer from 0 to 4", code="validation_error")


async def _check_parent(repo: IssueRepository, issue_id: str | None, parent_id: str) -> None:
    if issue_id is not None and parent_id == issue_id:
        raise Unprocessable(OWN_PARENT, code="hierarchy_violation")
    parent = await repo.get_live(parent_id)
    if parent is None:
        raise Unprocessable(PARENT_NOT_FOUND, code="parent_not_found")
    if parent.parent_id is not None:
        raise Unprocessable(PARENT_HAS_PARENT, code="hierarchy_violation")
    if issue_id is not None and await repo.has_live_children(issue_id):
        raise Unprocessable(HAS_CHILDREN, code="hierarchy_violation")


async def _check_project(session: AsyncSession, org_id: str, project_id: str) -> None:
    if not await ProjectRepository(session, org_id).exists(project_id):
        raise Unprocessable(PROJECT_NOT_FOUND, code="project_not_found")


def _enter_status(issue: Issue, status: str, now: datetime) -> None:
    previous = issue.status
    issue.status = status
    if status == "todo":
        if previous != "todo" or issue.todo_since is None:
            issue.todo_since = now
    else:
        issue.todo_since = None
    if status in CLOSED_STATUSES:
        if issue.completed_at is None:
            issue.completed_at = now
    else:
        issue.completed_at = None


async def create_issue(
    session: AsyncSession,
    org_id: str,
    *,
    title: str,
    type: str,
    description: str | None = None,
    status: str = "triage",
    priority: int = 0,
    parent_id: str | None = None,
    project_id: str | None = None,
    signal_source: str | None = None,
    signal_payload: dict[str, Any] | None = None,
    hypothesis: dict[str, Any] | None = None,
    label_ids: Sequence[str] | None = None,
    agent_summary: str | None = None,
    agent_session_id: str | None = None,
    commits: list[dict[str, Any]] | None = None,
    pull_requests: list[dict[str, Any]] | None = None,
    occurrences: int | None = None,
    last_seen_at: datetime | None = None,
    issue_id: str | None = None,
) -> Issue:
    """Create an issue with its labels, atomically: every reference is checked before anything is written."""
    _check_title(title)
    _check_choice(type, "type", ISSUE_TYPES)
    _check_choice(status, "status", ISSUE_STATUSES)
    _check_priority(priority)
    repo = IssueRepository(session, org_id)
    if parent_id is not None:
        await lock_issue_graph(session, org_id)
        await _check_parent(repo, None, parent_id)
    if project_id is not None:
        await _check_project(session, org_id, project_id)
    wanted_labels = await labels.resolve_label_ids(session, org_id, label_ids or [])
    now = utcnow()
    issue = Issue(
        id=issue_id or new_id(),
        number=await next_value(session, org_id, "issue_number"),
        title=title,
        description=description,
        type=type,
        status="triage",
        priority=priority,
        parent_id=parent_id,
        project_id=project_id,
        signal_source=signal_source,
        signal_payload=signal_payload,
        hypothesis=hypothesis,
        agent_summary=agent_summary,
        agent_session_id=agent_session_id,
        commits=commits,
        pull_requests=pull_requests,
        occurrences=occurrences,
        last_seen_at=last_seen_at,
        created_at=now,
        updated_at=now,
    )
    _enter_status(issue, status, now)
    await dispatch_keys.refresh_issue(session, org_id, issue)
    repo.add(issue)
    await session.flush()
    if wanted_labels:
        await repo.add_labels(issue.id, wanted_labels)
    return issue


async def update_issue(
    session: AsyncSession, org_id: str, issue_id: str, changes: Mapping[str, Any]
) -> Issue:
    """Apply a partial update (snake_case field → value; only the fields present change)."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    for field in NOT_NULL & set(changes):
        if changes[field] is None:
            raise BadRequest(f"Invalid '{field}': must not be null", code="validation_error")
    repo = IssueRepository(session, org_id)
    issue = await repo.get_live(issue_id)
    if issue is None:
        raise NotFound(ISSUE_NOT_FOUND)
    if "title" in changes:
        _check_title(changes["title"])
    if "type" in changes:
        _check_choice(changes["type"], "type", ISSUE_TYPES)
    if "status" in changes:
        _check_choice(changes["status"], "status", ISSUE_STATUSES)
    if "priority" in changes:
        _check_priority(changes["priority"])
    new_parent = changes.get("parent_id", issue.parent_id)
    if new_parent is not None and new_parent != issue.parent_id:
        await lock_issue_graph(session, org_id)
        await _check_parent(repo, issue.id, new_parent)
    new_project = changes.get("project_id", issue.project_id)
    if new_project is not None and new_project != issue.project_id:
        await _check_project(session, org_id, new_project)
    if "label_ids" in changes:
        wanted = await labels.resolve_label_ids(session, org_id, changes["label_ids"])
        current = await repo.label_ids_of(issue.id)
        await repo.remove_labels(issue.id, current - set(wanted))
        await repo.add_labels(issue.id, [label_id for label_id in wanted if label_id not in current])
    now = utcnow()
    previous_status = issue.status
    for field, value in changes.items():
        if field in ("status", "label_ids"):
            continue
        setattr(issue, field, value)
    if "status" in changes and changes["status"] != issue.status:
        _enter_status(issue, changes["status"], now)
    await dispatch_keys.refresh_issue(session, org_id, issue)
    issue.updated_at = now
    await session.flush()
    await events.status_changed(session, org_id, issue, previous_status)  # no-op when unchanged
    return issue


async def delete_issue(session: AsyncSession, org_id: str, issue_id: str) -> None:
    repo = IssueRepository(session, org_id)
    issue = await repo.get_live(issue_id)
    if issue is None:
        raise NotFound(ISSUE_NOT_FOUND)
    await lock_issue_graph(session, org_id)
    now = utcnow()
    issue.deleted_at = now
    issue.updated_at = now
    issue.sort_key = None
    freed = await dispatch_keys.blocked_ids(session, org_id, issue.id)
    await repo.detach_children(issue.id)
    await RelationRepository(session, org_id).delete_touching(issue.id)
    await session.flush()
    await dispatch_keys.refresh_blocked(session, org_id, freed)
    await events.deleted(session, org_id, issue)


# -- labels on an issue ---------------------------------------------------------------------------------------
async def add_labels(
    session: AsyncSession, org_id: str, issue_id: str, label_ids: Sequence[str]
) -> list[dict[str, Any]]:
    """Attach labels (those already attached stay); returns the issue's labels."""
    repo = IssueRepository(session, org_id)
    issue = await get_issue(session, org_id, issue_id)
    wanted = await labels.resolve_label_ids(session, org_id, label_ids)
    current = await repo.label_ids_of(issue.id)
    new = [label_id for label_id in wanted if label_id not in current]
    if new:
        await repo.add_labels(issue.id, new)
        issue.updated_at = utcnow()
        await session.flush()
    return [labels.to_api(label) for label in (await repo.labels_by_issue([issue.id]))[issue.id]]


async def remove_label(session: AsyncSession, org_id: str, issue_id: str, label_id: str) -> None:
    """Detach a label; detaching one that is not attached changes nothing."""
    repo = IssueRepository(session, org_id)
    issue = await get_issue(session, org_id, issue_id)
    await labels.get_label(session, org_id, label_id)
    if label_id in await repo.label_ids_of(issue.id):
        await repo.remove_labels(issue.id, [label_id])
        issue.updated_at = utcnow()
        await session.flush()
