"""A job runner in a process of its own, with a test handler: ``python -m tests.jobs.worker_process URL DIR``.

Each job writes ``DIR/<job id>.<pid>.start`` when it starts and ``….done`` when it finishes, so the test can
see which process ran what, and kill one mid-job."""

import asyncio
import os
import signal
import sys
from pathlib import Path

from loop.config import Settings
from loop.db.session import Database
from loop.jobs import JobRunner, Registry
from tests.conftest import TEST_SECRET

KIND = "test.slow"


async def main(url: str, marks: Path) -> None:
    registry = Registry()

    @registry.handler(KIND, max_attempts=3, backoff_s=0)
    async def slow(ctx):
        (marks / f"{ctx.job.id}.{os.getpid()}.start").touch()
        await asyncio.sleep(0.4)
        (marks / f"{ctx.job.id}.{os.getpid()}.done").touch()

    settings = Settings(database_url=url, secret_key=TEST_SECRET, log_level="WARNING")
    database = Database(settings)
    runner = JobRunner(database, settings, registry=registry, concurrency=2, poll_interval_s=0.1, lease_s=1.0)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    runner.start()
    (marks / f"ready.{os.getpid()}").touch()
    await stop.wait()
    await runner.stop()
    await database.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2])))
