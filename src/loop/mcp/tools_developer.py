"""Developer-API tools (seed 000's "MCP tools"): feedback, tickets, board cards and their comments.

They follow that surface's rules: a Pro or Business plan (or an active trial) and the Owner, Admin or
Developer role, then the scopes, and they answer in its snake_case shapes.
"""

# No ``from __future__ import annotations``: the SDK reads these signatures at runtime to build the schemas.

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from loop.auth.policy import DEVELOPER
from loop.boards import service as boards
from loop.boards.schemas import CardCreate, CardUpdate, card_to_api
from loop.discussion import service as discussion
from loop.discussion.schemas import CommentCreate
from loop.discussion.schemas import comment_to_api as discussion_comment
from loop.feedback import service as feedback
from loop.feedback.schemas import FeedbackPatch, feedback_to_api
from loop.llm import get_generator
from loop.mcp.runtime import Runtime, loop_tool, to_text
from loop.mcp.tools_engine import IDEMPOTENT_WRITE, READ, WRITE
from loop.storage.links import FileLinks
from loop.tickets import generation
from loop.tickets import service as tickets
from loop.tickets.schemas import generated_to_api, ticket_to_api

FeedbackStatus = Literal["new", "in_progress", "review", "done"]
FeedbackType = Literal["bug", "feature", "general"]
Limit = Annotated[int, Field(ge=1, le=100, description="Items per page (max 100)")]
Offset = Annotated[int, Field(ge=0)]
ProjectFilter = Annotated[str | None, Field(description="Only this project (a developer-API project id)")]


def page(key: str, items: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    return {key: items, "total": total, "has_more": offset + limit < total}


def register(server: MCPServer, rt: Runtime) -> None:
    tool = loop_tool(server)

    def links(ctx: Context) -> FileLinks:
        return FileLinks(rt.database.secret_key, rt.base_url(ctx), rt.settings.file_url_ttl_s)

    # -- feedback --------------------------------------------------------------------------------------------
    @tool(
        name="loop_list_feedback",
        annotations=READ,
        structured_output=False,
        description=(
            "List feedback from clients and users (bug reports, feature requests, comments sent through the "
            "widget or the API), newest first, filtered by project, status or type."
        ),
    )
    async def loop_list_feedback(
        ctx: Context,
        project_id: ProjectFilter = None,
        status: FeedbackStatus | None = None,
        type: FeedbackType | None = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> str:
        async with rt.unit(ctx, "read:feedback", policy=DEVELOPER) as (who, session):
            rows, total = await feedback.list_feedback(
                session,
                who.org_id,
                project_id=project_id,
                status=status,
                type_=type,
                limit=limit,
                offset=offset,
            )
            signer = links(ctx)
            return to_text(page("feedback", [feedback_to_api(r, signer) for r in rows], total, limit, offset))

    @tool(
        name="loop_get_feedback",
        annotations=READ,
        structured_output=False,
        description="Read one feedback item in full: text, reporter, page, browser details and file links.",
    )
    async def loop_get_feedback(
        feedback_id: Annotated[str, Field(description="The feedback id")], ctx: Context
    ) -> str:
        async with rt.unit(ctx, "read:feedback", policy=DEVELOPER) as (who, session):
            row = await feedback.get_feedback(session, who.org_id, feedback_id)
            return to_text(feedback_to_api(row, links(ctx), full=True))

    @tool(
        name="loop_update_feedback",
        annotations=IDEMPOTENT_WRITE,
        structured_output=False,
        description=(
            "Change a feedback item's status (new → in_progress → review → done), type, title or description; "
            "fields you leave out stay as they are."
        ),
    )
    async def loop_update_feedback(
        feedback_id: Annotated[str, Field(description="The feedback id")],
        ctx: Context,
        status: FeedbackStatus | None = None,
        type: FeedbackType | None = None,
        title: Annotated[str | None, Field(min_length=1, max_length=500)] = None,
        description: Annotated[str | None, Field(max_length=20000)] = None,
    ) -> str:
        given = {"status": status, "type": type, "title": title, "description": description}
        async with rt.unit(ctx, "write:feedback", policy=DEVELOPER, write=True) as (who, session):
            body = FeedbackPatch.model_validate({k: v for k, v in given.items() if v is not None})
            row = await feedback.update_feedback(session, who.org_id, feedback_id, body)
            return to_text(feedback_to_api(row, links(ctx), full=True))

    # -- tickets ---------------------------------------------------------------------------------------------
    @tool(
        name="loop_list_tickets",
        annotations=READ,
        structured_output=False,
        description=(
            "List tickets: actionable work items written from feedback or board cards, with priority, "
            "labels and acceptance criteria. Filter by project or status."
        ),
    )
    async def loop_list_tickets(
        ctx: Context,
        project_id: ProjectFilter = None,
        status: Literal["open", "in_progress", "done"] | None = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> str:
        async with rt.unit(ctx, "read:ticket", policy=DEVELOPER) as (who, session):
            rows, total = await tickets.list_tickets(
                session, who.org_id, project_id=project_id, status=status, limit=limit, offset=offset
            )
            return to_text(page("tickets", [ticket_to_api(r) for r in rows], total, limit, offset))

    @tool(
        name="loop_get_ticket",
        annotations=READ,
        structured_output=False,
        description="Read one ticket in full, including where it came from and its acceptance criteria.",
    )
    async def loop_get_ticket(
        ticket_id: Annotated[str, Field(description="The ticket id")], ctx: Context
    ) -> str:
        async with rt.unit(ctx, "read:ticket", policy=DEVELOPER) as (who, session):
            return to_text(ticket_to_api(await tickets.get_ticket(session, who.org_id, ticket_id)))

    @tool(
        name="loop_generate_ticket",
        annotations=WRITE,
        structured_output=False,
        description=(
            "Turn a feedback item or a board card into a ticket (title, description, priority, labels, "
            "acceptance criteria), written by the configured AI model or Loop's built-in writer."
        ),
    )
    async def loop_generate_ticket(
        source_type: Annotated[
            Literal["feedback", "board_card"], Field(description="What to turn into a ticket")
        ],
        source_id: Annotated[str, Field(description="The feedback id or the card id")],
        ctx: Context,
    ) -> str:
        async with rt.guard(ctx, "write:ticket", policy=DEVELOPER) as who:
            # No transaction stays open while the model writes; generation commits its own short ones.
            ticket = await generation.generate_ticket(
                rt.database, get_generator(rt.settings), who, source_type, source_id
            )
            return to_text(generated_to_api(ticket))

    # -- board cards -----------------------------------------------------------------------------------------
    @tool(
        name="loop_list_cards",
        annotations=READ,
        structured_output=False,
        description="List the cards of a project's board, or of one list (column) of it, in board order.",
    )
    async def loop_list_cards(
        ctx: Context,
        project_id: ProjectFilter = None,
        list_id: Annotated[str | None, Field(description="Only this list (column)")] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> str:
        async with rt.unit(ctx, "read:board", policy=DEVELOPER) as (who, session):
            rows, total = await boards.list_cards(
                session, who.org_id, project_id=project_id, list_id=list_id, limit=limit, offset=offset
            )
            return to_text(page("cards", [card_to_api(r) for r in rows], total, limit, offset))

    @tool(
        name="loop_create_card",
        annotations=WRITE,
        structured_output=False,
        description="Add a card to a board list (column), at the end unless you give a position.",
    )
    async def loop_create_card(
        list_id: Annotated[str, Field(description="The list (column) to add the card to")],
        title: Annotated[str, Field(min_length=1, max_length=500)],
        ctx: Context,
        description: Annotated[str | None, Field(max_length=50000, description="Markdown")] = None,
        due_date: Annotated[str | None, Field(description="YYYY-MM-DD")] = None,
        position: Annotated[int | None, Field(ge=0, description="0-based position in the list")] = None,
    ) -> str:
        given = {
            "list_id": list_id,
            "title": title,
            "description": description,
            "due_date": due_date,
            "position": position,
        }
        async with rt.unit(ctx, "write:board", policy=DEVELOPER, write=True) as (who, session):
            body = CardCreate.model_validate({k: v for k, v in given.items() if v is not None})
            card = await boards.create_card(session, who, body)
            return to_text(card_to_api(card))

    @tool(
        name="loop_move_card",
        annotations=IDEMPOTENT_WRITE,
        structured_output=False,
        description=(
            "Move a card to another list (column) of the same board and/or to a position in it, e.g. from "
            "'To do' to 'Done'. Use loop_list_cards to find list ids."
        ),
    )
    async def loop_move_card(
        card_id: Annotated[str, Field(description="The card to move")],
        ctx: Context,
        list_id: Annotated[str | None, Field(description="The list to move it to (default: its own)")] = None,
        position: Annotated[
            int | None, Field(ge=0, description="0-based position (default: the end)")
        ] = None,
    ) -> str:
        given = {"list_id": list_id, "position": position}
        async with rt.unit(ctx, "write:board", policy=DEVELOPER, write=True) as (who, session):
            body = CardUpdate.model_validate({k: v for k, v in given.items() if v is not None})
            card = await boards.update_card(session, who.org_id, card_id, body)
            return to_text(card_to_api(card))

    # -- comments on feedback and cards ----------------------------------------------------------------------
    @tool(
        name="loop_list_discussion",
        annotations=READ,
        structured_output=False,
        description="Read the comments on a feedback item or a board card, oldest first.",
    )
    async def loop_list_discussion(
        on: Annotated[Literal["feedback", "card"], Field(description="What the comments are on")],
        id: Annotated[str, Field(description="The feedback id or the card id")],
        ctx: Context,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> str:
        scope = discussion.scope_for(on, write=False)
        async with rt.unit(ctx, scope, policy=DEVELOPER) as (who, session):
            rows, total = await discussion.list_comments(
                session, who.org_id, on, id, limit=limit, offset=offset
            )
            return to_text(page("comments", [discussion_comment(r) for r in rows], total, limit, offset))

    @tool(
        name="loop_add_discussion_comment",
        annotations=WRITE,
        structured_output=False,
        description=(
            "Comment on a feedback item or a board card (markdown; @name mentions notify members). "
            "internal=true keeps it visible to the team only. For issues, use loop_create_comment."
        ),
    )
    async def loop_add_discussion_comment(
        on: Annotated[Literal["feedback", "card"], Field(description="What to comment on")],
        id: Annotated[str, Field(description="The feedback id or the card id")],
        body: Annotated[str, Field(min_length=1, max_length=20000, description="Markdown")],
        ctx: Context,
        internal: bool = False,
    ) -> str:
        scope = discussion.scope_for(on, write=True)
        async with rt.unit(ctx, scope, policy=DEVELOPER, write=True) as (who, session):
            comment = await discussion.create_comment(
                session, who, on, id, CommentCreate(body=body, is_internal=internal)
            )
            return to_text(discussion_comment(comment))
