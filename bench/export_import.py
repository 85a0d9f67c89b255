"""`loop export` / `loop import` throughput: rows per second written to and restored from an export file.

    .venv/bin/python bench/export_import.py --issues 5000
    .venv/bin/python bench/export_import.py --issues 5000 --target postgresql://postgres@127.0.0.1:5432/loop_bench

Seeds a fresh SQLite store through the Python SDK (in-process app: issues, each with a comment and a time
entry), then times the export of the organisation and its import into a fresh SQLite store (or into the empty
PostgreSQL database given as --target, which must exist and be empty), and prints the figures. Everything but
the PostgreSQL database is removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from loop.app import create_app  # noqa: E402
from loop.cli.backup import export_org, import_org  # noqa: E402
from loop.client import AsyncLoopClient  # noqa: E402
from loop.config import Settings  # noqa: E402
from loop.orgs.service import bootstrap  # noqa: E402

SECRET = "bench-secret-" + "0" * 51


async def seed(settings: Settings, issues: int) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with app.state.database.write() as session:
            boot = await bootstrap(session)
        transport = httpx2.ASGITransport(app=app)
        async with AsyncLoopClient("http://bench", boot.token, transport=transport) as loop:
            project = await loop.projects.create(name="Bench")

            async def one(n: int) -> None:
                issue = await loop.issues.create(title=f"Issue {n}", type="task", status="todo",
                                                 projectId=project["id"], priority=n % 5)  # fmt: skip
                await loop.comments.create(issue["id"], f"note {n}")
                await loop.time.create(task_name=f"work {n}", duration_seconds=900, date="2026-05-04",
                                       issueId=issue["id"])  # fmt: skip

            for start in range(0, issues, 50):
                await asyncio.gather(*(one(n) for n in range(start, min(start + 50, issues))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=2000)
    parser.add_argument("--target", help="an empty PostgreSQL database URL (default: a new SQLite store)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        source = Settings(data_dir=base / "src", secret_key=SECRET, rate_limit_enabled=False, log_level="WARNING",
                          access_log=False)  # fmt: skip
        started = time.perf_counter()
        asyncio.run(seed(source, args.issues))
        print(
            f"seeded {args.issues} issues (+ comments, time entries) in {time.perf_counter() - started:.1f} s"
        )

        archive = base / "bench.zip"
        started = time.perf_counter()
        manifest = asyncio.run(export_org(source, archive, None))
        took = time.perf_counter() - started
        rows = sum(manifest["tables"].values())
        print(f"export: {rows} rows in {took:.2f} s = {rows / took:,.0f} rows/s, "
              f"file {archive.stat().st_size / 1e6:.1f} MB")  # fmt: skip

        extra = {"database_url": args.target} if args.target else {}
        target = Settings(data_dir=base / "dst", secret_key=SECRET, log_level="WARNING", **extra)
        started = time.perf_counter()
        asyncio.run(import_org(target, archive, False))
        took = time.perf_counter() - started
        kind = "PostgreSQL" if args.target else "SQLite"
        print(
            f"import into {kind}: {rows} rows in {took:.2f} s = {rows / took:,.0f} rows/s (counts verified)"
        )


if __name__ == "__main__":
    main()
