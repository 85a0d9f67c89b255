"""``loop worker``: run background jobs in a process of their own (beside or instead of the servers' own
runners, see ``LOOP_JOBS_IN_PROCESS``)."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import typer

from loop.cli.common import DatabaseUrlOption, DataDirOption, build_settings, console, fail
from loop.config import Settings
from loop.core.errors import LoopError
from loop.core.logging import configure_logging


async def _work(settings: Settings, concurrency: int | None) -> None:
    from loop.cli.common import open_database
    from loop.jobs.registry import load_handlers
    from loop.jobs.runner import JobRunner

    registry = load_handlers()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with open_database(settings, ready=True) as database:
        runner = JobRunner(database, settings, registry=registry, concurrency=concurrency)
        runner.start()
        console.print(f"worker {runner.worker_id} running jobs: {', '.join(registry.names())}")
        try:
            await stop.wait()
        finally:
            await runner.stop()
    console.print("worker stopped")


def worker(
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", min=1, help="Jobs run at once (env LOOP_JOBS_CONCURRENCY)")
    ] = None,
) -> None:
    """Run background jobs (report exports, email delivery) until interrupted.

    Example: LOOP_DATABASE_URL=postgresql://loop@db/loop LOOP_SECRET_KEY=… loop worker --concurrency 4
    """
    settings = build_settings(data_dir, database_url)
    configure_logging(settings.log_level, settings.log_format)
    try:
        settings.resolved_secret_key()
        asyncio.run(_work(settings, concurrency))
    except LoopError as exc:
        raise fail(exc.message) from exc
    except (RuntimeError, ValueError) as exc:
        raise fail(str(exc)) from exc
