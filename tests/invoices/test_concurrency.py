"""Under real concurrency, on a database of its own: serial numbers stay unique and gap-free, and concurrent
imports never bill an hour twice."""

import asyncio
from collections import Counter
from decimal import Decimal
from pathlib import Path

import httpx2

from loop.app import create_app
from tests.conftest import Factory, fresh_database, make_settings
from tests.track.util import billing_client, invoice, key, log, project, set_rate


async def _run(url: str, data_dir: Path, scenario) -> None:
    # Each request holds its authentication (read) connection while it waits for a write connection, so 32
    # requests at once need up to 64 PostgreSQL connections: size the pool for that, not the default 10 + 20.
    app = create_app(make_settings(url, data_dir, db_pool_size=40, db_max_overflow=40))
    async with app.router.lifespan_context(app):
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(
            transport=transport, base_url="http://testserver", timeout=120
        ) as client:
            await scenario(client, await Factory(app).account(fmt="looped_live"))


def test_32_concurrent_creates_get_distinct_gap_free_serials(tmp_path):
    async def scenario(client, account):
        billed = await billing_client(client, account)
        body = {
            "clientId": billed["id"],
            "issueDate": "2026-03-01",
            "lineItems": [{"description": "x", "quantity": 1, "rate": 1}],
        }
        responses = await asyncio.gather(
            *(client.post("/v1/invoices", json=body, headers=key(account)) for _ in range(32))
        )
        assert [r.status_code for r in responses] == [201] * 32, [
            r.text for r in responses if r.status_code != 201
        ]
        serials = sorted(r.json()["invoice"]["serialNumber"] for r in responses)
        assert serials == [f"INV-2026-{n:05d}" for n in range(1, 33)]
        nxt = await invoice(client, account, clientId=billed["id"], issueDate="2026-12-01")
        assert nxt["serialNumber"] == "INV-2026-00033"

    with fresh_database(tmp_path) as url:
        asyncio.run(_run(url, tmp_path / "data", scenario))


def test_concurrent_imports_never_bill_an_hour_twice(tmp_path):
    async def scenario(client, account):
        billed = await billing_client(client, account)
        p = await project(client, account, code="ACME", clientId=billed["id"])
        await set_rate(client, account, p["id"], account.user.id, "100")
        entries = [
            await log(
                client,
                account,
                projectId=p["id"],
                taskName=f"Task {n}",
                durationSeconds=900 * (n + 1),
                date=f"2026-05-{1 + n % 28:02d}",
            )
            for n in range(40)
        ]
        invoices = [await invoice(client, account, clientId=billed["id"]) for _ in range(4)]
        responses = await asyncio.gather(
            *(
                client.post(
                    f"/v1/invoices/{inv['id']}/import-time",
                    json={"from": "2026-05-01", "to": "2026-05-31", "groupBy": group},
                    headers=key(account),
                )
                for inv, group in zip(invoices, ["entry", "project", "user", "entry"], strict=True)
            )
        )
        assert [r.status_code for r in responses] == [200] * 4, [r.text for r in responses]
        billed_ids = Counter(
            entry_id
            for r in responses
            for line in r.json()["invoice"]["lineItems"]
            for entry_id in line["timeEntryIds"]
        )
        assert set(billed_ids) == {e["id"] for e in entries}
        assert max(billed_ids.values()) == 1
        assert sum(r.json()["importedEntries"] for r in responses) == 40
        # every hour billed once at 100/h: 900 s × (1 + … + 40) = 205 h
        assert sum(Decimal(r.json()["invoice"]["subtotal"]) for r in responses) == Decimal("20500.00")

    with fresh_database(tmp_path) as url:
        asyncio.run(_run(url, tmp_path / "data", scenario))
