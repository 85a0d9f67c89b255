"""``loop webhooks`` and ``loop signals``: configure provider webhooks and read signals, triage rules and
settings directly in the local store (no server needed)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from loop.cli.common import (
    DatabaseUrlOption,
    DataDirOption,
    build_settings,
    console,
    fail,
    open_database,
    run,
)
from loop.core.clock import iso
from loop.core.errors import LoopError
from loop.orgs.repository import OrgRepository
from loop.signals import service, triage, webhooks

webhooks_app = typer.Typer(
    help="Provider webhooks (GitHub, Sentry, PostHog): secrets, URLs, project mappings.", no_args_is_help=True
)
signals_app = typer.Typer(help="Signals, triage rules and the deduplication window.", no_args_is_help=True)

OrgOption = Annotated[str | None, typer.Option("--org", help="Organisation id (default: the first one)")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]
ProviderArg = Annotated[str, typer.Argument(help="github | sentry | posthog")]


def register(app: typer.Typer) -> None:
    app.add_typer(webhooks_app, name="webhooks")
    app.add_typer(signals_app, name="signals")


async def _org_id(session: Any, org: str | None) -> str:
    repo = OrgRepository(session)
    found = await repo.get(org) if org else await repo.first()
    if found is None:
        raise LoopError(
            "No such organisation" if org else "The store has no organisation yet: run `loop serve` once"
        )
    return found.id


def _go(settings: Any, work: Any, *, write: bool) -> Any:
    async def _run() -> Any:
        async with open_database(settings, ready=True) as database:
            unit = database.write() if write else database.read()
            async with unit as session:
                return await work(session, database)

    try:
        return run(_run)
    except LoopError as exc:
        raise fail(exc.message) from exc


def _print_json(value: Any) -> None:
    console.print_json(json.dumps(value, default=iso))


# -- loop webhooks ------------------------------------------------------------------------------------------
@webhooks_app.command("list")
def list_webhooks(
    org: OrgOption = None,
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Show each provider: configured or not, and the URL to give it.

    Example: loop webhooks list
    """
    settings = build_settings(data_dir, database_url)

    async def work(session: Any, database: Any) -> Any:
        return await webhooks.list_webhooks(session, await _org_id(session, org), settings.base_url)

    rows = _go(settings, work, write=False)
    if as_json:
        _print_json(rows)
        return
    table = Table("provider", "configured", "signature header", "url")
    for row in rows:
        table.add_row(
            row["provider"], "yes" if row["configured"] else "no", row["signatureHeader"], row["url"]
        )
    console.print(table)


@webhooks_app.command("set")
def set_secret(
    provider: ProviderArg,
    secret: Annotated[
        str | None, typer.Option("--secret", help="The secret (Sentry: the integration's client secret)")
    ] = None,
    generate: Annotated[
        bool, typer.Option("--generate", help="Generate a random secret and print it")
    ] = False,
    org: OrgOption = None,
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Set a provider's webhook secret and print the URL to configure at the provider.

    Example: loop webhooks set github --secret "$GITHUB_WEBHOOK_SECRET"
    """
    if (secret is None) == (not generate):
        raise fail("give --secret <value> or --generate")
    settings = build_settings(data_dir, database_url)

    async def work(session: Any, database: Any) -> Any:
        return await webhooks.set_secret(
            session,
            await _org_id(session, org),
            provider,
            secret,
            server_key=database.secret_key,
            base_url=settings.base_url,
            is_admin=True,
        )

    data = _go(settings, work, write=True)
    if as_json:
        _print_json(data)
        return
    console.print(f"{data['name']} webhook configured. URL: {data['url']}", soft_wrap=True, highlight=False)
    console.print(f"The provider must send {data['signatureHeader']}.", highlight=False)
    if data.get("secret"):
        console.print("Secret (shown once):")
        console.print(data["secret"], soft_wrap=True, highlight=False)


@webhooks_app.command("unset")
def unset_secret(
    provider: ProviderArg,
    org: OrgOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Remove a provider's secret: its endpoint answers 404 until a secret is set again.

    Example: loop webhooks unset posthog
    """
    settings = build_settings(data_dir, database_url)

    async def work(session: Any, database: Any) -> None:
        await webhooks.remove_secret(session, await _org_id(session, org), provider, is_admin=True)

    _go(settings, work, write=True)
    console.print(f"{provider} webhook disabled")


@webhooks_app.command("map")
def map_project(
    provider: ProviderArg,
    external: Annotated[
        str, typer.Argument(help="owner/repo, Sentry project slug or id, PostHog project id")
    ],
    project: Annotated[str, typer.Option("--project", help="The Loop project id")],
    org: OrgOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Route a provider's project to a Loop project.

    Example: loop webhooks map github octo-org/web-app --project <project id>
    """
    settings = build_settings(data_dir, database_url)

    async def work(session: Any, database: Any) -> Any:
        return await webhooks.create_mapping(
            session, await _org_id(session, org), provider=provider, external=external, project_id=project
        )

    data = _go(settings, work, write=True)
    console.print(
        f"{data['provider']} {data['external']} → project {data['projectId']} (mapping {data['id']})"
    )


@webhooks_app.command("mappings")
def list_mappings(
    org: OrgOption = None,
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """List provider projects mapped to Loop projects.

    Example: loop webhooks mappings
    """
    settings = build_settings(data_dir, database_url)

    async def work(session: Any, database: Any) -> Any:
        return await webhooks.list_mappings(session, await _org_id(session, org), None)

    rows = _go(settings, work, write=False)
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "provider", "external", "project")
    for row in rows:
        table.add_row(row["id"], row["provider"], row["external"], row["projectId"])
    console.print(table)


@webhooks_app.command("unmap")
def unmap(
    mapping_id: Annotated[str, typer.Argument(help="The mapping id (see `loop webhooks mappings`)")],
    org: OrgOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Remove a mapping.

    Example: loop webhooks unmap <mapping id>
    """
    settings = build_settings(data_dir, database_url)

    async def work(session: Any, database: Any) -> None:
        await webhooks.delete_mapping(session, await _org_id(session, org), mapping_id)

    _go(settings, work, write=True)
    console.print("mapping removed")


# -- loop signals -------------------------------------------------------------------------------------------
@signals_app.command("list")
def list_signals(
    source: Annotated[str | None, typer.Option("--source", help="Comma list, e.g. sentry,github")] = None,
    severity: Annotated[str | None, typer.Option("--severity", help="Comma list, e.g. critical,high")] = None,
    query: Annotated[str | None, typer.Option("--q", help="Text in the title or payload")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200)] = 20,
    org: OrgOption = None,
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """The newest signals.

    Example: loop signals list --source sentry --severity critical,high
    """
    from loop.cli.remote import use_api

    if use_api(False, org, data_dir, database_url):
        from loop.cli.engine import signals_list

        signals_list(source, severity, query, limit, as_json)
        return
    settings = build_settings(data_dir, database_url)

    async def work(session: Any, database: Any) -> Any:
        filters = service.parse_filters(
            source=source, type=None, severity=severity, issue_id=None, project_id=None,
            since=None, until=None, q=query,
        )  # fmt: skip
        return await service.list_signals(
            session, await _org_id(session, org), filters, limit=limit, offset=0
        )

    rows, total = _go(settings, work, write=False)
    if as_json:
        _print_json({"data": rows, "total": total})
        return
    table = Table("received", "source", "type", "severity", "title", "issue", "repeat")
    for row in rows:
        table.add_row(
            iso(row["createdAt"]), row["source"], row["type"], row["severity"], row["title"], row["issueId"],
            "yes" if row["duplicate"] else "",
        )  # fmt: skip
    console.print(table)
    console.print(f"{len(rows)} of {total}")


@signals_app.command("rules")
def list_rules(
    org: OrgOption = None,
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """The triage rules, in the order they are tried (the first match wins).

    Example: loop signals rules
    """
    settings = build_settings(data_dir, database_url)

    async def work(session: Any, database: Any) -> Any:
        return [
            triage.rule_to_api(rule) for rule in await triage.list_rules(session, await _org_id(session, org))
        ]

    rows = _go(settings, work, write=False)
    if as_json:
        _print_json(rows)
        return
    table = Table("#", "name", "enabled", "match", "action")
    for row in rows:
        match = ", ".join(f"{k}={v}" for k, v in row["match"].items() if v) or "every signal"
        action = ", ".join(f"{k}={v}" for k, v in row["action"].items() if v not in (None, []))
        table.add_row(str(row["position"]), row["name"], "yes" if row["enabled"] else "no", match, action)
    console.print(table)


@signals_app.command("window")
def window(
    hours: Annotated[
        float | None, typer.Option("--hours", min=0, max=720, help="New window; 0 turns deduplication off")
    ] = None,
    org: OrgOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Show or change the deduplication window.

    Example: loop signals window --hours 6
    """
    settings = build_settings(data_dir, database_url)

    async def work(session: Any, database: Any) -> Any:
        org_id = await _org_id(session, org)
        if hours is None:
            return await service.get_settings(session, org_id)
        return await service.update_settings(session, org_id, dedup_window_s=round(hours * 3600))

    data = _go(settings, work, write=hours is not None)
    seconds = data["dedupWindowSeconds"]
    console.print(
        f"deduplication window: {seconds / 3600:g} h ({seconds} s)" if seconds else "deduplication: off"
    )
