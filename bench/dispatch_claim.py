"""Dispatch claim latency and throughput against a real ``loop serve`` process, at several queue sizes.

For each N (default 1,000, 10,000 and 100,000) a fresh store is seeded directly through the database with N
``todo`` issues (random priority, type and age; every other issue carries one or two labels), a ``loop
serve`` process is started on it, and three loads ``POST /api/dispatch/claim`` with 32 keep-alive connections
(``--concurrency``):

- **saturated**: every connection sends its next claim as soon as the last one answers, so the server is
  always busy: this gives the throughput (claims/s). Latency here is mostly waiting in line: with C requests
  always in flight, p50 ≈ C / throughput (Little's law).
- **paced**: the same connections, with claims arriving at random (Poisson) moments at ``--rate`` claims/s
  in all, below what the server can do: the latency 32 agents see when they are not all claiming at once.
  A claim that falls due while its connection is still busy counts its latency from the moment it fell due,
  so the wait shows; otherwise from when it is sent. The p50 counted from the due moment in every case (this
  client's own lateness in sending included) is printed beside it.
- **one connection**: one claim at a time: the cost of a claim with no one else on the server.

Every claim renders the issue's prompt with the default templates, as a real agent receives it. It prints
each figure per N, then how the largest N compares with the smallest.

    .venv/bin/python bench/dispatch_claim.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/dispatch_claim.py                       # SQLite in a temp directory
    .venv/bin/python bench/dispatch_claim.py --sizes 1000,10000 --claims 1000 --rate 50 --workers 2

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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from loadgen import Request, Result, free_port, paced, send, start_server, stop_server, store
from sqlalchemy import insert

from loop.config import Settings
from loop.db import migrate
from loop.db.session import Database
from loop.dispatch.bulk import insert_todo_issues
from loop.issues.models import IssueLabel
from loop.labels.models import Label
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
            labels = [Label(org_id=org.id, name=name, name_key=name, color="#6b7280") for name in LABELS]
            session.add_all(labels)
            await session.flush()
            label_ids = [label.id for label in labels]
        for start in range(0, count, 10_000):
            async with database.write() as session:
                rows = await insert_todo_issues(session, org.id, min(10_000, count - start), seed=start + 1)
                links = [
                    {"issue_id": row["id"], "label_id": label_ids[(i + k) % len(label_ids)], "org_id": org.id}
                    for i, row in enumerate(rows)
                    if i % 2 == 0
                    for k in range(1 + i % 4 // 2)
                ]
                await session.execute(insert(IssueLabel), links)
        if database.dialect == "postgresql":
            async with database.engines.write.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.exec_driver_sql("VACUUM ANALYZE")
                await autocommit.exec_driver_sql("CHECKPOINT")  # the seed's writes are not flushed mid-run
        return token
    finally:
        await database.dispose()


LABELS = ("backend", "frontend", "bug", "performance")
CLAIM: Request = ("POST", "/api/dispatch/claim", b"")


async def run(port: int, token: str, claims: int, concurrency: int) -> tuple[Result, float]:
    return await send(port, token, lambda: CLAIM, claims, concurrency, stop_on=204)


def figures_of(result: Result, elapsed: float) -> tuple[float, float, float]:
    """(claims/s, p50 ms, p99 ms)"""
    lat = sorted(result.latencies)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    return result.statuses.get(200, 0) / elapsed, statistics.median(lat) * 1000, p99


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--claims", type=int, default=2000, help="claims per load and size (at most N/2)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=50.0, help="claims/s of the paced load, in all")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
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
            server = start_server(data_dir, database_url, secret, port, workers=args.workers)
            budget = min(args.claims, (size - 150) // 2)
            try:
                asyncio.run(run(port, token, 50, 4))  # warm-up: connections, caches
                saturated = figures_of(*asyncio.run(run(port, token, budget, args.concurrency)))
                calm = asyncio.run(
                    paced(port, token, lambda: CLAIM, budget, args.concurrency, args.rate, stop_on=204)
                )
                at_rate = figures_of(*calm)
                one = figures_of(*asyncio.run(run(port, token, 100, 1)))
            finally:
                stop_server(server)
        figures.append((size, saturated, at_rate, one))
        print(
            f"N={size:>7}  saturated ({args.concurrency} conns): {saturated[0]:5.0f} claims/s, "
            f"p50 {saturated[1]:6.1f} ms, p99 {saturated[2]:6.1f} ms  |  "
            f"paced {args.rate:.0f}/s ({args.concurrency} conns): p50 {at_rate[1]:5.1f} ms "
            f"(from due {statistics.median(calm[0].from_due) * 1000:.1f}), "
            f"p99 {at_rate[2]:6.1f} ms  |  one connection: p50 {one[1]:5.1f} ms, p99 {one[2]:5.1f} ms  "
            f"({budget} claims per load, {calm[0].statuses})",
            flush=True,
        )
    if len(figures) > 1:
        small, large = figures[0], figures[-1]
        print(
            f"N={large[0]} vs N={small[0]}: claims/s ×{large[1][0] / small[1][0]:.2f}, "
            f"paced p50 ×{large[2][1] / small[2][1]:.2f}, one-connection p50 ×{large[3][1] / small[3][1]:.2f}"
        )


if __name__ == "__main__":
    main()
