"""Shared CLI plumbing: settings from options (options override ``LOOP_*`` env vars), and a database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from loop.config import Settings
from loop.db.session import Database

console = Console()
err_console = Console(stderr=True)
T = TypeVar("T")

DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (env LOOP_DATA_DIR)", show_default=False)
]
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="Database URL (env LOOP_DATABASE_URL); default: SQLite in the data dir"
    ),
]


def build_settings(
    data_dir: Path | None = None, database_url: str | None = None, **overrides: object
) -> Settings:
    values: dict[str, object] = {k: v for k, v in overrides.items() if v is not None}
    if data_dir is not None:
        values["data_dir"] = data_dir.expanduser().resolve()
    if database_url is not None:
        values["database_url"] = database_url
    return Settings(**values)  # type: ignore[arg-type]


@asynccontextmanager
async def open_database(settings: Settings, *, ready: bool = False) -> AsyncIterator[Database]:
    """A database for a command. ``ready=True``: migrate the embedded store if needed, and refuse a store whose
    schema is not the one this version of Loop expects (with the command that fixes it)."""
    database = Database(settings)
    try:
        if ready:
            from loop.core.errors import LoopError
            from loop.db import migrate

            if settings.should_auto_migrate:
                await migrate.upgrade(database.engines.write)
            current = await migrate.current_revision(database.engines.write)
            if current != migrate.head_revision():
                raise LoopError(
                    f"the database is at revision {current}, this Loop needs {migrate.head_revision()}: "
                    "run `loop db upgrade` first"
                )
        yield database
    finally:
        await database.dispose()


def run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(coro_fn())  # type: ignore[arg-type]


def fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)
