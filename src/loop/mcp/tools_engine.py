"""Engine tools: the nine the engine's own MCP server has (same names and input schemas), done right, and
the ones an agent needs beside them (relations, projects, goals)."""

# No ``from __future__ import annotations``: the SDK reads these signatures at runtime to build the schemas.

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import ToolAnnotations
from pydantic import Field

from loop.auth.policy import ENGINE
from loop.goals import service as goals
from loop.issues import comments, relations
from loop.issues import service as issues
from loop.issues.repository import IssueRepository
from loop.issues.schemas import summary_to_api
from loop.mcp.runtime import Runtime, loop_tool, to_text
from loop.projects import engine_service as projects
from loop.signals import service as signals

IssueType = Literal["signal", "hypothesis", "plan", "task", "monitor"]
IssueStatus = Literal["triage", "backlog", "todo", "in_progress", "done", "canceled"]
Severity = Literal["low", "medium", "high", "critical"]
RelationType = Literal["blocks", "blocked_by", "related", "duplicate"]

IssueId = Annotated[str, Field(description="The issue's id (from loop_list_issues or loop_get_next_task)")]
ProjectId = Annotated[str | None, Field(description="Only this project (an id from loop_list_projects)")]
Priority = Annotated[int, Field(ge=0, le=4, description="0 none, 1 urgent, 2 high, 3 medium, 4 low")]

READ = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
WRITE = ToolAnnotations(
    read_only_hint=False, idempotent_hint=False, destructive_hint=False, open_world_hint=False
)
IDEMPOTENT_WRITE = ToolAnnotations(
    read_only_hint=False, idempotent_hint=True, destructive_hint=False, open_world_hint=False
)


def brief(issue: Any) -> dict[str, Any]:
    return {
        "id": issue.id,
        "number": issue.number,
        "title": issue.title,
        "type": issue.type,
        "status": issue.status,
        "priority": issue.priority,
    }


def short_comment(comment: Any) -> dict[str, Any]:
    return {
        "id": comment.id,
        "body": comment.body,
        "authorName": comment.author_name,
        "createdAt": comment.created_at,
    }


def register(server: MCPServer, rt: Runtime) -> None:
    tool = loop_tool(server)

    @tool(
        name="loop_complete_task",
        annotations=IDEMPOTENT_WRITE,
        structured_output=False,
        description=(
            "Finish an issue you worked on: sets its status to done and records your outcome as an agent "
            "comment, in one step. Returns the issue, the comment, and the issues that finishing it unblocked "
            "(those it was the last open blocker of), which are good candidates to work on next."
        ),
    )
    async def loop_complete_task(
        issueId: IssueId,
        outcome: Annotated[
            str, Field(min_length=1, description="What you did and the result (markdown); kept as a comment")
        ],
        ctx: Context,
    ) -> str:
        async with rt.unit(ctx, "write:issue", "write:comment", policy=ENGINE, write=True) as (who, session):
            issue = await issues.update_issue(session, who.org_id, issueId, {"status": "done"})
            comment = await comments.create_comment(
                session,
                who.org_id,
                issue.id,
                body=outcome,
                author_name="agent",
                author_type="agent",
                credential_id=who.credential_id,
            )
            freed = await relations.issues_blocked_by(session, who.org_id, issue.id, only_unblocked=True)
            repo = IssueRepository(session, who.org_id)
            unblocked = []
            for freed_id in freed:
                row = await repo.get_live(freed_id)
                if row is not None and row.status not in ("done", "canceled"):
                    unblocked.append(summary_to_api(row.id, row.number, row.title, row.status))
            return to_text(
                {"issue": brief(issue), "comment": short_comment(comment), "unblockedIssues": unblocked}
            )

    @tool(
        name="loop_create_issue",
        annotations=WRITE,
        structured_output=False,
        description=(
            "Create an issue (a bug, task, idea or plan) in Loop. It starts in triage. Use it to record work "
            "you found but are not doing now; use parentId to break a big issue into sub-issues."
        ),
    )
    async def loop_create_issue(
        title: Annotated[str, Field(min_length=1, max_length=500, description="Short, specific title")],
        ctx: Context,
        type: Annotated[IssueType, Field(description="What kind of issue")] = "task",
        priority: Priority = 0,
        projectId: Annotated[str | None, Field(description="Project id (from loop_list_projects)")] = None,
        description: Annotated[str | None, Field(description="Details, in markdown")] = None,
        parentId: Annotated[str | None, Field(description="Parent issue id (one level deep)")] = None,
    ) -> str:
        async with rt.unit(ctx, "write:issue", policy=ENGINE, write=True) as (who, session):
            issue = await issues.create_issue(
                session,
                who.org_id,
                title=title,
                type=type,
                priority=priority,
                project_id=projectId,
                description=description,
                parent_id=parentId,
            )
            return to_text(brief(issue))

    @tool(
        name="loop_update_issue",
        structured_output=False,
        annotations=IDEMPOTENT_WRITE,
        description=(
            "Change an issue's status, priority, type, title or description; fields you leave out stay as "
            "they are. To finish an issue with a summary of your work, prefer loop_complete_task."
        ),
    )
    async def loop_update_issue(
        issueId: IssueId,
        ctx: Context,
        status: IssueStatus | None = None,
        priority: Priority | None = None,
        type: IssueType | None = None,
        title: Annotated[str | None, Field(min_length=1, max_length=500)] = None,
        description: str | None = None,
    ) -> str:
        given = {
            "status": status,
            "priority": priority,
            "type": type,
            "title": title,
            "description": description,
        }
        changes = {key: value for key, value in given.items() if value is not None}
        async with rt.unit(ctx, "write:issue", policy=ENGINE, write=True) as (who, session):
            issue = await issues.update_issue(session, who.org_id, issueId, changes)
            return to_text(brief(issue))

    @tool(
        name="loop_list_issues",
        annotations=READ,
        structured_output=False,
        description=(
            "List issues, newest first, optionally filtered by status, type or project. Returns short "
            "summaries, the total and whether more pages exist; use loop_get_issue for one issue's details."
        ),
    )
    async def loop_list_issues(
        ctx: Context,
        status: IssueStatus | None = None,
        type: IssueType | None = None,
        projectId: ProjectId = None,
        limit: Annotated[int, Field(ge=1, le=100)] = 20,
        offset: Annotated[int, Field(ge=0)] = 0,
    ) -> str:
        async with rt.unit(ctx, "read:issue", policy=ENGINE) as (who, session):
            filters = issues.parse_filters(status=status, type=type, project_id=projectId, sort="-created")
            items, total = await issues.list_issues(session, who.org_id, filters, limit=limit, offset=offset)
            return to_text(
                {
                    "issues": [
                        {key: item[key] for key in ("id", "number", "title", "type", "status", "priority")}
                        for item in items
                    ],
                    "total": total,
                    "hasMore": offset + limit < total,
                }
            )

    @tool(
        name="loop_get_issue",
        annotations=READ,
        structured_output=False,
        description=(
            "Read one issue in full: description, status, parent and children, labels, relations (what blocks "
            "it and what it blocks) and its comment threads."
        ),
    )
    async def loop_get_issue(issueId: IssueId, ctx: Context) -> str:
        async with rt.unit(ctx, "read:issue", policy=ENGINE) as (who, session):
            detail = await issues.issue_detail(session, who.org_id, issueId)
            if who.has("read:comment"):
                threads, _ = await comments.list_threads(session, who.org_id, issueId, limit=200, offset=0)
                detail["comments"] = threads
            return to_text(detail)

    @tool(
        name="loop_ingest_signal",
        annotations=WRITE,
        structured_output=False,
        description=(
            "Report a signal (an error, a metric change, user feedback) from some source. Loop stores it and "
            "opens a triage issue for it, or counts it as one more occurrence of an open issue with the same "
            "source event. Returns the signal and its issue."
        ),
    )
    async def loop_ingest_signal(
        source: Annotated[
            str, Field(min_length=1, max_length=200, description="Where it came from, e.g. sentry")
        ],
        type: Annotated[
            str, Field(min_length=1, max_length=200, description="What happened, e.g. error_rate")
        ],
        payload: Annotated[dict[str, Any], Field(description="The signal's data, as an object")],
        ctx: Context,
        severity: Severity = "medium",
        projectId: Annotated[str | None, Field(description="Project id (from loop_list_projects)")] = None,
    ) -> str:
        async with rt.unit(ctx, "write:signal", policy=ENGINE, write=True) as (who, session):
            result = await signals.ingest(
                session,
                who.org_id,
                signals.SignalInput(
                    source=source, type=type, severity=severity, payload=payload, project_id=projectId
                ),
            )
            return to_text(signals.ingested_to_api(result))

    @tool(
        name="loop_create_comment",
        annotations=WRITE,
        structured_output=False,
        description="Add a comment to an issue, as the agent: progress notes, questions, findings.",
    )
    async def loop_create_comment(
        issueId: IssueId,
        body: Annotated[str, Field(min_length=1, description="The comment, in markdown")],
        ctx: Context,
    ) -> str:
        async with rt.unit(ctx, "write:comment", policy=ENGINE, write=True) as (who, session):
            comment = await comments.create_comment(
                session,
                who.org_id,
                issueId,
                body=body,
                author_name="agent",
                author_type="agent",
                credential_id=who.credential_id,
            )
            return to_text(short_comment(comment))

    @tool(
        name="loop_add_relation",
        annotations=WRITE,
        structured_output=False,
        description=(
            "Relate two issues. 'blocks': this issue must be finished before the other can start; "
            "'blocked_by': the reverse; 'related' and 'duplicate' are informational. Blocked issues are not "
            "handed out until their blockers are done; cycles are refused."
        ),
    )
    async def loop_add_relation(
        issueId: IssueId,
        type: RelationType,
        relatedIssueId: Annotated[str, Field(description="The other issue's id")],
        ctx: Context,
    ) -> str:
        async with rt.unit(ctx, "write:issue", policy=ENGINE, write=True) as (who, session):
            relation = await relations.create_relation(session, who.org_id, issueId, type, relatedIssueId)
            return to_text(relation)

    @tool(
        name="loop_list_projects",
        annotations=READ,
        structured_output=False,
        description="List the organisation's projects (id, name, status, health, goal): the ids other tools take.",
    )
    async def loop_list_projects(
        ctx: Context,
        limit: Annotated[int, Field(ge=1, le=200)] = 50,
        offset: Annotated[int, Field(ge=0)] = 0,
    ) -> str:
        async with rt.unit(ctx, "read:project", policy=ENGINE) as (who, session):
            items, total = await projects.list_projects(session, who.org_id, limit=limit, offset=offset)
            return to_text({"projects": items, "total": total, "hasMore": offset + limit < total})

    @tool(
        name="loop_list_goals",
        annotations=READ,
        structured_output=False,
        description=(
            "List goals (measurable targets such as 'signup conversion to 5%') with their progress; issues "
            "that serve an active goal are handed out first. Filter by status or project."
        ),
    )
    async def loop_list_goals(
        ctx: Context,
        status: Literal["active", "achieved", "abandoned"] | None = None,
        projectId: ProjectId = None,
        limit: Annotated[int, Field(ge=1, le=200)] = 50,
        offset: Annotated[int, Field(ge=0)] = 0,
    ) -> str:
        async with rt.unit(ctx, "read:goal", policy=ENGINE) as (who, session):
            rows, total = await goals.list_goals(
                session,
                who.org_id,
                statuses=goals.parse_statuses(status),
                project_id=projectId,
                limit=limit,
                offset=offset,
            )
            return to_text({"goals": [goals.to_api(row) for row in rows], "total": total})
