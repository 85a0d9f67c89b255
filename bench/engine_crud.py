"""Load check of the engine's hot reads: list issues (default page) and get issue, at 10,000 issues.

Seeds a fresh store directly through the database (one organisation, N ``todo`` issues with labels on
some), starts a real ``loop serve`` process with rate limits off, then drives it with C concurrent
keep-alive connections for a bounded time per scenario and prints requests/s, p50 and p99. ``GET /health``
(no token check, one trivial query) is measured first as the floor of the machine it runs on.

    .venv/bin/python bench/engine_crud.py                       # SQLite in a temp directory
    .venv/bin/python bench/engine_crud.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/engine_crud.py --issues 50000 --duration 20 --concurrency 32

With ``--database-url`` a scratch database is created on that server and dropped at the end; the seed ends
with ``VACUUM ANALYZE`` there, as autovacuum would have done on a live database. The SQLite store gets no
statistics (Loop never runs ANALYZE; its indexes are chosen to be picked without them).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).parent))

from loadgen import free_port, gets, install_uvloop, load, report, start_server, stop_server, store

import loop.core.ids
import loop.db.models
from loop.config import Settings
from loop.db import migrate
from loop.db.session import Database
from loop.issues.models import Issue, IssueLabel
from loop.labels.models import Label
from loop.orgs import service as orgs
from loop.orgs.models import OrgCounter
from loop.tokens.service import create_token

TYPES = ("signal", "hypothesis", "plan", "task", "monitor")


# -- store -----------------------------------------------------------------------------------------------
async def seed(settings: Settings, count: int) -> tuple[str, list[str]]:
    """Migrate, create an organisation with a token and ``count`` issues; return the token and issue ids."""
    database = Database(settings)
    try:
        await migrate.upgrade(database.engines.write)
        async with database.write() as session:
            org = await orgs.create_organisation(session, "Bench")
            user = await orgs.create_user(session, "bench@example.com")
            await orgs.add_member(session, org, user, "owner")
            _, token = await create_token(session, org_id=org.id, user_id=user.id, name="bench")
            labels = [Label(org_id=org.id, name=n, name_key=n, color="#999") for n in ("bug", "ui", "api")]
            session.add_all(labels)
            await session.flush()
        start = datetime.now(UTC) - timedelta(days=30)
        ids: list[str] = []
        rng = random.Random(7)
        for first in range(0, count, 1000):
            rows, links = [], []
            for n in range(first, min(first + 1000, count)):
                created = start + timedelta(seconds=n * 2)
                issue_id = loop.core.ids.new_id()
                ids.append(issue_id)
                rows.append(
                    {
                        "id": issue_id, "org_id": org.id, "number": n + 1, "title": f"Issue {n + 1}: fix the thing",
                        "description": "Something is broken and an agent should look at it. " * 3,
                        "type": TYPES[n % 5], "status": "todo", "priority": rng.randint(0, 4),
                        "todo_since": created, "created_at": created, "updated_at": created,
                    }
                )  # fmt: skip
                if n % 3 == 0:
                    links.append({"issue_id": issue_id, "label_id": labels[n % 3].id, "org_id": org.id})
            async with database.write() as session:
                await session.execute(insert(Issue), rows)
                if links:
                    await session.execute(insert(IssueLabel), links)
        async with database.write() as session:
            session.add(OrgCounter(org_id=org.id, name="issue_number", value=count))
        if database.dialect == "postgresql":
            # The state autovacuum keeps a live database in: statistics, and a visibility map that lets
            # counts be answered from the index alone.
            async with database.engines.write.connect() as conn:
                await (await conn.execution_options(isolation_level="AUTOCOMMIT")).exec_driver_sql(
                    "VACUUM ANALYZE"
                )
        return token, ids
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per scenario")
    parser.add_argument("--database-url", default="", help="PostgreSQL server URL (default: SQLite)")
    args = parser.parse_args()
    install_uvloop()
    secret = secrets.token_hex(32)
    with store(args.database_url) as (data_dir, database_url):
        settings = Settings(data_dir=data_dir, database_url=database_url, secret_key=secret)
        began = time.perf_counter()
        token, ids = asyncio.run(seed(settings, args.issues))
        backend = "PostgreSQL" if database_url else "SQLite"
        print(f"seeded {args.issues} issues on {backend} in {time.perf_counter() - began:.1f} s")
        port = free_port()
        server = start_server(data_dir, database_url, secret, port)
        try:
            scenarios = [
                # the floor on this machine: no token check, one trivial query
                ("baseline: GET /health", ["/health"]),
                ("list issues (default page)", ["/api/issues"]),
                (
                    "get issue",
                    [f"/api/issues/{issue_id}" for issue_id in random.sample(ids, min(500, len(ids)))],
                ),
            ]
            print(f"{args.concurrency} connections, {args.duration:.0f} s per scenario")
            for name, paths in scenarios:
                result, elapsed = asyncio.run(load(port, token, gets(paths), args.concurrency, args.duration))
                report(name, result, elapsed)
        finally:
            stop_server(server)


if __name__ == "__main__":
    main()
