"""Track and invoice tools: log the time an agent spent (linked to the issue or ticket it served) and
read invoices. They answer in that surface's camelCase shapes."""

# No ``from __future__ import annotations``: the SDK reads these signatures at runtime to build the schemas.

from typing import Annotated, Literal

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from loop.auth.policy import TRACK
from loop.core.clock import utcnow
from loop.invoices import service as invoices
from loop.mcp.runtime import Runtime, loop_tool, to_text
from loop.mcp.tools_engine import READ, WRITE
from loop.surfaces.track import parse_day
from loop.track import time_service
from loop.track.schemas import TimeCreate

InvoiceStatus = Literal["PENDING", "OVERDUE", "EXPIRED", "PAID_PARTIAL", "PAID", "VOID"]


def register(server: MCPServer, rt: Runtime) -> None:
    tool = loop_tool(server)

    @tool(
        name="loop_log_time",
        annotations=WRITE,
        structured_output=False,
        description=(
            "Log time spent on a task, for timesheets and invoicing. Link it to the issue or ticket it served "
            "so the hours can be traced and billed once."
        ),
    )
    async def loop_log_time(
        taskName: Annotated[
            str, Field(min_length=1, max_length=255, description="What the time was spent on")
        ],
        durationSeconds: Annotated[
            int, Field(gt=0, le=86400, description="Duration in seconds (5400 = 1.5 h)")
        ],
        ctx: Context,
        date: Annotated[str | None, Field(description="YYYY-MM-DD (default: today, UTC)")] = None,
        projectId: Annotated[str | None, Field(description="Project id")] = None,
        description: Annotated[str | None, Field(max_length=1000)] = None,
        billable: bool = True,
        issueId: Annotated[str | None, Field(description="The engine issue this time served")] = None,
        ticketId: Annotated[str | None, Field(description="The ticket this time served")] = None,
        tags: Annotated[list[str] | None, Field(description="Tag titles; unknown ones are created")] = None,
        aiGenerated: Annotated[bool, Field(description="True when an AI did the work")] = False,
    ) -> str:
        values = {
            "task_name": taskName,
            "duration_seconds": durationSeconds,
            "date": date or utcnow().date().isoformat(),
            "project_id": projectId,
            "description": description,
            "billable": billable,
            "issue_id": issueId,
            "ticket_id": ticketId,
            "ai_generated": aiGenerated,
            "tags": [{"title": title} for title in tags] if tags else None,
        }
        async with rt.unit(ctx, "write:time", policy=TRACK, write=True) as (who, session):
            entry = await time_service.create(session, who, TimeCreate.model_validate(values))
            return to_text(entry)

    @tool(
        name="loop_list_time",
        annotations=READ,
        structured_output=False,
        description="List your time entries for a day, the week ending on a day, or a month.",
    )
    async def loop_list_time(
        ctx: Context,
        date: Annotated[str | None, Field(description="YYYY-MM-DD (default: today, UTC)")] = None,
        frequency: Literal["day", "week", "month"] = "week",
        projectId: Annotated[str | None, Field(description="Only this project")] = None,
    ) -> str:
        async with rt.unit(ctx, "read:time", policy=TRACK) as (who, session):
            day = parse_day(date or utcnow().date().isoformat(), "date", required=True)
            rows = await time_service.listing(
                session, who, day=day, frequency=frequency, user_id=who.user_id, project_id=projectId
            )
            return to_text({"entries": rows})

    @tool(
        name="loop_list_invoices",
        annotations=READ,
        structured_output=False,
        description=(
            "List invoices, newest first, with their client, totals and status (PENDING, OVERDUE, EXPIRED, "
            "PAID_PARTIAL, PAID, VOID); filter by status, client, issue dates or text."
        ),
    )
    async def loop_list_invoices(
        ctx: Context,
        status: InvoiceStatus | None = None,
        clientId: Annotated[str | None, Field(description="Only this client")] = None,
        fromDate: Annotated[str | None, Field(description="Issued on or after (YYYY-MM-DD)")] = None,
        toDate: Annotated[str | None, Field(description="Issued on or before (YYYY-MM-DD)")] = None,
        q: Annotated[
            str | None, Field(max_length=200, description="Serial number, description or client")
        ] = None,
        limit: Annotated[int, Field(ge=1, le=100)] = 20,
        offset: Annotated[int, Field(ge=0)] = 0,
    ) -> str:
        async with rt.unit(ctx, "read:invoice", policy=TRACK) as (who, session):
            rows, total = await invoices.listing(
                session,
                who.org_id,
                statuses=[status] if status else [],
                client_id=clientId,
                start=parse_day(fromDate, "fromDate"),
                end=parse_day(toDate, "toDate"),
                q=q,
                limit=limit,
                offset=offset,
            )
            return to_text({"invoices": rows, "total": total, "hasMore": offset + limit < total})

    @tool(
        name="loop_get_invoice",
        annotations=READ,
        structured_output=False,
        description="Read one invoice in full: client, line items, taxes, totals, payments and status.",
    )
    async def loop_get_invoice(
        invoiceId: Annotated[str, Field(description="The invoice id")], ctx: Context
    ) -> str:
        async with rt.unit(ctx, "read:invoice", policy=TRACK) as (who, session):
            return to_text(await invoices.get(session, who.org_id, invoiceId))
