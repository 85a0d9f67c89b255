"""Dispatch claim latency and throughput against a real ``loop serve`` process, at several queue sizes.

For each N (default 1,000, 10,000 and 100,000) a fresh store is seeded directly through the database with N
``todo`` issues (random priority, type and age, inserted in bulk), a ``loop serve`` process is started on it,
and C concurrent keep-alive connections (default 32) each ``POST /api/dispatch/claim`` in a loop until a
fixed number of claims (default 2,000, or N if smaller) has been made; then 100 claims over one connection
give the latency of a claim that does not queue behind others. It prints p50 / p99 latency and
claims/s per N, then the ratio of the largest N to the smallest. Every claim renders the issue's prompt with
the default ``task-execution``-style templates, as a real agent would receive it.

    .venv/bin/python bench/dispatch_claim.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/dispatch_claim.py                       # SQLite in a temp directory
    .venv/bin/python bench/dispatch_claim.py --sizes 1000,10000 --claims 1000 --concurrency 16

With ``--database-url`` a scratch database is created on that server per N and dropped at the end; the seed
ends with ``VACUUM ANALYZE`` there.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from engine_crud import free_port, start_server, stop_server, store

from loop.config import Settings
from loop.db import migrate
from loop.db.session import Database
from loop.dispatch.bulk import insert_todo_issues
from loop.orgs import service as orgs
from loop.tokens.service import create_token


async def seed(settings: Settings, count: int) -> str:
    database = Database(settings)
    try:
        await migrate.upgrade(database.engines.write)
        async with database.write() as session:
            org = await orgs.create_organisation(session, "Bench")
            user = await orgs.create_user(session, "bench@example.com")
            await orgs.add_member(session, org, user, "owner")
            _, token = await create_token(session, org_id=org.id, user_id=user.id, name="bench")
        for start in range(0, count, 10_000):
            async with database.write() as session:
                await insert_todo_issues(session, org.id, min(10_000, count - start), seed=start + 1)
        if database.dialect == "postgresql":
            async with database.engines.write.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.exec_driver_sql("VACUUM ANALYZE")
                await autocommit.exec_driver_sql("CHECKPOINT")  # the seed's writes are not flushed mid-run
        return token
    finally:
        await database.dispose()


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)


async def _worker(port: int, token: str, budget: list[int], result: Result) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (
        f"POST /api/dispatch/claim HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Content-Length: 0\r\nAccept: application/json\r\n\r\n"
    ).encode()
    try:
        while budget[0] > 0:
            budget[0] -= 1
            started = time.perf_counter()
            writer.write(request)
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
            if status == 204:
                return
    finally:
        writer.close()


async def run(port: int, token: str, claims: int, concurrency: int) -> tuple[Result, float]:
    result = Result()
    budget = [claims]
    started = time.perf_counter()
    await asyncio.gather(*(_worker(port, token, budget, result) for _ in range(concurrency)))
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--claims", type=int, default=2000, help="claims measured per size")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--database-url", default="", help="PostgreSQL server URL (default: SQLite)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    figures = []
    for size in sizes:
        secret = secrets.token_hex(32)
        with store(args.database_url) as (data_dir, database_url):
            settings = Settings(data_dir=data_dir, database_url=database_url, secret_key=secret)
            began = time.perf_counter()
            token = asyncio.run(seed(settings, size))
            backend = "PostgreSQL" if database_url else "SQLite"
            print(f"N={size}: seeded on {backend} in {time.perf_counter() - began:.1f} s", flush=True)
            port = free_port()
            server = start_server(data_dir, database_url, secret, port)
            try:
                asyncio.run(run(port, token, 50, 4))  # warm-up: connections, caches
                result, elapsed = asyncio.run(
                    run(port, token, min(args.claims, size - 150), args.concurrency)
                )
                single, _ = asyncio.run(run(port, token, 100, 1))
            finally:
                stop_server(server)
        lat = sorted(result.latencies)
        p50 = statistics.median(lat) * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        rate = result.statuses.get(200, 0) / elapsed
        figures.append((size, p50, p99, rate))
        one = sorted(single.latencies)
        print(
            f"N={size:>7}  {rate:7.0f} claims/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   "
            f"({len(lat)} requests, {args.concurrency} connections, statuses {result.statuses});   "
            f"one connection: p50 {statistics.median(one) * 1000:.1f} ms, "
            f"p99 {one[min(len(one) - 1, int(len(one) * 0.99))] * 1000:.1f} ms",
            flush=True,
        )
    if len(figures) > 1:
        small, large = figures[0], figures[-1]
        print(
            f"N={large[0]} vs N={small[0]}: p50 ×{large[1] / small[1]:.2f}, claims/s ×{large[3] / small[3]:.2f}"
        )


if __name__ == "__main__":
    main()
