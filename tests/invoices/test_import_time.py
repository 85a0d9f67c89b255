"""Import time: billable, uninvoiced entries priced at each member's project rate; an hour is billed once."""

import pytest

from tests.track.util import billing_client, invoice, key, log, project, set_rate

INVOICES = "/v1/invoices"
MAY = {"from": "2026-05-01", "to": "2026-05-31"}


async def _setup(client, account, factory):
    """A client with a linked project, two members with rates, and some time."""
    billed = await billing_client(client, account)
    p = await project(client, account, title="Acme redesign", code="ACME", clientId=billed["id"])
    alice = await factory.account(org=account.org, role="member")
    await set_rate(client, account, p["id"], account.user.id, "97.50")
    await set_rate(client, account, p["id"], alice.user.id, "120")
    entries = {
        "design": await log(
            client, account, projectId=p["id"], taskName="Design", durationSeconds=4800, date="2026-05-04"
        ),
        "build": await log(
            client, alice, projectId=p["id"], taskName="Build", durationSeconds=5400, date="2026-05-05"
        ),
        "more": await log(
            client,
            account,
            projectId=p["id"],
            taskName="More design",
            durationSeconds=1800,
            date="2026-05-06",
        ),
        "free": await log(
            client, account, projectId=p["id"], taskName="Unbilled call", date="2026-05-06", billable=False
        ),
        "june": await log(client, account, projectId=p["id"], taskName="Later", date="2026-06-02"),
    }
    inv = await invoice(client, account, clientId=billed["id"], taxPercent=15)
    return billed, p, alice, entries, inv


async def test_import_by_entry(client, account, factory):
    _, _, _alice, entries, inv = await _setup(client, account, factory)
    response = await client.post(f"{INVOICES}/{inv['id']}/import-time", json=MAY, headers=key(account))
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["data"] == "Imported 3 time entries"
    assert body["importedEntries"] == 3
    lines = [
        (line["description"], line["quantity"], line["rate"], line["amount"], line["timeEntryIds"])
        for line in body["lineItems"]
    ]
    assert lines == [
        ("Design", "1.33", "97.50", "129.68", [entries["design"]["id"]]),
        ("Build", "1.5", "120.00", "180.00", [entries["build"]["id"]]),
        ("More design", "0.5", "97.50", "48.75", [entries["more"]["id"]]),
    ]
    assert (body["invoice"]["subtotal"], body["invoice"]["tax"], body["invoice"]["total"]) == (
        "358.43",
        "53.76",
        "412.19",
    )
    entry = (await client.get(f"/v1/track/time/{entries['design']['id']}", headers=key(account))).json()
    assert entry["invoiced"] is True and entry["invoiceLineItemId"] == body["lineItems"][0]["id"]

    # nothing is billed twice: the same range again imports nothing, on this invoice or another
    again = await client.post(f"{INVOICES}/{inv['id']}/import-time", json=MAY, headers=key(account))
    assert again.status_code == 200 and again.json()["importedEntries"] == 0
    assert (
        again.json()["data"] == "No time entries to import" and len(again.json()["invoice"]["lineItems"]) == 3
    )
    other = await invoice(client, account, clientId=inv["clientId"])
    elsewhere = await client.post(f"{INVOICES}/{other['id']}/import-time", json=MAY, headers=key(account))
    assert elsewhere.json()["importedEntries"] == 0


async def test_import_grouped_by_project_and_by_user(client, account, factory):
    _, p, alice, entries, inv = await _setup(client, account, factory)
    by_project = (
        await client.post(
            f"{INVOICES}/{inv['id']}/import-time", json={**MAY, "groupBy": "project"}, headers=key(account)
        )
    ).json()
    # two rates on one project: one line per rate
    assert [
        (line["description"], line["quantity"], line["rate"], line["amount"])
        for line in by_project["lineItems"]
    ] == [
        ("Acme redesign — 97.50/h", "1.83", "97.50", "178.43"),  # 4800 s + 1800 s = 1.8333 h
        ("Acme redesign — 120.00/h", "1.5", "120.00", "180.00"),
    ]
    assert sorted(by_project["lineItems"][0]["timeEntryIds"]) == sorted(
        [entries["design"]["id"], entries["more"]["id"]]
    )

    second = await invoice(client, account, clientId=inv["clientId"])
    await log(client, alice, projectId=p["id"], taskName="Extra", durationSeconds=900, date="2026-05-20")
    by_user = (
        await client.post(
            f"{INVOICES}/{second['id']}/import-time", json={**MAY, "groupBy": "user"}, headers=key(account)
        )
    ).json()
    assert [(line["description"], line["quantity"]) for line in by_user["lineItems"]] == [
        (f"{alice.user.display_name} — Acme redesign", "0.25")
    ]


async def test_filters_and_projects_default_to_the_clients(client, account, factory):
    _billed, _p, alice, _entries, inv = await _setup(client, account, factory)
    unlinked = await project(client, account, title="Internal")
    await set_rate(client, account, unlinked["id"], account.user.id, "10")
    internal = await log(client, account, projectId=unlinked["id"], date="2026-05-07")
    only_alice = await client.post(
        f"{INVOICES}/{inv['id']}/import-time", json={**MAY, "userIds": [alice.user.id]}, headers=key(account)
    )
    assert [line["description"] for line in only_alice.json()["lineItems"]] == ["Build"]
    linked = await client.post(f"{INVOICES}/{inv['id']}/import-time", json=MAY, headers=key(account))
    assert internal["id"] not in {i for line in linked.json()["lineItems"] for i in line["timeEntryIds"]}
    explicit = await client.post(
        f"{INVOICES}/{inv['id']}/import-time",
        json={**MAY, "projectIds": [unlinked["id"]]},
        headers=key(account),
    )
    assert [line["timeEntryIds"] for line in explicit.json()["lineItems"]] == [[internal["id"]]]

    lonely = await invoice(client, account)
    nothing_linked = await client.post(
        f"{INVOICES}/{lonely['id']}/import-time", json=MAY, headers=key(account)
    )
    assert nothing_linked.status_code == 400 and nothing_linked.json()["code"] == "no_projects"
    unknown = await client.post(
        f"{INVOICES}/{inv['id']}/import-time", json={**MAY, "projectIds": ["nope"]}, headers=key(account)
    )
    assert unknown.status_code == 400 and unknown.json()["error"] == "Project not found: nope"
    stranger = await client.post(
        f"{INVOICES}/{inv['id']}/import-time", json={**MAY, "userIds": ["nobody"]}, headers=key(account)
    )
    assert stranger.status_code == 400
    backwards = await client.post(
        f"{INVOICES}/{inv['id']}/import-time",
        json={"from": "2026-06-01", "to": "2026-05-01"},
        headers=key(account),
    )
    assert backwards.status_code == 400
    assert (
        await client.post(
            f"{INVOICES}/{inv['id']}/import-time", json={"from": "2026-05-01"}, headers=key(account)
        )
    ).status_code == 400
    grouping = await client.post(
        f"{INVOICES}/{inv['id']}/import-time", json={**MAY, "groupBy": "day"}, headers=key(account)
    )
    assert grouping.status_code == 400


async def test_a_member_without_a_rate_is_a_clear_400(client, account, factory):
    _billed, p, _alice, _entries, inv = await _setup(client, account, factory)
    bob = await factory.account(org=account.org, role="member")
    await log(client, bob, projectId=p["id"], date="2026-05-08")
    response = await client.post(f"{INVOICES}/{inv['id']}/import-time", json=MAY, headers=key(account))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "missing_rate"
    assert body["error"].startswith(f"No rate set for {bob.user.display_name} on Acme redesign")
    assert body["missingRates"] == [{"projectId": p["id"], "userId": bob.user.id}]
    # nothing was imported
    assert (await client.get(f"{INVOICES}/{inv['id']}", headers=key(account))).json()["lineItems"] == []
    await set_rate(client, account, p["id"], bob.user.id, "0")
    assert (await client.post(f"{INVOICES}/{inv['id']}/import-time", json=MAY, headers=key(account))).json()[
        "importedEntries"
    ] == 4


@pytest.mark.parametrize("release", ["void", "delete_invoice", "delete_line", "replace_lines"])
async def test_releasing_an_invoice_makes_its_hours_billable_again(client, account, factory, release):
    _, _, _, entries, inv = await _setup(client, account, factory)
    imported = (
        await client.post(f"{INVOICES}/{inv['id']}/import-time", json=MAY, headers=key(account))
    ).json()
    assert imported["importedEntries"] == 3
    design_line = imported["lineItems"][0]
    locked = await client.patch(
        f"/v1/track/time/{entries['design']['id']}", json={"durationSeconds": 60}, headers=key(account)
    )
    assert locked.status_code == 409 and locked.json()["code"] == "time_entry_invoiced"
    assert (
        await client.delete(f"/v1/track/time/{entries['design']['id']}", headers=key(account))
    ).status_code == 409
    renamed = await client.patch(
        f"/v1/track/time/{entries['design']['id']}", json={"description": "ok"}, headers=key(account)
    )
    assert renamed.status_code == 200

    if release == "void":
        await client.patch(f"{INVOICES}/{inv['id']}/status", json={"status": "VOID"}, headers=key(account))
        freed = 3
    elif release == "delete_invoice":
        await client.delete(f"{INVOICES}/{inv['id']}", headers=key(account))
        freed = 3
    elif release == "delete_line":
        await client.delete(f"{INVOICES}/{inv['id']}/line-items/{design_line['id']}", headers=key(account))
        freed = 1
    else:
        kept = [line for line in imported["invoice"]["lineItems"] if line["id"] != design_line["id"]]
        await client.patch(f"{INVOICES}/{inv['id']}", json={"lineItems": kept}, headers=key(account))
        freed = 1
    entry = (await client.get(f"/v1/track/time/{entries['design']['id']}", headers=key(account))).json()
    assert entry["invoiced"] is False and entry["invoiceLineItemId"] is None
    fresh = await invoice(client, account, clientId=inv["clientId"])
    again = (
        await client.post(f"{INVOICES}/{fresh['id']}/import-time", json=MAY, headers=key(account))
    ).json()
    assert again["importedEntries"] == freed


async def test_import_into_a_paid_invoice_is_refused(client, account, factory):
    _, _, _, _, inv = await _setup(client, account, factory)
    await client.patch(f"{INVOICES}/{inv['id']}/status", json={"status": "PAID"}, headers=key(account))
    response = await client.post(f"{INVOICES}/{inv['id']}/import-time", json=MAY, headers=key(account))
    assert response.status_code == 409 and response.json()["error"] == "Cannot edit a paid invoice"


async def test_the_claim_only_takes_unbilled_entries(client, app, account, factory):
    """The guarded UPDATE behind import-time: an entry already on a line is never moved to another."""
    from loop.core.clock import utcnow
    from loop.invoices.repository import LineItemRepository

    _, p, _, entries, inv = await _setup(client, account, factory)
    imported = (
        await client.post(f"{INVOICES}/{inv['id']}/import-time", json=MAY, headers=key(account))
    ).json()
    other_line = (
        await client.post(
            f"{INVOICES}/{inv['id']}/line-items",
            json={"description": "x", "quantity": 1, "rate": 1},
            headers=key(account),
        )
    ).json()["lineItem"]
    fresh = await log(client, account, projectId=p["id"], date="2026-07-01")
    async with app.state.database.write() as session:
        repo = LineItemRepository(session, account.org.id)
        taken = {entries["design"]["id"]: other_line["id"], fresh["id"]: other_line["id"]}
        assert await repo.claim(taken, utcnow()) == 1
    design = (await client.get(f"/v1/track/time/{entries['design']['id']}", headers=key(account))).json()
    assert design["invoiceLineItemId"] == imported["lineItems"][0]["id"]
    assert (await client.get(f"/v1/track/time/{fresh['id']}", headers=key(account))).json()[
        "invoiceLineItemId"
    ] == other_line["id"]
