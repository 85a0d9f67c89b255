"""``loop db``: migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from loop.cli.common import DatabaseUrlOption, DataDirOption, build_settings, console, open_database, run
from loop.db import migrate

app = typer.Typer(help="Database migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision")] = "head",
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Apply migrations up to REVISION (default: the newest).

    Example: LOOP_DATABASE_URL=postgresql://loop@db/loop loop db upgrade
    """
    settings = build_settings(data_dir, database_url)

    async def _go() -> str | None:
        async with open_database(settings) as database:
            await migrate.upgrade(database.engines.write, revision)
            return await migrate.current_revision(database.engines.write)

    current = run(_go)
    console.print(f"database at revision [bold]{current}[/bold]")


@app.command("current")
def current(data_dir: DataDirOption = None, database_url: DatabaseUrlOption = None) -> None:
    """Show the database's revision and the newest one this version of Loop knows.

    Example: loop db current
    """
    settings = build_settings(data_dir, database_url)

    async def _go() -> str | None:
        async with open_database(settings) as database:
            return await migrate.current_revision(database.engines.write)

    console.print(f"current: {run(_go)}\nhead:    {migrate.head_revision()}")


@app.command("revision", hidden=True)
def revision(
    message: Annotated[str, typer.Option("-m", "--message", help="What the migration does")],
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Write a new migration from the models (for Loop's own developers).

    Example: loop db revision -m "add signals" --data-dir /tmp/scratch
    """
    settings = build_settings(data_dir, database_url)

    async def _go() -> None:
        async with open_database(settings) as database:
            await migrate.upgrade(database.engines.write)
            await migrate.autogenerate(database.engines.write, message)

    run(_go)
