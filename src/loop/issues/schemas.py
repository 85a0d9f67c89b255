"""Request and response shapes of issues, relations and comments (camelCase on the wire), and the dict
builders the endpoints return through the engine surface."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from loop.surfaces.engine import EngineModel

IssueType = Literal["signal", "hypothesis", "plan", "task", "monitor"]
IssueStatus = Literal["triage", "backlog", "todo", "in_progress", "done", "canceled"]
RelationType = Literal["blocks", "blocked_by", "related", "duplicate"]
AuthorType = Literal["human", "agent"]


# -- nested values ----------------------------------------------------------------------------------------
class Hypothesis(EngineModel):
    statement: str
    confidence: float = Field(ge=0, le=1)
    evidence: list[str]
    validation_criteria: str
    prediction: str | None = None


class CommitRef(EngineModel):
    sha: str = Field(min_length=1, max_length=100)
    message: str
    url: str | None = None
    author: str | None = None
    timestamp: str | None = None


class PullRequestRef(EngineModel):
    number: int
    title: str
    url: str | None = None
    state: str | None = None
    merged_at: str | None = None


def dump_json_value(value: Any) -> Any:
    """Nested models are stored as camelCase JSON, without the optional keys that have no value."""
    if isinstance(value, EngineModel):
        return value.model_dump(by_alias=True, exclude_none=True)
    if isinstance(value, list):
        return [dump_json_value(item) for item in value]
    return value


# -- requests ---------------------------------------------------------------------------------------------
class IssueCreate(EngineModel):
    title: str = Field(min_length=1, max_length=500)
    description: str | None = None
    type: IssueType
    status: IssueStatus = "triage"
    priority: int = Field(0, ge=0, le=4, description="0 none, 1 urgent, 2 high, 3 medium, 4 low")
    parent_id: str | None = None
    project_id: str | None = None
    signal_source: str | None = Field(None, max_length=200)
    signal_payload: dict[str, Any] | None = None
    hypothesis: Hypothesis | None = None
    label_ids: list[str] | None = Field(None, max_length=100)
    agent_summary: str | None = None
    agent_session_id: str | None = Field(None, max_length=200)
    commits: list[CommitRef] | None = Field(None, max_length=500)
    pull_requests: list[PullRequestRef] | None = Field(None, max_length=500)


# Fields typed without ``None`` refuse an explicit null (400) while staying optional.
class IssueUpdate(EngineModel):
    title: str = Field(None, min_length=1, max_length=500)  # type: ignore[assignment]
    description: str | None = None
    type: IssueType = None  # type: ignore[assignment]
    status: IssueStatus = None  # type: ignore[assignment]
    priority: int = Field(None, ge=0, le=4)  # type: ignore[assignment]
    parent_id: str | None = None
    project_id: str | None = None
    signal_source: str | None = Field(None, max_length=200)
    signal_payload: dict[str, Any] | None = None
    hypothesis: Hypothesis | None = None
    label_ids: list[str] = Field(None, max_length=100, description="Replaces the issue's labels")  # type: ignore[assignment]
    agent_summary: str | None = None
    agent_session_id: str | None = Field(None, max_length=200)
    commits: list[CommitRef] | None = Field(None, max_length=500)
    pull_requests: list[PullRequestRef] | None = Field(None, max_length=500)

    def changes(self) -> dict[str, Any]:
        return {name: dump_json_value(getattr(self, name)) for name in self.model_fields_set}


class LabelIds(EngineModel):
    label_ids: list[str] = Field(min_length=1, max_length=100)


class RelationCreate(EngineModel):
    type: RelationType
    related_issue_id: str = Field(min_length=1, max_length=36)


class CommentCreate(EngineModel):
    body: str = Field(min_length=1, max_length=65_536)
    author_name: str = Field(min_length=1, max_length=200)
    author_type: AuthorType
    parent_id: str | None = None


class CommentUpdate(EngineModel):
    body: str = Field(min_length=1, max_length=65_536)


# -- responses (documentation; endpoints return the dicts built below) -------------------------------------
class IssueOut(EngineModel):
    id: str
    number: int
    title: str
    description: str | None
    type: IssueType
    status: IssueStatus
    priority: int
    parent_id: str | None
    project_id: str | None
    signal_source: str | None
    signal_payload: dict[str, Any] | None
    occurrences: int | None = Field(description="Signals received by this issue (repeats included)")
    last_seen_at: datetime | None = Field(description="When its last signal arrived")
    hypothesis: dict[str, Any] | None
    agent_session_id: str | None
    agent_summary: str | None
    commits: list[dict[str, Any]] | None
    pull_requests: list[dict[str, Any]] | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class LabelRef(EngineModel):
    id: str
    name: str
    color: str
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class RelationOut(EngineModel):
    id: str
    type: RelationType
    issue_id: str
    related_issue_id: str
    created_at: datetime


class IssueSummary(EngineModel):
    id: str
    number: int
    title: str
    status: IssueStatus


class RelationView(RelationOut):
    direction: Literal["outgoing", "incoming"] = Field(
        description="outgoing: this issue is the relation's subject; incoming: the other issue is"
    )
    issue: IssueSummary = Field(description="The issue on the other side")


class IssueDetail(IssueOut):
    parent: IssueOut | None
    children: list[IssueOut]
    labels: list[LabelRef]
    relations: list[RelationView]
    comment_count: int


class CommentOut(EngineModel):
    id: str
    body: str
    issue_id: str
    author_name: str
    author_type: AuthorType
    parent_id: str | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class CommentThread(CommentOut):
    replies: list[CommentThread]


# -- dict builders ----------------------------------------------------------------------------------------
def issue_to_api(row: Any) -> dict[str, Any]:
    """An issue row (ORM object or Core row: both expose the columns as attributes)."""
    return {
        "id": row.id,
        "number": row.number,
        "title": row.title,
        "description": row.description,
        "type": row.type,
        "status": row.status,
        "priority": row.priority,
        "parentId": row.parent_id,
        "projectId": row.project_id,
        "signalSource": row.signal_source,
        "signalPayload": row.signal_payload,
        "occurrences": row.occurrences,
        "lastSeenAt": row.last_seen_at,
        "hypothesis": row.hypothesis,
        "agentSessionId": row.agent_session_id,
        "agentSummary": row.agent_summary,
        "commits": row.commits,
        "pullRequests": row.pull_requests,
        "completedAt": row.completed_at,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
        "deletedAt": row.deleted_at,
    }


def summary_to_api(issue_id: str, number: int, title: str, status: str) -> dict[str, Any]:
    return {"id": issue_id, "number": number, "title": title, "status": status}
