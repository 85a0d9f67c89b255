"""Server time of each dashboard page at 10,000 issues (target: under 200 ms per page).

Seeds a fresh store through the services (one organisation, N issues across statuses and types, a label, a
comment thread, a board with cards, an invoice and a week of time), signs in through the real sign-in form,
then requests each page R times in process (httpx2's ASGI transport: no sockets, so the figure is the
server's own time: routing, session lookup, queries, template rendering) and prints the median and the
slowest. Run it on an idle machine; figures are not assertions.

    .venv/bin/python bench/dashboard_pages.py
    .venv/bin/python bench/dashboard_pages.py --issues 50000 --repeat 30
    .venv/bin/python bench/dashboard_pages.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import httpx2
from sqlalchemy import text
from sqlalchemy.engine import make_url

import loop.db.models  # noqa: F401
from loop.app import create_app
from loop.config import Settings, normalise_database_url
from loop.db import migrate
from loop.issues import comments
from loop.issues import service as issues
from loop.labels import service as labels
from loop.orgs import service as orgs
from loop.tokens.service import create_token
from loop.web.sessions import set_password

STATUSES = ("triage", "backlog", "todo", "in_progress", "done", "canceled")
TYPES = ("signal", "hypothesis", "plan", "task", "monitor")
PASSWORD = "bench-password-1"


async def seed(app, count: int) -> dict[str, str]:
    database = app.state.database
    await migrate.upgrade(database.engines.write)
    async with database.write() as session:
        org = await orgs.create_organisation(session, "Bench")
        user = await orgs.create_user(session, "bench@example.com", "Bench")
        await orgs.add_member(session, org, user, "owner")
        await set_password(session, user, PASSWORD)
        _, token = await create_token(session, org_id=org.id, user_id=user.id, name="bench")
        label = await labels.create_label(session, org.id, name="bug", color="#cc0000")
    first_id = None
    for start in range(0, count, 500):
        async with database.write() as session:
            for n in range(start, min(start + 500, count)):
                issue = await issues.create_issue(
                    session, org.id, title=f"Issue {n + 1}: the checkout button does nothing",
                    description="Something is broken and an agent should look at it. " * 3,
                    type=TYPES[n % len(TYPES)], status=STATUSES[n % len(STATUSES)], priority=n % 5,
                    label_ids=[label.id] if n % 7 == 0 else None,
                )  # fmt: skip
                first_id = first_id or issue.id
    async with database.write() as session:
        for n in range(20):
            await comments.create_comment(
                session, org.id, first_id, body=f"Comment {n}", author_name="Bench", author_type="human"
            )
    headers = {"Authorization": f"Bearer {token}"}
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://bench") as http:
        board = (
            await http.post("/api/v1/projects", json={"name": "Board", "type": "board"}, headers=headers)
        ).json()
        lists = (
            await http.get(f"/api/v1/boards/lists?project_id={board['data']['id']}", headers=headers)
        ).json()
        for n in range(30):
            await http.post(
                "/api/v1/boards/cards",
                json={"list_id": lists["data"][n % 3]["id"], "title": f"Card {n}"},
                headers=headers,
            )
        client = (
            await http.post(
                "/v1/invoices/clients",
                json={"name": "Globex", "email": "a@globex.example",
                      "address": {"line1": "1 Main Road", "postalCode": "8001", "city": "Cape Town"}},
                headers=headers,
            )
        ).json()["client"]  # fmt: skip
        invoice = (
            await http.post(
                "/v1/invoices",
                json={"clientId": client["id"], "issueDate": "2026-11-02",
                      "lineItems": [{"description": "Design", "quantity": "10", "rate": "95"}]},
                headers=headers,
            )
        ).json()["invoice"]  # fmt: skip
        today = datetime.now(UTC).date().isoformat()
        for n in range(40):
            await http.post(
                "/v1/track/time",
                json={"taskName": f"Task {n}", "durationSeconds": 1800, "date": today},
                headers=headers,
            )
    if database.dialect == "postgresql":
        # As autovacuum would have done on a live database (the SQLite store gets no statistics).
        async with database.engines.write.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
    return {"issue": first_id, "invoice": invoice["id"]}


async def measure(app, ids: dict[str, str], repeat: int) -> list[tuple[str, float, float]]:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://bench") as http:
        login = await http.get("/app/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
        signed = await http.post(
            "/app/login", data={"email": "bench@example.com", "password": PASSWORD, "csrf_token": csrf}
        )
        assert signed.status_code == 303, signed.text
        pages = {
            "home": "/app",
            "issues (page 1)": "/app/issues",
            "issues (page 100)": "/app/issues?page=100",
            "issues status=todo": "/app/issues?status=todo",
            "issues text search": "/app/issues?q=checkout+button",
            "issues sort=priority": "/app/issues?sort=priority",
            "issue detail": f"/app/issues/{ids['issue']}",
            "issue edit": f"/app/issues/{ids['issue']}/edit",
            "dispatch (queue)": "/app/dispatch",
            "prompts": "/app/prompts",
            "settings": "/app/settings",
            "board": "/app/board",
            "feedback": "/app/feedback",
            "time (week)": "/app/time",
            "invoices": "/app/invoices",
            "invoice detail": f"/app/invoices/{ids['invoice']}",
            "invoice pdf (cached)": f"/app/invoices/{ids['invoice']}/pdf",
            "invoice pdf (rendered)": f"/app/invoices/{ids['invoice']}/pdf",
        }
        results = []
        for name, path in pages.items():
            assert (await http.get(path)).status_code == 200, path  # warm-up
            times = []
            for _ in range(repeat):
                if name.endswith("(rendered)"):
                    app.state.dashboard_pdf_cache.entries.clear()  # measure a first render every time
                started = time.perf_counter()
                response = await http.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            results.append((name, statistics.median(times), max(times)))
        return results


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="loop-bench-dash-"))
    url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    scratch = None
    if args.database_url:
        import psycopg as pg

        scratch = f"loop_bench_dash_{secrets.token_hex(3)}"
        admin = make_url(normalise_database_url(args.database_url)).set(drivername="postgresql")
        with pg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{scratch}"')
        url = (
            make_url(normalise_database_url(args.database_url)).set(database=scratch).render_as_string(False)
        )
    settings = Settings(
        database_url=url, data_dir=tmp, secret_key="bench-" + "0" * 58, rate_limit_enabled=False,
        access_log=False, log_level="WARNING", auto_migrate=False, jobs_in_process=False,
    )  # fmt: skip
    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            started = time.perf_counter()
            ids = await seed(app, args.issues)
            print(f"seeded {args.issues:,} issues in {time.perf_counter() - started:.1f} s "
                  f"({'PostgreSQL' if scratch else 'SQLite'}), {date.today()}")  # fmt: skip
            results = await measure(app, ids, args.repeat)
        print(
            f"\n{'page':<24}{'median ms':>11}{'max ms':>10}   (target < 200 ms, {args.repeat} requests each)"
        )
        for name, median, worst in results:
            flag = "" if median < 200 else "  OVER"
            print(f"{name:<24}{median:>11.1f}{worst:>10.1f}{flag}")
    finally:
        if scratch:
            import psycopg as pg

            with pg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
