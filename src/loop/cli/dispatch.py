"""Client commands for dispatch and prompts: ``loop next``, ``loop queue``, ``loop heartbeat``, ``loop release``,
``loop templates …`` and ``loop review``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from loop.cli.remote import (
    AllOpt,
    JsonOpt,
    LimitOpt,
    OffsetOpt,
    client,
    collect,
    command,
    err,
    out,
    print_json,
    show_item,
    show_list,
)

templates = typer.Typer(help="Prompt templates and their versions.", no_args_is_help=True)


@command
def next_(
    project: Annotated[str | None, typer.Option("--project", help="Only issues of this project")] = None,
    label: Annotated[
        list[str] | None, typer.Option("--label", "-l", help="Required label name (repeatable)")
    ] = None,
    agent: Annotated[
        str | None, typer.Option("--agent", help="Your agent's name, kept on the session")
    ] = None,
    prompt_only: Annotated[
        bool, typer.Option("--prompt", help="Print only the prompt (for piping to an agent)")
    ] = False,
    key: Annotated[
        str | None,
        typer.Option(
            "--idempotency-key", help="Repeat a claim whose answer was lost: the same key, the same issue"
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Claim the next ready issue and print it with its prompt. On an empty queue: "No issues ready", exit 0.

    The claim carries an Idempotency-Key, so a retry after a network error returns the same issue rather than
    claiming another; the CLI prints whatever was claimed, never "no issues" after a claim.

    Example: loop next --agent claude --prompt | claude -p
    """
    import uuid

    from loop.client import LoopConnectionError, ServerError

    key = key or str(uuid.uuid4())
    try:
        with client() as loop:
            claim = loop.dispatch.claim(project_id=project, labels=label, agent_id=agent, idempotency_key=key)
    except (LoopConnectionError, ServerError):
        err.print(f"[yellow]The claim's answer was lost. To get the issue it may have claimed, run:[/yellow]\n"
                  f"  loop next --idempotency-key {key}", highlight=False)  # fmt: skip
        raise
    if claim is None:
        if as_json:
            print_json(None)
        else:
            out.print("No issues ready")
        return
    if as_json:
        print_json(claim)
        return
    issue = claim.get("issue") or {}
    if prompt_only:
        typer.echo(claim.get("prompt") or "")
        return
    session = claim.get("session") or {}
    out.print(
        f"[bold]Claimed #{issue.get('number')}[/bold] {issue.get('title')}  ({issue.get('id')})",
        highlight=False,
    )
    if session.get("leaseExpiresAt"):
        out.print(f"lease until {session['leaseExpiresAt']} — renew with `loop heartbeat {issue.get('id')}`")
    meta = claim.get("meta") or {}
    if meta.get("templateSlug"):
        out.print(f"template {meta['templateSlug']} v{meta.get('versionNumber')}")
    prompt = claim.get("prompt")
    out.print()
    if prompt:
        typer.echo(prompt)
    else:
        out.print("[dim](no prompt template matched this issue)[/dim]")


@command
def queue(
    project: Annotated[str | None, typer.Option("--project")] = None,
    label: Annotated[
        list[str] | None, typer.Option("--label", "-l", help="Required label name (repeatable)")
    ] = None,
    limit: LimitOpt = 20,
    offset: OffsetOpt = 0,
    every: AllOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """The dispatch queue in claim order, with scores. Claims nothing.

    Example: loop queue --limit 10
    """
    filters = {"projectId": project, "labels": label}
    with client() as loop:
        data = (collect(loop.dispatch.iter_queue(**filters), "queue") if every
                else loop.dispatch.queue(limit=limit, offset=offset, **filters))  # fmt: skip
    show_list(data, [("#", "issue.number"), ("id", "issue.id"), ("title", "issue.title", 50),
                     ("type", "issue.type"), ("pri", "issue.priority"), ("score", "score")],
              as_json=as_json, empty="No issues ready")  # fmt: skip


@command
def heartbeat(
    issue_id: Annotated[str, typer.Argument(help="The claimed issue's id")], as_json: JsonOpt = False
) -> None:
    """Renew your lease on a claimed issue.

    Example: loop heartbeat 01J9Z3K4…
    """
    with client() as loop:
        session = loop.dispatch.heartbeat(issue_id)
    print_json(session) if as_json else out.print(f"lease until {session['leaseExpiresAt']}")


@command
def release(
    issue_id: Annotated[str, typer.Argument(help="The claimed issue's id")],
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Give a claimed issue back to the queue.

    Example: loop release 01J9Z3K4… --reason "needs a human"
    """
    with client() as loop:
        session = loop.dispatch.release(issue_id, reason)
    print_json(session) if as_json else out.print(f"released ({session['status']})")


@command
def review(
    version_id: Annotated[str, typer.Argument(help="The prompt version id (from `loop next --json` meta)")],
    issue_id: Annotated[str, typer.Argument(help="The issue it was used for")],
    clarity: Annotated[int, typer.Option("--clarity", min=1, max=5)],
    completeness: Annotated[int, typer.Option("--completeness", min=1, max=5)],
    relevance: Annotated[int, typer.Option("--relevance", min=1, max=5)],
    feedback: Annotated[str | None, typer.Option("--feedback")] = None,
    human: Annotated[bool, typer.Option("--human", help="Reviewed by a person (default: agent)")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Review the prompt an agent received (feeds the template's score).

    Example: loop review 01J9ZV… 01J9Z3K4… --clarity 4 --completeness 3 --relevance 5 --feedback "missing repo path"
    """
    with client() as loop:
        made = loop.reviews.create(versionId=version_id, issueId=issue_id, clarity=clarity, completeness=completeness,
                                   relevance=relevance, feedback=feedback, authorType="human" if human else "agent")  # fmt: skip
    print_json(made) if as_json else out.print(f"review {made['id']} recorded")


TEMPLATE_COLUMNS = [("id", "id"), ("slug", "slug"), ("name", "name", 40), ("specificity", "specificity"),
                    ("active version", "activeVersionId")]  # fmt: skip


@templates.command("list")
@command
def templates_list(
    limit: LimitOpt = 50, offset: OffsetOpt = 0, every: AllOpt = False, as_json: JsonOpt = False
) -> None:
    """List prompt templates.

    Example: loop templates list
    """
    with client() as loop:
        data = (
            collect(loop.templates.iter(), "templates")
            if every
            else loop.templates.list(limit=limit, offset=offset)
        )
    show_list(data, TEMPLATE_COLUMNS, as_json=as_json, empty="No templates.")


@templates.command("get")
@command
def templates_get(
    template_id: Annotated[str, typer.Argument(help="Template id")], as_json: JsonOpt = False
) -> None:
    """Show a template, its active version and its recent versions.

    Example: loop templates get 01J9ZT…
    """
    with client() as loop:
        template = loop.templates.get(template_id)
        versions = loop.templates.versions(template_id, limit=10)
    if as_json:
        print_json({**template, "versions": versions["data"]})
        return
    show_item(template, as_json=False, fields=["id", "slug", "name", "description", "conditions", "specificity",
                                               "projectId", "activeVersionId"])  # fmt: skip
    show_list(versions, [("id", "id"), ("version", "version"), ("status", "status"), ("changelog", "changelog", 40),
                         ("created", "createdAt")], as_json=False, empty="No versions.")  # fmt: skip


@templates.command("create")
@command
def templates_create(
    slug: Annotated[str, typer.Argument(help="lowercase-with-hyphens")],
    name: Annotated[str, typer.Option("--name", help="Display name")],
    conditions: Annotated[str | None, typer.Option("--conditions", help='JSON, e.g. {"type": "bug"}')] = None,
    specificity: Annotated[int | None, typer.Option("--specificity", min=0, max=100)] = None,
    content: Annotated[
        Path | None, typer.Option("--content", help="A Handlebars file: its first version")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a prompt template (and, with --content, its first, active version).

    Example: loop templates create fix-bug --name "Fix a bug" --conditions '{"type": "task"}' --content fix.hbs
    """
    from loop.cli.remote import parse_json_option

    with client() as loop:
        made = loop.templates.create(slug=slug, name=name, conditions=parse_json_option(conditions, "--conditions"),
                                     specificity=specificity)  # fmt: skip
        if content is not None:
            made["version"] = loop.templates.create_version(made["id"], content.read_text())
    print_json(made) if as_json else out.print(f"template {made['slug']} {made['id']} created")


@templates.command("add-version")
@command
def templates_add_version(
    template_id: Annotated[str, typer.Argument(help="Template id")],
    content: Annotated[Path, typer.Argument(help="A Handlebars file", exists=True, dir_okay=False)],
    changelog: Annotated[str | None, typer.Option("--changelog")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a version (a draft, unless the template has none active yet).

    Example: loop templates add-version 01J9ZT… fix-v2.hbs --changelog "clearer steps"
    """
    with client() as loop:
        made = loop.templates.create_version(template_id, content.read_text(), changelog=changelog)
    print_json(made) if as_json else out.print(f"version {made['version']} {made['id']} ({made['status']})")


@templates.command("promote")
@command
def templates_promote(
    template_id: Annotated[str, typer.Argument(help="Template id")],
    version_id: Annotated[str, typer.Argument(help="Version id")],
    as_json: JsonOpt = False,
) -> None:
    """Make a version the active one (also how to roll back).

    Example: loop templates promote 01J9ZT… 01J9ZV…
    """
    with client() as loop:
        made = loop.templates.promote(template_id, version_id)
    print_json(made) if as_json else out.print(f"version {made['version']} is active")


@templates.command("preview")
@command
def templates_preview(
    issue_id: Annotated[str, typer.Argument(help="Issue id")], as_json: JsonOpt = False
) -> None:
    """Show the prompt dispatch would hand out for an issue (claims nothing).

    Example: loop templates preview 01J9Z3K4…
    """
    with client() as loop:
        data = loop.templates.preview(issue_id)
    if as_json:
        print_json(data)
    elif data.get("prompt"):
        out.print(f"template {(data.get('template') or {}).get('slug')}", highlight=False)
        typer.echo(data["prompt"])
    else:
        out.print(data.get("message") or "No matching template found")
