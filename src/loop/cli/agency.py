"""Client commands for the developer API (feedback, tickets, boards), track & invoices (time, invoices) and the
inbox (drafts)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from loop.cli.remote import (
    EXIT_USAGE,
    AllOpt,
    JsonOpt,
    LimitOpt,
    OffsetOpt,
    client,
    collect,
    command,
    err,
    fail,
    out,
    parse_json_option,
    print_json,
    show_item,
    show_list,
    show_page,
)

feedback = typer.Typer(help="Client feedback (developer API).", no_args_is_help=True)
tickets = typer.Typer(help="Developer tickets, generated from feedback or board cards.", no_args_is_help=True)
boards = typer.Typer(help="Kanban boards: lists and cards.", no_args_is_help=True)
time_ = typer.Typer(help="Time entries (track).", no_args_is_help=True)
invoices = typer.Typer(help="Invoices: list, show, create, status, PDF.", no_args_is_help=True)
drafts = typer.Typer(help="Email drafts: list, show, create, send, delete.", no_args_is_help=True)


# -- feedback ----------------------------------------------------------------------------------------------------
FEEDBACK_COLUMNS = [("id", "id"), ("type", "type"), ("status", "status"), ("title", "title", 50),
                    ("reporter", "reporter_name"), ("created", "created_at")]  # fmt: skip


@feedback.command("list")
@command
def feedback_list(
    project: Annotated[str | None, typer.Option("--project", help="Project id")] = None,
    status: Annotated[str | None, typer.Option("--status", help="new|in_progress|review|done")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="bug|feature|general")] = None,
    limit: LimitOpt = 50,
    offset: OffsetOpt = 0,
    every: AllOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """List feedback, newest first.

    Example: loop feedback list --status new --type bug
    """
    with client() as loop:
        show_page(loop.feedback, as_json, every, "feedback", FEEDBACK_COLUMNS, min(limit, 100), offset,
                  project_id=project, status=status, type=type_)  # fmt: skip


@feedback.command("get")
@command
def feedback_get(
    feedback_id: Annotated[str, typer.Argument(help="Feedback id")], as_json: JsonOpt = False
) -> None:
    """Show one feedback item.

    Example: loop feedback get 0193…
    """
    with client() as loop:
        show_item(loop.feedback.get(feedback_id), as_json=as_json)


@feedback.command("create")
@command
def feedback_create(
    project: Annotated[str, typer.Option("--project", help="Project id")],
    title: Annotated[str, typer.Argument(help="Title")],
    type_: Annotated[str, typer.Option("--type", help="bug|feature|general")] = "general",
    description: Annotated[str | None, typer.Option("--description", "-d")] = None,
    page_url: Annotated[str | None, typer.Option("--page-url")] = None,
    reporter: Annotated[str | None, typer.Option("--reporter", help="Reporter name")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record feedback (as the widget would).

    Example: loop feedback create --project 0193… "Typo on About page" --type bug
    """
    with client() as loop:
        made = loop.feedback.create(project_id=project, title=title, type=type_, description=description,
                                    page_url=page_url, reporter_name=reporter)  # fmt: skip
    print_json(made) if as_json else out.print(f"feedback {made['id']} recorded")


@feedback.command("update")
@command
def feedback_update(
    feedback_id: Annotated[str, typer.Argument(help="Feedback id")],
    status: Annotated[str | None, typer.Option("--status")] = None,
    type_: Annotated[str | None, typer.Option("--type")] = None,
    title: Annotated[str | None, typer.Option("--title")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a feedback item's status, type or title.

    Example: loop feedback update 0193… --status in_progress
    """
    with client() as loop:
        made = loop.feedback.update(feedback_id, status=status, type=type_, title=title)
    print_json(made) if as_json else out.print(f"feedback {made['id']} → {made['status']}")


@feedback.command("delete")
@command
def feedback_delete(feedback_id: Annotated[str, typer.Argument(help="Feedback id")]) -> None:
    """Delete a feedback item, its comments and files.

    Example: loop feedback delete 0193…
    """
    with client() as loop:
        loop.feedback.delete(feedback_id)
    out.print("deleted")


# -- tickets -----------------------------------------------------------------------------------------------------
TICKET_COLUMNS = [("id", "id"), ("priority", "priority"), ("status", "status"), ("title", "title", 50),
                  ("source", "source_type"), ("issue", "issue_id")]  # fmt: skip


@tickets.command("list")
@command
def tickets_list(
    project: Annotated[str | None, typer.Option("--project")] = None,
    status: Annotated[str | None, typer.Option("--status", help="open|in_progress|done")] = None,
    limit: LimitOpt = 50,
    offset: OffsetOpt = 0,
    every: AllOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """List tickets.

    Example: loop tickets list --status open
    """
    with client() as loop:
        show_page(loop.tickets, as_json, every, "tickets", TICKET_COLUMNS, min(limit, 100), offset,
                  project_id=project, status=status)  # fmt: skip


@tickets.command("get")
@command
def tickets_get(
    ticket_id: Annotated[str, typer.Argument(help="Ticket id")], as_json: JsonOpt = False
) -> None:
    """Show a ticket (its description is markdown).

    Example: loop tickets get 0193…
    """
    with client() as loop:
        show_item(loop.tickets.get(ticket_id), as_json=as_json)


@tickets.command("generate")
@command
def tickets_generate(
    source_id: Annotated[str, typer.Argument(help="Feedback or card id")],
    card: Annotated[
        bool, typer.Option("--card", help="The source is a board card (default: feedback)")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Generate a structured ticket from a feedback item or a board card.

    Example: loop tickets generate 0193… (or: loop tickets generate CARD_ID --card)
    """
    with client() as loop, err.status("generating the ticket…"):
        made = loop.tickets.generate("board_card" if card else "feedback", source_id)
    if as_json:
        print_json(made)
    else:
        out.print(f"ticket {made['id']} ({made['priority']}): {made['title']}")


@tickets.command("update")
@command
def tickets_update(
    ticket_id: Annotated[str, typer.Argument(help="Ticket id")],
    status: Annotated[str | None, typer.Option("--status")] = None,
    priority: Annotated[str | None, typer.Option("--priority", help="low|medium|high|critical")] = None,
    title: Annotated[str | None, typer.Option("--title")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a ticket.

    Example: loop tickets update 0193… --status in_progress
    """
    with client() as loop:
        made = loop.tickets.update(ticket_id, status=status, priority=priority, title=title)
    print_json(made) if as_json else out.print(f"ticket {made['id']} → {made['status']}")


# -- boards ------------------------------------------------------------------------------------------------------
@boards.command("lists")
@command
def boards_lists(
    project: Annotated[str, typer.Argument(help="Board project id")], as_json: JsonOpt = False
) -> None:
    """Show a board's lists in order.

    Example: loop boards lists 0193…
    """
    with client() as loop:
        data = loop.boards.lists.list(project_id=project)
    show_list(data, [("pos", "position"), ("id", "id"), ("name", "name")], as_json=as_json, empty="No lists.")


@boards.command("add-list")
@command
def boards_add_list(
    project: Annotated[str, typer.Argument(help="Board project id")],
    name: Annotated[str, typer.Argument(help="List name")],
    position: Annotated[int | None, typer.Option("--position", min=0)] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a list to a board.

    Example: loop boards add-list 0193… "Review" --position 2
    """
    with client() as loop:
        made = loop.boards.lists.create(project_id=project, name=name, position=position)
    print_json(made) if as_json else out.print(f"list {made['name']} {made['id']} added")


CARD_COLUMNS = [("list", "list_id"), ("pos", "position"), ("id", "id"), ("title", "title", 50),
                ("due", "due_date"), ("labels", "labels")]  # fmt: skip


@boards.command("cards")
@command
def boards_cards(
    project: Annotated[str | None, typer.Option("--project", help="Board project id")] = None,
    list_id: Annotated[str | None, typer.Option("--list", help="List id")] = None,
    every: AllOpt = False,
    limit: LimitOpt = 50,
    offset: OffsetOpt = 0,
    as_json: JsonOpt = False,
) -> None:
    """List cards of a board or of one list.

    Example: loop boards cards --project 0193…
    """
    if not project and not list_id:
        raise fail("give --project or --list", EXIT_USAGE)
    with client() as loop:
        show_page(loop.boards.cards, as_json, every, "cards", CARD_COLUMNS, min(limit, 100), offset,
                  project_id=project, list_id=list_id)  # fmt: skip


@boards.command("add-card")
@command
def boards_add_card(
    list_id: Annotated[str, typer.Argument(help="List id")],
    title: Annotated[str, typer.Argument(help="Card title")],
    description: Annotated[str | None, typer.Option("--description", "-d")] = None,
    due: Annotated[str | None, typer.Option("--due", help="YYYY-MM-DD")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a card to a list.

    Example: loop boards add-card 0193… "Build pricing table" --due 2026-12-01
    """
    with client() as loop:
        made = loop.boards.cards.create(list_id=list_id, title=title, description=description, due_date=due)
    print_json(made) if as_json else out.print(f"card {made['id']} added")


@boards.command("move")
@command
def boards_move(
    card_id: Annotated[str, typer.Argument(help="Card id")],
    to_list: Annotated[str | None, typer.Option("--to", help="Target list id")] = None,
    position: Annotated[int | None, typer.Option("--position", min=0)] = None,
    as_json: JsonOpt = False,
) -> None:
    """Move a card to another list and/or position.

    Example: loop boards move 0193… --to 0194… --position 0
    """
    with client() as loop:
        made = loop.boards.cards.update(card_id, list_id=to_list, position=position)
    print_json(made) if as_json else out.print(f"card {made['id']} at {made['list_id']} #{made['position']}")


# -- time --------------------------------------------------------------------------------------------------------
TIME_COLUMNS = [("id", "id"), ("date", "date"), ("task", "taskName", 40), ("hours", "hours"),
                ("project", "project.title", 20), ("billable", "billable"), ("invoiced", "invoiced")]  # fmt: skip


def _hours(value: str) -> int:
    """``2h30m``, ``2.5h``, ``90m``, ``1:30`` or seconds → seconds."""
    import re

    text = value.strip().lower()
    if re.fullmatch(r"\d+:\d{1,2}", text):
        h, m = text.split(":")
        return int(h) * 3600 + int(m) * 60
    match = re.fullmatch(r"(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+)m)?", text)
    if match and (match.group(1) or match.group(2)):
        return round(float(match.group(1) or 0) * 3600) + int(match.group(2) or 0) * 60
    if text.isdigit():
        return int(text)
    raise fail(f"cannot read the duration {value!r} (try 2h30m, 1.5h, 45m or 1:30)", EXIT_USAGE)


@time_.command("list")
@command
def time_list(
    date: Annotated[str, typer.Option("--date", help="YYYY-MM-DD (default today)")] = "",
    frequency: Annotated[str, typer.Option("--frequency", "-f", help="day|week|month")] = "week",
    project: Annotated[str | None, typer.Option("--project")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List time entries of the week ending on --date (or its day or month).

    Example: loop time list --date 2026-05-08 --frequency week
    """
    import datetime as dt

    with client() as loop:
        rows = loop.time.list(date or dt.date.today().isoformat(), frequency=frequency, projectId=project)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        row["hours"] = f"{row['durationSeconds'] / 3600:.2f}"
    show_list(rows, TIME_COLUMNS, as_json=False, empty="No time entries.")
    if rows:
        out.print(f"total {sum(r['durationSeconds'] for r in rows) / 3600:.2f} h")


@time_.command("add")
@command
def time_add(
    task: Annotated[str, typer.Argument(help="What you worked on")],
    duration: Annotated[str, typer.Argument(help="2h30m, 1.5h, 45m or 1:30")],
    date: Annotated[str, typer.Option("--date", help="YYYY-MM-DD (default today)")] = "",
    project: Annotated[str | None, typer.Option("--project")] = None,
    issue: Annotated[str | None, typer.Option("--issue", help="Engine issue id")] = None,
    ticket: Annotated[str | None, typer.Option("--ticket", help="Ticket id")] = None,
    non_billable: Annotated[bool, typer.Option("--non-billable")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Log time.

    Example: loop time add "Design review" 2h30m --project 01a2… --ticket tk_41
    """
    import datetime as dt

    seconds = _hours(duration)
    with client() as loop:
        made = loop.time.create(task_name=task, duration_seconds=seconds, date=date or dt.date.today().isoformat(),
                                projectId=project, issueId=issue, ticketId=ticket,
                                billable=False if non_billable else None)  # fmt: skip
    print_json(made) if as_json else out.print(f"logged {seconds / 3600:.2f} h: {made['id']}")


@time_.command("delete")
@command
def time_delete(entry_id: Annotated[str, typer.Argument(help="Time entry id")]) -> None:
    """Delete a time entry (not once it is invoiced).

    Example: loop time delete 01a2…
    """
    with client() as loop:
        loop.time.delete(entry_id)
    out.print("deleted")


# -- invoices ----------------------------------------------------------------------------------------------------
INVOICE_COLUMNS = [("id", "id"), ("number", "serialNumber"), ("client", "client.name", 24), ("status", "status"),
                   ("total", "total"), ("due", "dueDate"), ("balance", "balanceDue")]  # fmt: skip


@invoices.command("list")
@command
def invoices_list(
    status: Annotated[str | None, typer.Option("--status")] = None,
    page: Annotated[int, typer.Option("--page", min=1)] = 1,
    page_size: Annotated[int, typer.Option("--page-size", min=1, max=100)] = 20,
    every: AllOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """List invoices.

    Example: loop invoices list --status PENDING --all
    """
    with client() as loop:
        data = (collect(loop.invoices.iter(status=status), "invoices") if every
                else loop.invoices.list(status=status, page=page, pageSize=page_size))  # fmt: skip
    show_list(data, INVOICE_COLUMNS, as_json=as_json, empty="No invoices.")


@invoices.command("get")
@command
def invoices_get(
    invoice_id: Annotated[str, typer.Argument(help="Invoice id")], as_json: JsonOpt = False
) -> None:
    """Show an invoice with its lines.

    Example: loop invoices get 01a2…
    """
    with client() as loop:
        inv = loop.invoices.get(invoice_id)
    if as_json:
        print_json(inv)
        return
    show_item(inv, as_json=False, fields=["id", "serialNumber", "status", "client", "issueDate", "dueDate",
                                          "subtotal", "tax", "total", "amountPaid", "balanceDue", "payUrl"])  # fmt: skip
    lines = inv.get("lineItems") or []
    if lines:
        show_list(lines, [("description", "description", 50), ("qty", "quantity"), ("rate", "rate"),
                          ("amount", "amount")], as_json=False)  # fmt: skip


@invoices.command("create")
@command
def invoices_create(
    client_id: Annotated[str, typer.Option("--client", help="Invoice client id")],
    line: Annotated[
        list[str] | None, typer.Option("--line", help='"description;quantity;rate" (repeatable)')
    ] = None,
    due: Annotated[str | None, typer.Option("--due", help="YYYY-MM-DD")] = None,
    tax: Annotated[float | None, typer.Option("--tax", help="Tax percent")] = None,
    notes: Annotated[str | None, typer.Option("--notes")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an invoice.

    Example: loop invoices create --client 01a2… --line "Design review;2.5;97.50" --due 2026-12-31 --tax 15
    """
    items = []
    for raw in line or []:
        parts = raw.split(";")
        if len(parts) != 3:
            raise fail(f'--line {raw!r}: expected "description;quantity;rate"', EXIT_USAGE)
        items.append({"description": parts[0], "quantity": parts[1].strip(), "rate": parts[2].strip()})
    with client() as loop:
        made = loop.invoices.create(clientId=client_id, dueDate=due, taxPercent=tax, notes=notes,
                                    lineItems=items or None)  # fmt: skip
    print_json(made) if as_json else out.print(
        f"invoice {made['serialNumber']} {made['id']} ({made['total']})"
    )


@invoices.command("status")
@command
def invoices_status(
    invoice_id: Annotated[str, typer.Argument(help="Invoice id")],
    status: Annotated[str, typer.Argument(help="PENDING | PAID | PAID_PARTIAL | VOID")],
    amount_paid: Annotated[str | None, typer.Option("--amount-paid", help="For PAID_PARTIAL")] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a payment or void an invoice.

    Example: loop invoices status 01a2… PAID_PARTIAL --amount-paid 50.00
    """
    with client() as loop:
        made = loop.invoices.set_status(invoice_id, status.upper(), amountPaid=amount_paid, note=note)
    print_json(made) if as_json else out.print(f"invoice {made['serialNumber']} → {made['status']}")


@invoices.command("pdf")
@command
def invoices_pdf(
    invoice_id: Annotated[str, typer.Argument(help="Invoice id")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default INVOICE-ID.pdf; - = stdout)")
    ] = None,
) -> None:
    """Download an invoice's PDF.

    Example: loop invoices pdf 01a2… -o invoice.pdf
    """
    import sys

    with client() as loop:
        data = loop.invoices.pdf(invoice_id)
    if not isinstance(data, bytes | bytearray):
        raise fail("the server did not answer with a PDF")
    if output is not None and str(output) == "-":
        sys.stdout.buffer.write(data)
        return
    target = output or Path(f"invoice-{invoice_id}.pdf")
    target.write_bytes(data)
    out.print(f"wrote {target} ({len(data)} bytes)")


@invoices.command("send")
@command
def invoices_send(
    invoice_id: Annotated[str, typer.Argument(help="Invoice id")], as_json: JsonOpt = False
) -> None:
    """Send an invoice to its client by email.

    Example: loop invoices send 01a2…
    """
    with client() as loop:
        made = loop.invoices.send(invoice_id)
    print_json(made) if as_json else out.print(f"invoice {made['serialNumber']} sent")


# -- drafts ------------------------------------------------------------------------------------------------------
DRAFT_COLUMNS = [("id", "id"), ("status", "status"), ("subject", "subject", 50), ("to", "to_fields", 40)]


@drafts.command("list")
@command
def drafts_list(
    status: Annotated[
        str | None, typer.Option("--status", help="draft|scheduled|queued|sending|sent|failed")
    ] = None,
    limit: LimitOpt = 20,
    offset: OffsetOpt = 0,
    every: AllOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """List email drafts.

    Example: loop drafts list --status sent
    """
    with client() as loop:
        data = (collect(loop.drafts.iter(status=status), "drafts") if every
                else loop.drafts.list(status=status, limit=min(limit, 100), offset=offset))  # fmt: skip
    if every and not as_json:
        data = {"drafts": data["data"]}
    show_list(data, DRAFT_COLUMNS, as_json=as_json, key="drafts", empty="No drafts.")


@drafts.command("get")
@command
def drafts_get(draft_id: Annotated[str, typer.Argument(help="Draft id")], as_json: JsonOpt = False) -> None:
    """Show a draft.

    Example: loop drafts get 01a20b7a-…
    """
    with client() as loop:
        show_item(loop.drafts.get(draft_id), as_json=as_json)


def _addresses(values: list[str] | None) -> list[dict[str, Any]] | None:
    return [{"address": v} for v in values] if values else None


@drafts.command("create")
@command
def drafts_create(
    to: Annotated[list[str], typer.Option("--to", help="Recipient address (repeatable)")],
    subject: Annotated[str, typer.Option("--subject", "-s")],
    body: Annotated[str, typer.Option("--body", "-b", help="HTML or text; @file reads a file")] = "",
    cc: Annotated[list[str] | None, typer.Option("--cc")] = None,
    send: Annotated[bool, typer.Option("--send", help="Send it now")] = False,
    extra: Annotated[str | None, typer.Option("--extra", help="More draft fields as a JSON object")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write an email draft (and optionally send it).

    Example: loop drafts create --to ana@client.example.com --subject "Your invoice" --body @mail.html
    """
    text = Path(body[1:]).read_text() if body.startswith("@") else body
    fields = {"subject": subject, "body": text, "to_fields": _addresses(to), "cc_fields": _addresses(cc),
              "send": True if send else None, **(parse_json_option(extra, "--extra") or {})}  # fmt: skip
    with client() as loop:
        made = loop.drafts.create(**fields)
    print_json(made) if as_json else out.print(f"draft {made['id']} ({made['status']})")


@drafts.command("send")
@command
def drafts_send(
    draft_id: Annotated[str, typer.Argument(help="Draft id")],
    at: Annotated[int | None, typer.Option("--at", help="Send at this epoch second instead of now")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Send a draft now, or schedule it.

    Example: loop drafts send 01a20b7a-… --at $(date -d 'tomorrow 09:00' +%s)
    """
    with client() as loop:
        made = loop.drafts.update(draft_id, send_at=at) if at else loop.drafts.send(draft_id)
    print_json(made) if as_json else out.print(f"draft {made['id']} → {made['status']}")


@drafts.command("delete")
@command
def drafts_delete(draft_id: Annotated[str, typer.Argument(help="Draft id")]) -> None:
    """Delete a draft.

    Example: loop drafts delete 01a20b7a-…
    """
    with client() as loop:
        loop.drafts.delete(draft_id)
    out.print("deleted")
