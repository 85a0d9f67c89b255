"""Client commands for the engine surface: issues, comments, relations, labels, projects, goals, signals, triage,
and the status overview."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from loop.cli.remote import (
    AllOpt,
    JsonOpt,
    LimitOpt,
    OffsetOpt,
    client,
    collect,
    command,
    out,
    parse_json_option,
    print_json,
    show_item,
    show_list,
    show_page,
)
from loop.client import NotFound

ISSUE_COLUMNS = [("#", "number"), ("id", "id"), ("type", "type"), ("title", "title", 50), ("status", "status"),
                 ("pri", "priority"), ("project", "projectId"), ("created", "createdAt")]  # fmt: skip
ISSUE_FIELDS = ["id", "number", "title", "type", "status", "priority", "projectId", "parentId", "description",
                "labels", "children", "relations", "commentCount", "agentSummary", "completedAt", "createdAt",
                "updatedAt"]  # fmt: skip

issues = typer.Typer(help="Engine issues: list, show, create, update, close.", no_args_is_help=True)
comments = typer.Typer(help="Comments on issues.", no_args_is_help=True)
relations = typer.Typer(
    help="Relations between issues (blocks, blocked_by, related, duplicate).", no_args_is_help=True
)
labels = typer.Typer(help="Labels.", no_args_is_help=True)
projects = typer.Typer(help="Engine projects.", no_args_is_help=True)
goals = typer.Typer(help="Goals.", no_args_is_help=True)
triage = typer.Typer(help="Triage: issues waiting for a decision.", invoke_without_command=True)


# -- issues ------------------------------------------------------------------------------------------------------
@issues.command("list")
@command
def issues_list(
    status: Annotated[str | None, typer.Option("--status", "-s", help="Comma list: todo,in_progress")] = None,
    type_: Annotated[str | None, typer.Option("--type", "-t", help="Comma list: task,signal")] = None,
    project: Annotated[str | None, typer.Option("--project", help="Project id")] = None,
    label: Annotated[str | None, typer.Option("--label", help="Label id")] = None,
    parent: Annotated[str | None, typer.Option("--parent", help="Parent issue id")] = None,
    priority: Annotated[int | None, typer.Option("--priority", min=0, max=4)] = None,
    query: Annotated[str | None, typer.Option("--query", "-q", help="Text in title or description")] = None,
    sort: Annotated[
        str | None, typer.Option("--sort", help="created | updated | priority (prefix - to reverse)")
    ] = None,
    limit: LimitOpt = 50,
    offset: OffsetOpt = 0,
    every: AllOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """List issues (oldest first unless --sort).

    Example: loop issues list --status todo,in_progress --sort priority --json
    """
    with client() as loop:
        show_page(loop.issues, as_json, every, "issues", ISSUE_COLUMNS, limit, offset, status=status, type=type_,
              projectId=project, labelId=label, parentId=parent, priority=priority, q=query, sort=sort)  # fmt: skip


@issues.command("get")
@command
def issues_get(issue_id: Annotated[str, typer.Argument(help="Issue id")], as_json: JsonOpt = False) -> None:
    """Show one issue with its labels, children and relations.

    Example: loop issues get 01J9Z3K4…
    """
    with client() as loop:
        show_item(loop.issues.get(issue_id), as_json=as_json, fields=ISSUE_FIELDS)


@issues.command("create")
@command
def issues_create(
    title: Annotated[str, typer.Argument(help="Title")],
    type_: Annotated[str, typer.Option("--type", "-t", help="signal|hypothesis|plan|task|monitor")] = "task",
    status: Annotated[str | None, typer.Option("--status", "-s", help="Default: triage")] = None,
    priority: Annotated[
        int | None, typer.Option("--priority", "-p", min=0, max=4, help="1 urgent … 4 low")
    ] = None,
    description: Annotated[str | None, typer.Option("--description", "-d")] = None,
    project: Annotated[str | None, typer.Option("--project")] = None,
    parent: Annotated[str | None, typer.Option("--parent")] = None,
    label: Annotated[list[str] | None, typer.Option("--label", "-l", help="Label id (repeatable)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an issue.

    Example: loop issues create "Login fails on Safari" --type task --status todo --priority 2
    """
    with client() as loop:
        issue = loop.issues.create(title=title, type=type_, status=status, priority=priority,
                                   description=description, projectId=project, parentId=parent, labelIds=label)  # fmt: skip
    if as_json:
        print_json(issue)
    else:
        out.print(f"created issue #{issue['number']} {issue['id']} ({issue['status']})")


@issues.command("update")
@command
def issues_update(
    issue_id: Annotated[str, typer.Argument(help="Issue id")],
    title: Annotated[str | None, typer.Option("--title")] = None,
    status: Annotated[str | None, typer.Option("--status", "-s")] = None,
    type_: Annotated[str | None, typer.Option("--type", "-t")] = None,
    priority: Annotated[int | None, typer.Option("--priority", "-p", min=0, max=4)] = None,
    description: Annotated[str | None, typer.Option("--description", "-d")] = None,
    project: Annotated[str | None, typer.Option("--project", help='Project id ("none" to clear)')] = None,
    summary: Annotated[str | None, typer.Option("--summary", help="Agent summary")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change fields of an issue (only the ones given).

    Example: loop issues update 01J9Z3K4… --status in_progress --priority 1
    """
    fields: dict[str, Any] = {"title": title, "status": status, "type": type_, "priority": priority,
                              "description": description, "agentSummary": summary}  # fmt: skip
    clear = []
    if project == "none":
        clear.append("projectId")
    elif project:
        fields["projectId"] = project
    with client() as loop:
        issue = loop.issues.update(issue_id, clear=clear, **fields)
    if as_json:
        print_json(issue)
    else:
        out.print(f"updated issue #{issue['number']} ({issue['status']})")


@issues.command("close")
@command
def issues_close(
    issue_id: Annotated[str, typer.Argument(help="Issue id")],
    canceled: Annotated[bool, typer.Option("--canceled", help="Close as canceled instead of done")] = False,
    outcome: Annotated[str | None, typer.Option("--outcome", help="Also post this as a comment")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Close an issue (done, or canceled), optionally recording the outcome as a comment.

    Example: loop issues close 01J9Z3K4… --outcome "Fixed in #42"
    """
    with client() as loop:
        issue = loop.issues.close(issue_id, canceled=canceled)
        if outcome:
            loop.comments.create(issue_id, outcome)
    if as_json:
        print_json(issue)
    else:
        out.print(f"closed issue #{issue['number']} ({issue['status']})")


@issues.command("delete")
@command
def issues_delete(issue_id: Annotated[str, typer.Argument(help="Issue id")]) -> None:
    """Delete an issue (soft delete).

    Example: loop issues delete 01J9Z3K4…
    """
    with client() as loop:
        loop.issues.delete(issue_id)
    out.print("deleted")


# -- comments ----------------------------------------------------------------------------------------------------
@comments.command("list")
@command
def comments_list(
    issue_id: Annotated[str, typer.Argument(help="Issue id")], as_json: JsonOpt = False
) -> None:
    """List an issue's comment threads.

    Example: loop comments list 01J9Z3K4…
    """
    with client() as loop:
        data = collect(loop.comments.iter(issue_id), "comments")
    if as_json:
        print_json(data)
        return
    rows = []
    for top in data["data"]:
        rows.append(top)
        rows.extend({**r, "body": "  ↳ " + r["body"]} for r in _flatten(top.get("replies") or []))
    show_list({"data": rows}, [("id", "id"), ("author", "authorName"), ("body", "body", 70),
                               ("created", "createdAt")], as_json=False, empty="No comments.")  # fmt: skip


def _flatten(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for reply in replies:
        flat.append(reply)
        flat.extend(_flatten(reply.get("replies") or []))
    return flat


@comments.command("add")
@command
def comments_add(
    issue_id: Annotated[str, typer.Argument(help="Issue id")],
    body: Annotated[str, typer.Argument(help="Comment text")],
    author: Annotated[str, typer.Option("--author", help="Author name")] = "loop-cli",
    agent: Annotated[bool, typer.Option("--agent", help="Written by an agent")] = False,
    reply_to: Annotated[str | None, typer.Option("--reply-to", help="Parent comment id")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Comment on an issue.

    Example: loop comments add 01J9Z3K4… "Reproduced on staging" --author ana
    """
    with client() as loop:
        made = loop.comments.create(issue_id, body, author_name=author, author_type="agent" if agent else "human",
                                    parent_id=reply_to)  # fmt: skip
    print_json(made) if as_json else out.print(f"comment {made['id']} added")


# -- relations ---------------------------------------------------------------------------------------------------
@relations.command("list")
@command
def relations_list(
    issue_id: Annotated[str, typer.Argument(help="Issue id")], as_json: JsonOpt = False
) -> None:
    """List an issue's relations, both directions.

    Example: loop relations list 01J9Z3K4…
    """
    with client() as loop:
        rows = loop.relations.list(issue_id)
    show_list(rows, [("id", "id"), ("type", "type"), ("direction", "direction"), ("#", "issue.number"),
                     ("other issue", "issue.title", 50), ("status", "issue.status")], as_json=as_json,
              empty="No relations.")  # fmt: skip


@relations.command("add")
@command
def relations_add(
    issue_id: Annotated[str, typer.Argument(help="Issue id")],
    type_: Annotated[str, typer.Argument(metavar="TYPE", help="blocks | blocked_by | related | duplicate")],
    other: Annotated[str, typer.Argument(help="The other issue's id")],
    as_json: JsonOpt = False,
) -> None:
    """Relate two issues.

    Example: loop relations add 01J9Z3K4… blocked_by 01J9Z3M7…
    """
    with client() as loop:
        made = loop.relations.create(issue_id, type_, other)
    print_json(made) if as_json else out.print(f"relation {made['id']} added")


@relations.command("delete")
@command
def relations_delete(relation_id: Annotated[str, typer.Argument(help="Relation id")]) -> None:
    """Remove a relation.

    Example: loop relations delete 01J9Z3Q1…
    """
    with client() as loop:
        loop.relations.delete(relation_id)
    out.print("deleted")


# -- labels ------------------------------------------------------------------------------------------------------
LABEL_COLUMNS = [("id", "id"), ("name", "name"), ("color", "color")]


@labels.command("list")
@command
def labels_list(
    limit: LimitOpt = 50, offset: OffsetOpt = 0, every: AllOpt = False, as_json: JsonOpt = False
) -> None:
    """List labels.

    Example: loop labels list --all --json
    """
    with client() as loop:
        show_page(loop.labels, as_json, every, "labels", LABEL_COLUMNS, limit, offset)


@labels.command("create")
@command
def labels_create(
    name: Annotated[str, typer.Option("--name", "-n", help="Label name")],
    color: Annotated[str, typer.Option("--color", "-c", help="e.g. #ef4444")] = "#6b7280",
    as_json: JsonOpt = False,
) -> None:
    """Create a label.

    Example: loop labels create --name bug --color "#ef4444"
    """
    with client() as loop:
        made = loop.labels.create(name=name, color=color)
    print_json(made) if as_json else out.print(f"label {made['name']} {made['id']} created")


@labels.command("delete")
@command
def labels_delete(label_id: Annotated[str, typer.Argument(help="Label id")]) -> None:
    """Delete a label.

    Example: loop labels delete 01J9Z3L2…
    """
    with client() as loop:
        loop.labels.delete(label_id)
    out.print("deleted")


# -- projects and goals ----------------------------------------------------------------------------------------
PROJECT_COLUMNS = [
    ("id", "id"),
    ("name", "name", 40),
    ("status", "status"),
    ("health", "health"),
    ("goal", "goalId"),
]
GOAL_COLUMNS = [("id", "id"), ("title", "title", 40), ("status", "status"), ("current", "currentValue"),
                ("target", "targetValue"), ("unit", "unit")]  # fmt: skip


@projects.command("list")
@command
def projects_list(
    limit: LimitOpt = 50, offset: OffsetOpt = 0, every: AllOpt = False, as_json: JsonOpt = False
) -> None:
    """List projects.

    Example: loop projects list
    """
    with client() as loop:
        show_page(loop.projects, as_json, every, "projects", PROJECT_COLUMNS, limit, offset)


@projects.command("get")
@command
def projects_get(
    project_id: Annotated[str, typer.Argument(help="Project id")], as_json: JsonOpt = False
) -> None:
    """Show a project with its goal and issue counts.

    Example: loop projects get 01J9Z3P0…
    """
    with client() as loop:
        show_item(loop.projects.get(project_id), as_json=as_json)


@projects.command("create")
@command
def projects_create(
    name: Annotated[str, typer.Argument(help="Name")],
    description: Annotated[str | None, typer.Option("--description", "-d")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="backlog|planned|active|on_hold|completed")
    ] = None,
    goal: Annotated[str | None, typer.Option("--goal", help="Goal id")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a project.

    Example: loop projects create "Checkout revamp" --status active
    """
    with client() as loop:
        made = loop.projects.create(name=name, description=description, status=status, goalId=goal)
    print_json(made) if as_json else out.print(f"project {made['name']} {made['id']} created")


@projects.command("update")
@command
def projects_update(
    project_id: Annotated[str, typer.Argument(help="Project id")],
    name: Annotated[str | None, typer.Option("--name")] = None,
    status: Annotated[str | None, typer.Option("--status")] = None,
    health: Annotated[str | None, typer.Option("--health", help="on_track|at_risk|off_track")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a project.

    Example: loop projects update 01J9Z3P0… --health at_risk
    """
    with client() as loop:
        made = loop.projects.update(project_id, name=name, status=status, health=health)
    print_json(made) if as_json else out.print(f"project {made['name']} updated")


@goals.command("list")
@command
def goals_list(
    limit: LimitOpt = 50, offset: OffsetOpt = 0, every: AllOpt = False, as_json: JsonOpt = False
) -> None:
    """List goals.

    Example: loop goals list --json
    """
    with client() as loop:
        show_page(loop.goals, as_json, every, "goals", GOAL_COLUMNS, limit, offset)


@goals.command("get")
@command
def goals_get(goal_id: Annotated[str, typer.Argument(help="Goal id")], as_json: JsonOpt = False) -> None:
    """Show a goal.

    Example: loop goals get 01J9Z3G5…
    """
    with client() as loop:
        show_item(loop.goals.get(goal_id), as_json=as_json)


@goals.command("create")
@command
def goals_create(
    title: Annotated[str, typer.Argument(help="Title")],
    metric: Annotated[str | None, typer.Option("--metric")] = None,
    target: Annotated[float | None, typer.Option("--target", help="Target value")] = None,
    current: Annotated[float | None, typer.Option("--current", help="Current value")] = None,
    unit: Annotated[str | None, typer.Option("--unit")] = None,
    project: Annotated[str | None, typer.Option("--project")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a goal.

    Example: loop goals create "Cut p95 latency" --metric p95_ms --target 200 --current 450 --unit ms
    """
    with client() as loop:
        made = loop.goals.create(title=title, metric=metric, targetValue=target, currentValue=current, unit=unit,
                                 projectId=project)  # fmt: skip
    print_json(made) if as_json else out.print(f"goal {made['id']} created")


@goals.command("update")
@command
def goals_update(
    goal_id: Annotated[str, typer.Argument(help="Goal id")],
    title: Annotated[str | None, typer.Option("--title")] = None,
    status: Annotated[str | None, typer.Option("--status", help="active|achieved|abandoned")] = None,
    current: Annotated[float | None, typer.Option("--current", help="Current value")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a goal.

    Example: loop goals update 01J9Z3G5… --current 310
    """
    with client() as loop:
        made = loop.goals.update(goal_id, title=title, status=status, currentValue=current)
    print_json(made) if as_json else out.print(f"goal {made['id']} updated")


# -- signals -----------------------------------------------------------------------------------------------------
SIGNAL_COLUMNS = [("id", "id"), ("source", "source"), ("type", "type"), ("severity", "severity"),
                  ("title", "title", 50), ("issue", "issueId"), ("created", "createdAt")]  # fmt: skip


@command
def signals_ingest(
    message: Annotated[str, typer.Argument(help="What happened")],
    source: Annotated[str, typer.Option("--source", help="Where it comes from")] = "manual",
    type_: Annotated[str, typer.Option("--type", help="Signal type")] = "manual-signal",
    severity: Annotated[str, typer.Option("--severity", help="low|medium|high|critical")] = "medium",
    project: Annotated[str | None, typer.Option("--project")] = None,
    payload: Annotated[
        str | None, typer.Option("--payload", help="Extra payload fields as a JSON object")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a signal; it opens (or joins) an issue in triage.

    Example: loop signals ingest "Checkout errors doubled" --severity high --source grafana
    """
    body = {"message": message, **(parse_json_option(payload, "--payload") or {})}
    with client() as loop:
        made = loop.signals.ingest(
            source=source, type=type_, severity=severity, payload=body, project_id=project
        )
    if as_json:
        print_json(made)
    else:
        issue = made.get("issue") or {}
        out.print(f"signal {made['signal']['id']} → issue #{issue.get('number')} {issue.get('id')}")


@command
def signals_list(
    source: str | None, severity: str | None, query: str | None, limit: int, as_json: bool,
    issue: str | None = None, offset: int = 0, every: bool = False,
) -> None:  # fmt: skip
    """``loop signals list`` through the API (see ``loop.cli.webhooks.list_signals``)."""
    with client() as loop:
        show_page(loop.signals, as_json, every, "signals", SIGNAL_COLUMNS, limit, offset, source=source,
              severity=severity, issueId=issue, q=query)  # fmt: skip


@command
def signals_get(
    signal_id: Annotated[str, typer.Argument(help="Signal id")], as_json: JsonOpt = False
) -> None:
    """Show one signal.

    Example: loop signals get 01J9Z3S8…
    """
    with client() as loop:
        show_item(loop.signals.get(signal_id), as_json=as_json)


# -- triage ------------------------------------------------------------------------------------------------------
@triage.callback()
@command
def triage_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Issues in triage; `accept` moves one to todo (dispatchable), `decline` cancels it.

    Example: loop triage            (then: loop triage accept ID / loop triage decline ID "duplicate")
    """
    if ctx.invoked_subcommand:
        return
    with client() as loop:
        data = collect(loop.issues.iter(status="triage"), "issues in triage")
    show_list(data, ISSUE_COLUMNS, as_json=as_json, empty="Nothing to triage.")


@triage.command("accept")
@command
def triage_accept(
    issue_id: Annotated[str, typer.Argument(help="Issue id")],
    backlog: Annotated[bool, typer.Option("--backlog", help="Move to backlog instead of todo")] = False,
    priority: Annotated[int | None, typer.Option("--priority", "-p", min=0, max=4)] = None,
) -> None:
    """Accept an issue from triage: it becomes todo (ready for dispatch), or backlog.

    Example: loop triage accept 01J9Z3K4… --priority 2
    """
    with client() as loop:
        issue = loop.issues.update(issue_id, status="backlog" if backlog else "todo", priority=priority)
    out.print(f"issue #{issue['number']} → {issue['status']}")


@triage.command("decline")
@command
def triage_decline(
    issue_id: Annotated[str, typer.Argument(help="Issue id")],
    reason: Annotated[str | None, typer.Argument(help="Why (posted as a comment)")] = None,
) -> None:
    """Decline an issue in triage: it is canceled, with the reason as a comment.

    Example: loop triage decline 01J9Z3K4… "duplicate of #12"
    """
    with client() as loop:
        issue = loop.issues.update(issue_id, status="canceled")
        if reason:
            loop.comments.create(issue_id, f"Declined: {reason}")
    out.print(f"issue #{issue['number']} → {issue['status']}")


# -- status ------------------------------------------------------------------------------------------------------
STATUSES = ["triage", "backlog", "todo", "in_progress", "done", "canceled"]


@command
def status(as_json: JsonOpt = False) -> None:
    """Where things stand: the server, issues by status, goals (and dispatch figures when the server has them).

    Example: loop status --json
    """
    with client() as loop:
        report: dict[str, Any] = {"server": loop.base_url, "health": loop.system.health()}
        try:
            report["stats"] = loop.dashboard.stats()
        except NotFound:
            counts = {s: loop.issues.list(status=s, limit=1)["total"] for s in STATUSES}
            report["stats"] = {"issues": {"total": sum(counts.values()), "byStatus": counts},
                               "goals": {"total": loop.goals.list(limit=1)["total"]}}  # fmt: skip
    if as_json:
        print_json(report)
        return
    stats = report["stats"]
    out.print(f"[bold]Loop[/bold] at {report['server']}: {'ok' if report['health'].get('ok') else 'NOT OK'}")
    issues_ = stats.get("issues", {})
    by_status = issues_.get("byStatus", {})
    out.print(
        f"Issues: {issues_.get('total', 0)}  " + "  ".join(f"{s} {by_status.get(s, 0)}" for s in STATUSES)
    )
    goals_ = stats.get("goals", {})
    out.print("Goals: " + "  ".join(f"{k} {v}" for k, v in goals_.items()))
    if "dispatch" in stats:
        out.print("Dispatch: " + "  ".join(f"{k} {v}" for k, v in stats["dispatch"].items()))


def dashboard(as_json: JsonOpt = False) -> None:
    """The same overview as `loop status` (the name the engine's own CLI uses).

    Example: loop dashboard
    """
    status(as_json=as_json)
