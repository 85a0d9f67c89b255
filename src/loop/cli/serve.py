"""``loop serve``: migrate the embedded store, bootstrap an empty one, and run the HTTP server."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from loop.cli.common import DatabaseUrlOption, build_settings, console, fail, open_database, run
from loop.config import Settings
from loop.core.errors import LoopError
from loop.orgs.service import Bootstrap, bootstrap
from loop.web.passwords import generate_password
from loop.web.sessions import set_password


async def prepare(settings: Settings) -> Bootstrap | None:
    """Migrate when allowed, refuse to start on a schema this version does not know, bootstrap if empty.

    On first start the owner also gets a generated dashboard password (returned once, never stored in clear)."""
    async with open_database(settings, ready=True) as database, database.write() as session:
        boot = await bootstrap(session)
        if boot is not None:
            boot.dashboard_password = generate_password()
            await set_password(session, boot.owner, boot.dashboard_password)
        return boot


def print_welcome(settings: Settings, boot: Bootstrap | None) -> None:
    base = settings.base_url
    console.print(f"[bold]Loop[/bold] on {base}  (store: {_store(settings)})")
    console.print(f"  API reference  {base}/docs")
    console.print(f"  OpenAPI        {base}/openapi.json")
    console.print(f"  Health         {base}/health")
    console.print(f"  Dashboard      {base}/app")
    if boot is None:
        return
    console.print()
    console.print(f"First start: created organisation [bold]{boot.organisation.name}[/bold] (plan business)")
    console.print(f"and its owner {boot.owner.email}. Your API token (shown once, keep it safe):")
    console.print()
    # Plain prints: the token lines must never be wrapped or re-coloured (people copy them).
    print(f"Token: {boot.token}", flush=True)
    if boot.dashboard_password:
        print()
        print(
            f"Dashboard: {base}/app  sign in as {boot.owner.email} with password: {boot.dashboard_password}"
        )
    print()
    print("Next steps:")
    print(f'  export LOOP_URL={base} LOOP_TOKEN="{boot.token}"')
    print('  curl -H "Authorization: Bearer $LOOP_TOKEN" $LOOP_URL/api/v1/tokens')
    print("  loop tokens create --name 'my agent'     # more tokens; see `loop tokens --help`")
    print(flush=True)


def _store(settings: Settings) -> str:
    if settings.is_embedded:
        return f"SQLite {settings.effective_database_url.split(':///', 1)[-1]}"
    return "PostgreSQL"


def serve(
    host: Annotated[str | None, typer.Option("--host", help="Interface to bind (env LOOP_HOST)")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (env LOOP_PORT)")] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Data directory (env LOOP_DATA_DIR)")
    ] = None,
    database_url: DatabaseUrlOption = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Server processes (PostgreSQL recommended)")
    ] = 1,
) -> None:
    """Start the server. On an empty data directory, create the organisation and print a first token.

    Example: loop serve --port 5667 --data-dir ./loop-data
    """
    log_format = None if "LOOP_LOG_FORMAT" in os.environ else ("console" if sys.stderr.isatty() else "json")
    settings = build_settings(data_dir, database_url, host=host, port=port, log_format=log_format)
    if log_format:
        os.environ["LOOP_LOG_FORMAT"] = log_format
    # Worker processes rebuild settings from the environment: hand them what the options chose.
    os.environ["LOOP_HOST"] = settings.host
    os.environ["LOOP_PORT"] = str(settings.port)
    os.environ["LOOP_DATA_DIR"] = str(settings.data_dir)
    if database_url:
        os.environ["LOOP_DATABASE_URL"] = database_url
    try:
        settings.resolved_secret_key()
        boot = run(lambda: prepare(settings))
    except LoopError as exc:
        raise fail(exc.message) from exc
    except (RuntimeError, ValueError) as exc:
        raise fail(str(exc)) from exc
    print_welcome(settings, boot)
    common = {"host": settings.host, "port": settings.port, "log_config": None, "access_log": False}
    if workers > 1:
        uvicorn.run("loop.app:create_app", factory=True, workers=workers, **common)  # type: ignore[arg-type]
        return
    from loop.app import create_app

    uvicorn.run(create_app(settings), **common)  # type: ignore[arg-type]
