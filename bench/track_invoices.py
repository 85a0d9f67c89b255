"""Track & invoices: request throughput and latency, in process (ASGI, no network), on a scratch store.

    .venv/bin/python bench/track_invoices.py                       # SQLite in a temp directory
    LOOP_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/loop_bench .venv/bin/python bench/track_invoices.py

The PostgreSQL database must exist and be empty (it is migrated here). Prints one line per measurement.
Bounded to about a minute on a small machine.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx2

from loop.app import create_app
from loop.config import Settings
from loop.db import migrate
from loop.orgs import service as orgs
from loop.tokens.service import create_token

ENTRIES = int(os.environ.get("LOOP_BENCH_ENTRIES", "1000"))
INVOICES = int(os.environ.get("LOOP_BENCH_INVOICES", "200"))


def report(name: str, samples: list[float]) -> None:
    total = sum(samples)
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1] if len(ordered) > 1 else ordered[0]
    print(
        f"{name:<44} n={len(samples):>5}  {len(samples) / total:8.1f} req/s  "
        f"median {statistics.median(samples) * 1000:7.2f} ms  p95 {p95 * 1000:7.2f} ms"
    )


async def timed(samples: list[float], call):
    start = time.perf_counter()
    response = await call()
    samples.append(time.perf_counter() - start)
    assert response.status_code < 300, response.text
    return response


async def main() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="loop-bench-"))
    url = os.environ.get("LOOP_BENCH_DATABASE_URL", "")
    settings = Settings(
        data_dir=data_dir,
        database_url=url,
        secret_key="bench-" + "0" * 58,
        rate_limit_enabled=False,
        access_log=False,
        log_level="WARNING",
        auto_migrate=True,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        if url:
            await migrate.upgrade(app.state.database.engines.write)
        async with app.state.database.write() as session:
            org = await orgs.create_organisation(session, "Bench", currency="EUR")
            user = await orgs.create_user(session, f"bench-{time.time_ns()}@example.com", "Bench")
            await orgs.add_member(session, org, user, "owner")
            _, token = await create_token(
                session, org_id=org.id, user_id=user.id, name="bench", fmt="looped_live"
            )
        headers = {"X-API-Key": token}
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as client:
            billed = (
                await client.post(
                    "/v1/invoices/clients",
                    json={
                        "name": "Globex",
                        "email": "ap@globex.example",
                        "address": {"line1": "1 Main", "postalCode": "1"},
                    },
                    headers=headers,
                )
            ).json()["client"]
            project = (
                await client.post(
                    "/v1/track/projects",
                    json={"title": "Bench", "code": "B", "clientId": billed["id"]},
                    headers=headers,
                )
            ).json()["project"]
            await client.put(
                f"/v1/track/projects/{project['id']}/members/{user.id}",
                json={"rate": "97.50"},
                headers=headers,
            )

            samples: list[float] = []
            for _ in range(200):
                await timed(samples, lambda: client.get("/v1/track/tags", headers=headers))
            report("baseline: GET /v1/track/tags (one row)", samples)

            samples = []
            for n in range(ENTRIES):
                body = {
                    "taskName": f"Task {n}",
                    "durationSeconds": 600 + n,
                    "date": f"2026-05-{1 + n % 28:02d}",
                    "projectId": project["id"],
                    "tags": [{"title": f"tag{n % 5}"}],
                }
                await timed(
                    samples, lambda body=body: client.post("/v1/track/time", json=body, headers=headers)
                )
            report("POST /v1/track/time", samples)

            for frequency in ("day", "week", "month"):
                samples = []
                for _ in range(20):
                    await timed(
                        samples,
                        lambda f=frequency: client.get(
                            "/v1/track/time", params={"date": "2026-05-28", "frequency": f}, headers=headers
                        ),
                    )
                size = len(
                    (
                        await client.get(
                            "/v1/track/time",
                            params={"date": "2026-05-28", "frequency": frequency},
                            headers=headers,
                        )
                    ).json()
                )
                report(f"GET /v1/track/time frequency={frequency} ({size} rows)", samples)

            samples = []
            ids = []
            for _ in range(INVOICES):
                response = await timed(
                    samples,
                    lambda: client.post(
                        "/v1/invoices",
                        json={
                            "clientId": billed["id"],
                            "taxPercent": 15,
                            "lineItems": [{"description": "Work", "quantity": "1.333", "rate": "97.50"}] * 5,
                        },
                        headers=headers,
                    ),
                )
                ids.append(response.json()["invoice"]["id"])
            report("POST /v1/invoices (5 lines)", samples)

            samples = []
            for _ in range(20):
                await timed(
                    samples, lambda: client.get("/v1/invoices", params={"pageSize": 50}, headers=headers)
                )
            report(f"GET /v1/invoices pageSize=50 (of {INVOICES})", samples)

            samples = []
            for invoice_id in ids[:50]:
                await timed(samples, lambda i=invoice_id: client.get(f"/v1/invoices/{i}", headers=headers))
            report("GET /v1/invoices/{id}", samples)

            samples = []
            await timed(
                samples,
                lambda: client.post(
                    f"/v1/invoices/{ids[0]}/import-time",
                    json={"from": "2026-05-01", "to": "2026-05-31", "groupBy": "entry"},
                    headers=headers,
                ),
            )
            report(f"POST import-time ({ENTRIES} entries → lines)", samples)

            samples = []
            for invoice_id in ids[1:11]:
                await timed(
                    samples, lambda i=invoice_id: client.get(f"/v1/invoices/{i}/pdf", headers=headers)
                )
            report("GET /v1/invoices/{id}/pdf (5 lines)", samples)
    print(f"store: {'PostgreSQL' if url else 'SQLite'}")


if __name__ == "__main__":
    asyncio.run(main())
