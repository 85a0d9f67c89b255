"""Ingest throughput: ``POST /api/signals`` against ``POST /api/issues`` on the same server, in one run.

Starts a real ``loop serve`` process (SQLite in a temp directory by default, ``--database-url`` for a
scratch PostgreSQL database; rate limits off), then drives it with C concurrent keep-alive connections for
a bounded time per scenario and prints requests/s, p50 and p99:

- ``POST /api/issues``: a triage issue per request (the figure to compare with);
- ``POST /api/signals``, distinct fingerprints: every signal opens its issue (fingerprint claim, triage
  rules, issue, signal);
- ``POST /api/signals``, repeats: a few fingerprints, so most signals join an open issue (deduplication).

    .venv/bin/python bench/signal_ingest.py
    .venv/bin/python bench/signal_ingest.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/signal_ingest.py --duration 10 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import secrets
import sys
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).parent))

from loadgen import free_port, install_uvloop, load, report, start_server, stop_server, store

from loop.config import Settings
from loop.db import migrate
from loop.db.session import Database
from loop.orgs import service as orgs
from loop.tokens.service import create_token

_counter = itertools.count()


async def seed(settings: Settings) -> str:
    database = Database(settings)
    try:
        await migrate.upgrade(database.engines.write)
        async with database.write() as session:
            org = await orgs.create_organisation(session, "Bench")
            user = await orgs.create_user(session, "bench@example.com")
            await orgs.add_member(session, org, user, "owner")
            _, token = await create_token(session, org_id=org.id, user_id=user.id, name="bench")
            return token
    finally:
        await database.dispose()


def issue_body() -> bytes:
    n = next(_counter)
    return orjson.dumps({"title": f"[sentry] exception: TypeError in checkout #{n}", "type": "signal"})


def signal_body(repeats: int | None = None) -> bytes:
    n = next(_counter)
    source_id = f"ISSUE-{n % repeats}" if repeats else f"ISSUE-{n}"
    return orjson.dumps(
        {
            "source": "sentry",
            "sourceId": source_id,
            "type": "exception",
            "severity": "medium",
            "payload": {
                "message": f"TypeError: Cannot read properties of undefined (reading 'items') #{n}",
                "culprit": "CartSummary(app/components/cart/summary)",
                "level": "error",
                "count": 12,
                "tags": {"environment": "production", "release": "web-app@2026.11.23"},
            },
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario")
    parser.add_argument("--repeats", type=int, default=20, help="fingerprints in the repeats scenario")
    parser.add_argument("--database-url", default="", help="PostgreSQL server URL (default: SQLite)")
    args = parser.parse_args()
    install_uvloop()
    secret = secrets.token_hex(32)
    with store(args.database_url) as (data_dir, database_url):
        settings = Settings(data_dir=data_dir, database_url=database_url, secret_key=secret)
        token = asyncio.run(seed(settings))
        port = free_port()
        server = start_server(data_dir, database_url, secret, port)
        backend = "PostgreSQL" if database_url else "SQLite"
        print(f"{backend}, {args.concurrency} connections, {args.duration:.0f} s per scenario")
        try:
            scenarios = [
                ("POST /api/issues", "/api/issues", issue_body),
                ("POST /api/signals (new)", "/api/signals", signal_body),
                (
                    f"POST /api/signals ({args.repeats} fps)",
                    "/api/signals",
                    lambda: signal_body(args.repeats),
                ),
            ]
            figures = {}
            for name, path, make in scenarios:
                post = lambda make=make, path=path: ("POST", path, make())  # noqa: E731
                result, elapsed = asyncio.run(
                    load(port, token, post, args.concurrency, args.duration, expect=201)
                )
                report(name, result, elapsed)
                figures[name] = len(result.latencies) / elapsed if elapsed else 0
            issues, signals = figures["POST /api/issues"], figures["POST /api/signals (new)"]
            if issues:
                print(f"signals (new) / issues: {signals / issues:.2f}")
        finally:
            stop_server(server)


if __name__ == "__main__":
    main()
