"""Background jobs and report exports: throughput figures (not run by CI).

    .venv/bin/python bench/inbox_jobs.py                                   # SQLite in a temp dir
    .venv/bin/python bench/inbox_jobs.py postgresql://postgres@127.0.0.1:5432/test   # a scratch database there

Prints: jobs per second through one runner and through two runners on separate connections (no-op handlers,
so the figure is the queue's own cost: claim, lease, complete), and the time to build a Json and an Xlsx export of
5,000 email conversations.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, insert, select

import loop.db.models  # noqa: F401
from loop.config import Settings
from loop.core.logging import configure_logging
from loop.db import migrate
from loop.db.session import Database
from loop.inbox import render
from loop.inbox.models import Draft
from loop.inbox.sources import ExportQuery, collect
from loop.jobs import Job, JobRunner, Registry, enqueue
from loop.orgs import service as orgs

JOBS = 2000
CONVERSATIONS = 5000


async def _jobs(settings: Settings, runners: int) -> float:
    registry = Registry()

    @registry.handler("bench.noop", max_attempts=1)
    async def noop(ctx) -> None:
        return None

    databases = [Database(settings) for _ in range(runners)]
    try:
        async with databases[0].write() as session:
            for i in range(JOBS):
                await enqueue(session, None, "bench.noop", {"i": i}, max_attempts=1)
        started = time.perf_counter()
        workers = [
            JobRunner(db, settings, registry=registry, concurrency=4, poll_interval_s=0.05)
            for db in databases
        ]
        for worker in workers:
            worker.start()
        try:
            while True:
                async with databases[0].read() as session:
                    done = (
                        await session.execute(
                            select(func.count()).select_from(Job).where(Job.status == "done")
                        )
                    ).scalar_one()
                if done >= JOBS:
                    break
                await asyncio.sleep(0.02)
        finally:
            for worker in workers:
                await worker.stop()
        elapsed = time.perf_counter() - started
        async with databases[0].write() as session:
            await session.execute(delete(Job))
        return JOBS / elapsed
    finally:
        for db in databases:
            await db.dispose()


async def _exports(settings: Settings) -> tuple[float, float, int]:
    database = Database(settings)
    try:
        async with database.write() as session:
            org = await orgs.create_organisation(session, "Bench")
            user = await orgs.create_user(session, f"{secrets.token_hex(4)}@example.com")
            await orgs.add_member(session, org, user, "owner")
            base = datetime(2026, 1, 1, tzinfo=UTC)
            rows = []
            for i in range(CONVERSATIONS):
                at = base + timedelta(minutes=i)
                rows.append(
                    {
                        "id": f"bench-{i:06d}",
                        "org_id": org.id,
                        "author_id": user.id,
                        "conversation_id": f"conv-{i:06d}",
                        "subject": f"Conversation {i}",
                        "body": "Hello",
                        "to_fields": [{"address": f"c{i}@example.com", "name": None}],
                        "cc_fields": [],
                        "bcc_fields": [],
                        "message_references": [],
                        "labels": ["vip"] if i % 3 == 0 else [],
                        "user_ids": [],
                        "status": "sent" if i % 2 else "draft",
                        "attachment_count": 0,
                        "attachment_bytes": 0,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
            await session.execute(insert(Draft), rows)
        query = ExportQuery.build(org.id, base, base + timedelta(days=30))
        from zoneinfo import ZoneInfo

        zone = ZoneInfo("Europe/Paris")
        started = time.perf_counter()
        async with database.read() as session:
            found = await collect(session, query)
        data = render.to_json(found, zone)
        json_s = time.perf_counter() - started
        started = time.perf_counter()
        async with database.read() as session:
            found = await collect(session, query)
        render.to_xlsx(found, zone, {"rows": len(found)})
        xlsx_s = time.perf_counter() - started
        assert len(found) == CONVERSATIONS, len(found)
        return json_s, xlsx_s, len(data)
    finally:
        await database.dispose()


async def main(url: str | None) -> None:
    configure_logging("WARNING", "json")
    tmp = Path(tempfile.mkdtemp(prefix="loop-bench-"))
    name = None
    if url:
        import psycopg
        from sqlalchemy.engine import make_url

        from loop.config import normalise_database_url

        name = f"loop_bench_{secrets.token_hex(4)}"
        admin = make_url(normalise_database_url(url)).set(drivername="postgresql")
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        db_url = (
            make_url(normalise_database_url(url)).set(database=name).render_as_string(hide_password=False)
        )
    else:
        db_url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    settings = Settings(database_url=db_url, data_dir=tmp, secret_key="bench", log_level="WARNING")
    try:
        database = Database(settings)
        await migrate.upgrade(database.engines.write)
        await database.dispose()
        backend = "PostgreSQL" if url else "SQLite"
        one = await _jobs(settings, 1)
        two = await _jobs(settings, 2)
        print(f"{backend}: {JOBS} no-op jobs, one runner (4 at once): {one:,.0f} jobs/s")
        print(f"{backend}: {JOBS} no-op jobs, two runners on separate connections: {two:,.0f} jobs/s")
        json_s, xlsx_s, size = await _exports(settings)
        print(
            f"{backend}: export of {CONVERSATIONS} conversations: Json {json_s:.2f} s ({size / 1e6:.1f} MB), Xlsx {xlsx_s:.2f} s"
        )
    finally:
        if name:
            with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else None))
