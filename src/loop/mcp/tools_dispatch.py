"""Dispatch tools: claim the next task with its prompt, keep the claim alive, give it back, and review the
prompt — the agent loop the engine's MCP server could not finish (it had no review tool)."""

# No ``from __future__ import annotations``: the SDK reads these signatures at runtime to build the schemas.

from typing import Annotated

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from loop.auth.policy import ENGINE
from loop.dashboard import service as dashboard
from loop.dispatch import service as dispatch
from loop.mcp.runtime import Runtime, loop_tool, to_text
from loop.mcp.tools_engine import IDEMPOTENT_WRITE, READ, WRITE, IssueId
from loop.prompts import reviewing
from loop.prompts.service import review_to_api

EMPTY_QUEUE = "No tasks available. The dispatch queue is empty."
Rating = Annotated[int, Field(ge=1, le=5, description="1 (poor) to 5 (excellent)")]


def register(server: MCPServer, rt: Runtime) -> None:
    tool = loop_tool(server)

    def options() -> dispatch.DispatchOptions:
        return dispatch.DispatchOptions.from_settings(rt.settings)

    @tool(
        name="loop_get_next_task",
        annotations=WRITE,
        structured_output=False,
        description=(
            "Claim the most important ready issue (todo, not blocked) and get the prompt written for it. The "
            "issue becomes in_progress and is leased to you: call loop_heartbeat while you work on long tasks, "
            "loop_complete_task when done, or loop_release_task to give it back. Afterwards, rate the prompt "
            "with loop_submit_review using meta.versionId. Answers that the queue is empty when nothing is ready."
        ),
    )
    async def loop_get_next_task(
        ctx: Context,
        projectId: Annotated[str | None, Field(description="Only issues of this project")] = None,
    ) -> str:
        async with rt.unit(ctx, "write:dispatch", policy=ENGINE, write=True) as (who, session):
            claimed = await dispatch.claim(
                session, who, options=options(), project_id=projectId, agent_id="mcp"
            )
            return EMPTY_QUEUE if claimed is None else to_text(claimed)

    @tool(
        name="loop_heartbeat",
        annotations=IDEMPOTENT_WRITE,
        structured_output=False,
        description=(
            "Renew your lease on an issue you claimed with loop_get_next_task, so it is not handed to another "
            "agent while you are still working. Returns the session with its new leaseExpiresAt."
        ),
    )
    async def loop_heartbeat(issueId: IssueId, ctx: Context) -> str:
        async with rt.unit(ctx, "write:dispatch", policy=ENGINE, write=True) as (who, session):
            return to_text(await dispatch.heartbeat(session, who, issueId, options=options()))

    @tool(
        name="loop_release_task",
        annotations=WRITE,
        structured_output=False,
        description=(
            "Give back an issue you claimed but will not finish (blocked, out of scope, needs a human). It "
            "returns to the queue keeping its place; say why in reason."
        ),
    )
    async def loop_release_task(
        issueId: IssueId,
        ctx: Context,
        reason: Annotated[
            str | None, Field(max_length=2000, description="Why you are giving it back")
        ] = None,
    ) -> str:
        async with rt.unit(ctx, "write:dispatch", policy=ENGINE, write=True) as (who, session):
            return to_text(await dispatch.release(session, who, issueId, reason=reason))

    @tool(
        name="loop_submit_review",
        annotations=WRITE,
        structured_output=False,
        description=(
            "Rate the prompt you were given for an issue (meta.versionId from loop_get_next_task): clarity, "
            "completeness and relevance from 1 to 5, and what would have helped. Low scores make Loop open an "
            "issue to improve that prompt template."
        ),
    )
    async def loop_submit_review(
        versionId: Annotated[
            str, Field(min_length=1, max_length=36, description="meta.versionId of the claim")
        ],
        issueId: IssueId,
        clarity: Rating,
        completeness: Rating,
        relevance: Rating,
        ctx: Context,
        feedback: Annotated[
            str | None, Field(max_length=20000, description="What was missing or unclear")
        ] = None,
    ) -> str:
        async with rt.unit(ctx, "write:review", policy=ENGINE, write=True) as (who, session):
            review = await reviewing.create_review(
                session,
                who,
                version_id=versionId,
                issue_id=issueId,
                clarity=clarity,
                completeness=completeness,
                relevance=relevance,
                feedback=feedback,
                author_type="agent",
            )
            return to_text(review_to_api(review))

    @tool(
        name="loop_get_dashboard",
        annotations=READ,
        structured_output=False,
        description=(
            "The organisation at a glance: issues by status and type, goals, how many issues are ready to "
            "claim (queueDepth) or waiting on a blocker, and recent completions."
        ),
    )
    async def loop_get_dashboard(ctx: Context) -> str:
        # A write unit: reading the figures first returns issues whose lease ran out to the queue.
        async with rt.unit(ctx, "read:dashboard", policy=ENGINE, write=True) as (who, session):
            return to_text(await dashboard.stats(session, who.org_id))
