"""``loop tokens``: manage API tokens, through a server's API (when a token is configured: ``loop auth login``
or ``LOOP_TOKEN``) or directly in the local store (``--local``, ``--data-dir``/``--database-url``/``--org``,
or when no token is configured: no server needed)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated

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
from loop.cli.remote import use_api as _use_api
from loop.core.clock import iso, utcnow
from loop.core.errors import LoopError
from loop.orgs.repository import OrgRepository
from loop.tokens import service

app = typer.Typer(
    help="Create, list and revoke API tokens (through the API when logged in, else in the local store).",
    no_args_is_help=True,
)

OrgOption = Annotated[str | None, typer.Option("--org", help="Organisation id (default: the first one)")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]
LocalOption = Annotated[
    bool, typer.Option("--local", help="Use the local store even when an API token is configured")
]


async def _org_id(session, org: str | None) -> str:  # type: ignore[no-untyped-def]
    repo = OrgRepository(session)
    found = await repo.get(org) if org else await repo.first()
    if found is None:
        raise LoopError(
            "No such organisation" if org else "The store has no organisation yet: run `loop serve` once"
        )
    return found.id


@app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", "-n", help='A descriptive name, e.g. "CI Pipeline"')],
    fmt: Annotated[str, typer.Option("--format", help="tok | loop | looped_live | looped_test")] = "tok",
    preset: Annotated[str | None, typer.Option("--preset", help="write-all | read-all | restricted")] = None,
    scope: Annotated[list[str] | None, typer.Option("--scope", "-s", help="A scope (repeatable)")] = None,
    expires_in_days: Annotated[int | None, typer.Option("--expires-in-days", min=1)] = None,
    rate_limit: Annotated[
        str | None, typer.Option("--rate-limit", help='e.g. "600/minute;50000/day"')
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Email of the user it acts as (default: owner)")
    ] = None,
    org: OrgOption = None,
    as_json: JsonOption = False,
    local: LocalOption = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Create a token and print it once.

    Example: loop tokens create --name "CI Pipeline" --preset read-all --expires-in-days 90
    """
    if _use_api(local, org, user, data_dir, database_url):
        from loop.cli.api_tokens import create_via_api

        create_via_api(name, fmt, preset, scope, expires_in_days, rate_limit, as_json)
        return
    settings = build_settings(data_dir, database_url)

    async def _go():  # type: ignore[no-untyped-def]
        async with open_database(settings, ready=True) as database, database.write() as session:
            org_id = await _org_id(session, org)
            repo = OrgRepository(session)
            account = await repo.user_by_email(user) if user else await repo.owner_of(org_id)
            if account is None or await repo.membership(org_id, account.id) is None:
                raise LoopError(
                    f"No member {user!r} in this organisation" if user else "Organisation has no owner"
                )
            expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
            credential, token = await service.create_token(
                session, org_id=org_id, user_id=account.id, name=name, fmt=fmt, preset=preset,
                scopes=scope, expires_at=expires, rate_limit=rate_limit,
            )  # fmt: skip
            return service.to_api(credential), token

    try:
        data, token = run(_go)
    except LoopError as exc:
        raise fail(exc.message) from exc
    if as_json:
        console.print_json(json.dumps({**data, "token": token}, default=iso))
        return
    console.print(
        f"Token [bold]{data['name']}[/bold] ({data['prefix']}…, scopes: {', '.join(data['scopes'])})"
    )
    console.print("Copy it now, it will not be shown again:")
    console.print(token, soft_wrap=True, highlight=False)


@app.command("list")
def list_(
    include_revoked: Annotated[bool, typer.Option("--all", help="Include revoked tokens")] = False,
    org: OrgOption = None,
    as_json: JsonOption = False,
    local: LocalOption = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """List tokens by name and prefix.

    Example: loop tokens list --all
    """
    if _use_api(local, org, data_dir, database_url):
        from loop.cli.api_tokens import list_via_api

        list_via_api(include_revoked, as_json)
        return
    settings = build_settings(data_dir, database_url)

    async def _go():  # type: ignore[no-untyped-def]
        async with open_database(settings, ready=True) as database, database.read() as session:
            org_id = await _org_id(session, org)
            rows, _ = await service.list_tokens(
                session, org_id, include_revoked=include_revoked, limit=1000, offset=0
            )
            return [service.to_api(row) for row in rows]

    try:
        rows = run(_go)
    except LoopError as exc:
        raise fail(exc.message) from exc
    if as_json:
        console.print_json(json.dumps(rows, default=iso))
        return
    table = Table("id", "name", "prefix", "scopes", "expires", "last used", "revoked")
    for row in rows:
        table.add_row(
            row["id"], row["name"], row["prefix"] + "…", ", ".join(row["scopes"]),
            iso(row["expires_at"]) or "never", iso(row["last_used_at"]) or "never", iso(row["revoked_at"]) or "",
        )  # fmt: skip
    console.print(table)


@app.command("revoke")
def revoke(
    token: Annotated[str, typer.Argument(help="The token's id, or its prefix as listed")],
    org: OrgOption = None,
    local: LocalOption = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Revoke a token: it stops working on the next request, on every surface.

    Example: loop tokens revoke tok_1a2b3c4d
    """
    if _use_api(local, org, data_dir, database_url):
        from loop.cli.api_tokens import revoke_via_api

        revoke_via_api(token)
        return
    settings = build_settings(data_dir, database_url)

    async def _go():  # type: ignore[no-untyped-def]
        async with open_database(settings, ready=True) as database, database.write() as session:
            org_id = await _org_id(session, org)
            token_id = token
            if "_" in token:  # a prefix such as tok_1a2b3c4d
                matches = await service.find_by_prefix(session, org_id, token.rstrip("…"))
                if len(matches) != 1:
                    raise LoopError(
                        "No token has that prefix" if not matches else "Several tokens match; use the id"
                    )
                token_id = matches[0].id
            return service.to_api(await service.revoke_token(session, org_id, token_id))

    try:
        data = run(_go)
    except LoopError as exc:
        raise fail(exc.message) from exc
    console.print(f"revoked {data['name']} ({data['prefix']}…)")
