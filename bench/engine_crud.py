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
import contextlib
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.engine import make_url

import loop.core.ids
import loop.db.models
from loop.config import Settings, normalise_database_url
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


@contextlib.contextmanager
def store(database_url: str | None):
    """A scratch data directory, and a scratch PostgreSQL database when a server URL is given."""
    data_dir = Path(tempfile.mkdtemp(prefix="loop-bench-"))
    name = None
    admin = None
    try:
        if not database_url:
            yield data_dir, ""
            return
        import psycopg

        url = make_url(normalise_database_url(database_url))
        admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
        name = f"loop_bench_{secrets.token_hex(4)}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        yield data_dir, url.set(database=name).render_as_string(hide_password=False)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if name and admin:
            import psycopg

            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- server ----------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data_dir: Path, database_url: str, secret: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LOOP_RATE_LIMIT_ENABLED": "false",
        "LOOP_ACCESS_LOG": "false",
        "LOOP_LOG_LEVEL": "WARNING",
        "LOOP_SECRET_KEY": secret,
    }
    command = [
        str(Path(sys.executable).parent / "loop"),
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    if database_url:
        command += ["--database-url", database_url]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read().decode() if process.stderr else ''}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return process
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start in 30 s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- load ------------------------------------------------------------------------------------------------
@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


async def _worker(port: int, token: str, paths: list[str], until: float, result: Result) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    rng = random.Random()
    head = f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\nAccept: application/json\r\n\r\n"
    try:
        while time.perf_counter() < until:
            path = paths[rng.randrange(len(paths))]
            started = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\n{head}".encode())
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            await reader.readexactly(length)
            result.latencies.append(time.perf_counter() - started)
            status = int(status_line.split()[1])
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status != 200:
                result.errors += 1
    finally:
        writer.close()


async def load(
    port: int, token: str, paths: list[str], concurrency: int, duration: float
) -> tuple[Result, float]:
    result = Result()
    # warm-up: connections, caches, prepared plans
    warm = time.perf_counter() + 1.0
    await asyncio.gather(*(_worker(port, token, paths, warm, Result()) for _ in range(concurrency)))
    started = time.perf_counter()
    await asyncio.gather(
        *(_worker(port, token, paths, started + duration, result) for _ in range(concurrency))
    )
    return result, time.perf_counter() - started


def report(name: str, result: Result, elapsed: float) -> None:
    lat = sorted(result.latencies)
    if not lat:
        print(f"{name:<28} no responses")
        return
    p50 = statistics.median(lat) * 1000
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    print(
        f"{name:<28} {len(lat) / elapsed:8.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   "
        f"({len(lat)} requests, {result.errors} non-200: {result.statuses})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per scenario")
    parser.add_argument("--database-url", default="", help="PostgreSQL server URL (default: SQLite)")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
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
                result, elapsed = asyncio.run(load(port, token, paths, args.concurrency, args.duration))
                report(name, result, elapsed)
        finally:
            stop_server(server)


if __name__ == "__main__":
    main()
