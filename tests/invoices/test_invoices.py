"""Invoices: serial numbers, exact money, line items, statuses, listing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from loop.core.clock import utcnow
from loop.invoices.money import display, hours, line_amount, totals
from loop.orgs.models import Organisation
from tests.track.util import billing_client, invoice, key

INVOICES = "/v1/invoices"


async def test_create_returns_the_invoice_with_a_serial_number(client, app, account):
    async with app.state.database.write() as session:
        await session.execute(
            update(Organisation).where(Organisation.id == account.org.id).values(currency="ZAR")
        )
    billed = await billing_client(client, account)
    response = await client.post(
        INVOICES,
        json={
            "clientId": billed["id"],
            "issueDate": "2026-05-01",
            "dueDate": "2026-05-31",
            "description": "May retainer",
            "taxPercent": 15,
            "lineItems": [{"description": "Retainer", "quantity": 1, "rate": "1000"}],
        },
        headers=key(account),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True and body["data"] == "Invoice added"
    inv = body["invoice"]
    assert inv["serialNumber"] == "INV-2026-00001"
    assert inv["status"] == ("PENDING" if inv["dueDate"] >= utcnow().date().isoformat() else "OVERDUE")
    assert inv["currency"] == "ZAR"
    assert (inv["subtotal"], inv["tax"], inv["total"], inv["amountPaid"], inv["balanceDue"]) == (
        "1000.00",
        "150.00",
        "1150.00",
        "0.00",
        "1150.00",
    )
    assert inv["taxPercent"] == 15
    assert inv["client"]["name"] == billed["name"] and inv["clientId"] == billed["id"]
    line = inv["lineItems"][0]
    assert line == {
        "id": line["id"],
        "position": 0,
        "description": "Retainer",
        "quantity": "1",
        "rate": "1000.00",
        "amount": "1000.00",
        "amountOverridden": False,
        "timeEntryIds": [],
    }
    assert inv["sentAt"] is None and inv["payUrl"] is None
    got = await client.get(f"{INVOICES}/{inv['id']}", headers=key(account))
    assert got.status_code == 200 and got.json() == inv


async def test_serial_numbers_run_per_team_and_per_year(client, account, other_account):
    billed = await billing_client(client, account)
    serials = [
        (await invoice(client, account, clientId=billed["id"], issueDate=day))["serialNumber"]
        for day in ("2026-01-05", "2026-03-01", "2025-12-31", "2026-12-31")
    ]
    assert serials == ["INV-2026-00001", "INV-2026-00002", "INV-2025-00001", "INV-2026-00003"]
    assert (await invoice(client, other_account, issueDate="2026-02-01"))["serialNumber"] == "INV-2026-00001"
    today = await invoice(client, account, clientId=billed["id"])
    assert today["issueDate"] == utcnow().date().isoformat()


def test_money_maths_is_exact():
    assert line_amount(Decimal("1.333"), Decimal("97.50")) == Decimal("129.97")  # 129.9675
    assert line_amount(Decimal("0.125"), Decimal("0.1")) == Decimal("0.01")  # 0.0125 rounds half up
    assert line_amount(Decimal("2.5"), Decimal("0.01")) == Decimal(
        "0.03"
    )  # 0.025 → 0.03, never banker's 0.02
    subtotal, tax, total = totals([Decimal("129.97"), Decimal("0.01")], Decimal("15"))
    assert (subtotal, tax, total) == (Decimal("129.98"), Decimal("19.50"), Decimal("149.48"))  # 19.497
    assert totals([Decimal("0.10")] * 3, Decimal("0"))[0] == Decimal("0.30")  # 0.1 + 0.1 + 0.1, exactly
    assert hours(4800) == Decimal("1.33") and hours(5400) == Decimal("1.50") and hours(18) == Decimal("0.01")
    assert display(Decimal("1140"), "EUR") == "€1,140.00"
    assert display(Decimal("12.5"), "GBP") == "£12.50"
    assert display(Decimal("1150"), "ZAR") == "R1,150.00"
    assert display(Decimal("-50"), "CHF") == "-CHF 50.00"
    assert display(Decimal("97.125"), "USD", keep_places=True) == "$97.125"


async def test_awkward_quantities_and_tax_through_the_api(client, account):
    inv = await invoice(
        client,
        account,
        taxPercent="15",
        lineItems=[
            {"description": "Design", "quantity": 1.333, "rate": 97.5},
            {"description": "Hosting", "quantity": "3", "rate": "0.333333"},
            {"description": "Fixed fee", "quantity": "1", "rate": "10", "amount": "9.995"},
        ],
    )
    amounts = [line["amount"] for line in inv["lineItems"]]
    assert amounts == ["129.97", "1.00", "10.00"]  # 0.999999 → 1.00; the override rounds half up
    assert [line["amountOverridden"] for line in inv["lineItems"]] == [False, False, True]
    assert inv["lineItems"][1]["rate"] == "0.333333" and inv["lineItems"][0]["quantity"] == "1.333"
    assert (inv["subtotal"], inv["tax"], inv["total"]) == ("140.97", "21.15", "162.12")  # tax 21.1455
    fractional_tax = await invoice(
        client, account, taxPercent=12.5, lineItems=[{"description": "x", "quantity": "3", "rate": "33.33"}]
    )
    assert (fractional_tax["subtotal"], fractional_tax["tax"], fractional_tax["total"]) == (
        "99.99",
        "12.50",
        "112.49",
    )
    assert fractional_tax["taxPercent"] == 12.5


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"taxPercent": 101}, "taxPercent"),
        ({"taxPercent": -1}, "taxPercent"),
        ({"taxPercent": "15.12345"}, "taxPercent"),
        ({"lineItems": [{"description": "x", "quantity": "1.1234567", "rate": "1"}]}, "quantity"),
        ({"lineItems": [{"description": "x", "quantity": "-1", "rate": "1"}]}, "quantity"),
        ({"lineItems": [{"description": "x", "quantity": "1", "rate": "1e15"}]}, "rate"),
        ({"lineItems": [{"description": "x", "quantity": "1", "rate": "NaN"}]}, "rate"),
        ({"lineItems": [{"description": "x", "quantity": "1", "rate": "Infinity"}]}, "rate"),
        ({"lineItems": [{"description": "", "quantity": "1", "rate": "1"}]}, "description"),
        ({"lineItems": [{"quantity": "1", "rate": "1"}]}, "description"),
        ({"dueDate": "2020-01-01", "issueDate": "2026-01-01"}, "dueDate"),
        ({"issueDate": "2026-01-01", "dueDate": "2026-02-01", "expiryDate": "2026-01-15"}, "expiryDate"),
        ({"issueDate": "soon"}, "issueDate"),
    ],
)
async def test_invalid_invoices_are_400(client, account, body, field):
    billed = await billing_client(client, account)
    response = await client.post(INVOICES, json={"clientId": billed["id"], **body}, headers=key(account))
    assert response.status_code == 400, response.text
    assert field in response.text


async def test_client_must_exist(client, account, other_account):
    theirs = await billing_client(client, other_account)
    response = await client.post(INVOICES, json={"clientId": theirs["id"]}, headers=key(account))
    assert response.status_code == 400
    assert response.json() == {"error": "Client not found", "code": "invalid_reference", "field": "clientId"}
    assert (await client.post(INVOICES, json={}, headers=key(account))).status_code == 400


async def test_line_items_add_update_reorder_delete(client, account):
    inv = await invoice(
        client, account, taxPercent=10, lineItems=[{"description": "A", "quantity": 1, "rate": 100}]
    )
    base = f"{INVOICES}/{inv['id']}/line-items"
    added = await client.post(
        base, json={"description": "B", "quantity": 2, "rate": 50}, headers=key(account)
    )
    assert added.status_code == 201
    assert added.json()["data"] == "Line item added"
    b = added.json()["lineItem"]
    assert b["position"] == 1 and b["amount"] == "100.00"
    assert added.json()["invoice"]["total"] == "220.00"
    first = await client.post(
        base, json={"description": "C", "quantity": 1, "rate": 1, "position": 0}, headers=key(account)
    )
    c = first.json()["lineItem"]
    order = [line["description"] for line in first.json()["invoice"]["lineItems"]]
    assert order == ["C", "A", "B"] and c["position"] == 0

    patched = await client.patch(f"{base}/{b['id']}", json={"amount": "75"}, headers=key(account))
    assert patched.status_code == 200 and patched.json()["data"] == "Line item updated"
    assert (
        patched.json()["lineItem"]["amount"] == "75.00"
        and patched.json()["lineItem"]["amountOverridden"] is True
    )
    kept = await client.patch(f"{base}/{b['id']}", json={"quantity": 3}, headers=key(account))
    assert kept.json()["lineItem"]["amount"] == "75.00"  # an overridden amount stays until it is cleared
    reset = await client.patch(f"{base}/{b['id']}", json={"amount": None}, headers=key(account))
    assert (
        reset.json()["lineItem"]["amount"] == "150.00"
        and reset.json()["lineItem"]["amountOverridden"] is False
    )
    moved = await client.patch(f"{base}/{b['id']}", json={"position": 0}, headers=key(account))
    assert [line["description"] for line in moved.json()["invoice"]["lineItems"]] == ["B", "C", "A"]

    ids = [line["id"] for line in moved.json()["invoice"]["lineItems"]]
    reordered = await client.put(
        f"{base}/order", json={"lineItemIds": list(reversed(ids))}, headers=key(account)
    )
    assert reordered.status_code == 200 and reordered.json()["data"] == "Line items reordered"
    lines = reordered.json()["invoice"]["lineItems"]
    assert [line["description"] for line in lines] == ["A", "C", "B"]
    assert [line["position"] for line in lines] == [0, 1, 2]
    bad = await client.put(f"{base}/order", json={"lineItemIds": ids[:2]}, headers=key(account))
    assert bad.status_code == 400
    duplicated = await client.put(
        f"{base}/order", json={"lineItemIds": [ids[0], ids[0], ids[1]]}, headers=key(account)
    )
    assert duplicated.status_code == 400

    deleted = await client.delete(f"{base}/{c['id']}", headers=key(account))
    assert deleted.status_code == 200 and deleted.json()["data"] == "Line item deleted"
    remaining = deleted.json()["invoice"]["lineItems"]
    assert [(line["description"], line["position"]) for line in remaining] == [("A", 0), ("B", 1)]
    assert deleted.json()["invoice"]["total"] == "275.00"
    missing = await client.delete(f"{base}/{c['id']}", headers=key(account))
    assert missing.status_code == 404 and missing.json()["error"] == "Line item not found"


async def test_patch_replaces_lines_and_keeps_those_named_by_id(client, account):
    inv = await invoice(
        client,
        account,
        lineItems=[
            {"description": "A", "quantity": 1, "rate": 10},
            {"description": "B", "quantity": 1, "rate": 20},
        ],
    )
    a = inv["lineItems"][0]
    response = await client.patch(
        f"{INVOICES}/{inv['id']}",
        json={
            "description": "Updated",
            "taxPercent": 20,
            "lineItems": [{"description": "New", "quantity": 2, "rate": 5}, {**a, "description": "A2"}],
        },
        headers=key(account),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == "Invoice updated"
    lines = body["invoice"]["lineItems"]
    assert [(line["description"], line["position"]) for line in lines] == [("New", 0), ("A2", 1)]
    assert lines[1]["id"] == a["id"]
    assert (body["invoice"]["subtotal"], body["invoice"]["tax"], body["invoice"]["total"]) == (
        "20.00",
        "4.00",
        "24.00",
    )
    unknown = await client.patch(
        f"{INVOICES}/{inv['id']}",
        json={"lineItems": [{"id": "nope", "description": "x", "quantity": 1, "rate": 1}]},
        headers=key(account),
    )
    assert unknown.status_code == 400
    status = await client.patch(f"{INVOICES}/{inv['id']}", json={"status": "PAID"}, headers=key(account))
    assert status.status_code == 400 and "status" in status.json()["error"]


async def test_status_transitions(client, account):
    inv = await invoice(client, account, lineItems=[{"description": "A", "quantity": 1, "rate": 100}])
    url = f"{INVOICES}/{inv['id']}/status"

    partial = await client.patch(
        url, json={"status": "PAID_PARTIAL", "amountPaid": "40"}, headers=key(account)
    )
    assert partial.status_code == 200 and partial.json()["data"] == "Status updated"
    assert partial.json()["invoice"]["status"] == "PAID_PARTIAL"
    assert (partial.json()["invoice"]["amountPaid"], partial.json()["invoice"]["balanceDue"]) == (
        "40.00",
        "60.00",
    )
    for amount in (None, "0", "100", "150"):
        body = {"status": "PAID_PARTIAL"} | ({"amountPaid": amount} if amount else {})
        assert (await client.patch(url, json=body, headers=key(account))).status_code == 400, amount
    mismatch = await client.patch(url, json={"status": "PAID", "amountPaid": "99"}, headers=key(account))
    assert mismatch.status_code == 400

    paid = await client.patch(url, json={"status": "paid", "note": "EFT received"}, headers=key(account))
    assert paid.status_code == 200
    assert paid.json()["invoice"]["status"] == "PAID" and paid.json()["invoice"]["amountPaid"] == "100.00"
    assert paid.json()["invoice"]["paidAt"] and paid.json()["invoice"]["statusNote"] == "EFT received"

    again = await client.patch(url, json={"status": "PAID"}, headers=key(account))
    assert again.status_code == 400
    assert again.json() == {"error": "Cannot change status from PAID to PAID", "code": "invalid_transition"}
    assert (
        await client.patch(url, json={"status": "PAID_PARTIAL", "amountPaid": "1"}, headers=key(account))
    ).status_code == 400
    derived = await client.patch(url, json={"status": "OVERDUE"}, headers=key(account))
    assert (
        derived.status_code == 400
        and derived.json()["error"] == "OVERDUE is derived from dueDate and cannot be set"
    )
    unknown = await client.patch(url, json={"status": "DRAFT"}, headers=key(account))
    assert unknown.status_code == 400 and unknown.json()["allowed"] == [
        "PENDING",
        "PAID_PARTIAL",
        "PAID",
        "VOID",
    ]

    edit = await client.patch(f"{INVOICES}/{inv['id']}", json={"description": "x"}, headers=key(account))
    assert edit.status_code == 409 and edit.json() == {
        "error": "Cannot edit a paid invoice",
        "code": "invoice_locked",
    }
    add = await client.post(
        f"{INVOICES}/{inv['id']}/line-items",
        json={"description": "x", "quantity": 1, "rate": 1},
        headers=key(account),
    )
    assert add.status_code == 409
    delete = await client.delete(f"{INVOICES}/{inv['id']}", headers=key(account))
    assert delete.status_code == 409
    assert delete.json()["error"] == "Cannot delete a paid invoice; void it instead"

    reopened = await client.patch(url, json={"status": "PENDING"}, headers=key(account))
    assert reopened.json()["invoice"]["amountPaid"] == "0.00" and reopened.json()["invoice"]["paidAt"] is None
    void = await client.patch(url, json={"status": "VOID"}, headers=key(account))
    assert void.json()["invoice"]["status"] == "VOID" and void.json()["invoice"]["voidedAt"]
    for target in ("PENDING", "PAID", "VOID"):
        refused = await client.patch(url, json={"status": target}, headers=key(account))
        assert refused.status_code == 400 and refused.json()["code"] == "invalid_transition"
    assert (await client.patch(f"{INVOICES}/{inv['id']}", json={"notes": "x"}, headers=key(account))).json()[
        "error"
    ] == ("Cannot edit a void invoice")
    deleted = await client.delete(f"{INVOICES}/{inv['id']}", headers=key(account))
    assert deleted.status_code == 200 and deleted.json() == {"success": True, "data": "Invoice deleted"}
    assert (await client.get(f"{INVOICES}/{inv['id']}", headers=key(account))).status_code == 404


async def test_overdue_and_expired_are_derived_from_the_dates(client, account):
    today = utcnow().date()
    billed = await billing_client(client, account)
    past = (today - timedelta(days=10)).isoformat()
    yesterday = (today - timedelta(days=1)).isoformat()
    later = (today + timedelta(days=10)).isoformat()
    pending = await invoice(client, account, clientId=billed["id"], issueDate=past, dueDate=later)
    overdue = await invoice(client, account, clientId=billed["id"], issueDate=past, dueDate=yesterday)
    expired = await invoice(
        client, account, clientId=billed["id"], issueDate=past, dueDate=past, expiryDate=yesterday
    )
    due_today = await invoice(
        client, account, clientId=billed["id"], issueDate=past, dueDate=today.isoformat()
    )
    partial = await invoice(
        client,
        account,
        clientId=billed["id"],
        issueDate=past,
        dueDate=yesterday,
        lineItems=[{"description": "x", "quantity": 1, "rate": 10}],
    )
    await client.patch(
        f"{INVOICES}/{partial['id']}/status",
        json={"status": "PAID_PARTIAL", "amountPaid": 5},
        headers=key(account),
    )
    assert (pending["status"], overdue["status"], expired["status"], due_today["status"]) == (
        "PENDING",
        "OVERDUE",
        "EXPIRED",
        "PENDING",
    )
    assert overdue["overdue"] is True and pending["overdue"] is False
    partial_now = (await client.get(f"{INVOICES}/{partial['id']}", headers=key(account))).json()
    assert partial_now["status"] == "PAID_PARTIAL" and partial_now["overdue"] is True

    async def listed(status):
        response = await client.get(INVOICES, params={"status": status}, headers=key(account))
        assert response.status_code == 200
        return {i["id"] for i in response.json()["data"]}

    assert await listed("OVERDUE") == {overdue["id"]}
    assert await listed("EXPIRED") == {expired["id"]}
    assert await listed("PENDING") == {pending["id"], due_today["id"]}
    assert await listed("PAID_PARTIAL,OVERDUE") == {overdue["id"], partial["id"]}
    bad = await client.get(INVOICES, params={"status": "LATE"}, headers=key(account))
    assert bad.status_code == 400 and "OVERDUE" in bad.json()["error"]
    # an overdue invoice can still be paid
    paid = await client.patch(
        f"{INVOICES}/{overdue['id']}/status", json={"status": "PAID"}, headers=key(account)
    )
    assert paid.status_code == 200 and paid.json()["invoice"]["status"] == "PAID"


async def test_list_filters_search_and_pages(client, account):
    globex = await billing_client(client, account, name="Globex")
    initech = await billing_client(client, account, name="Initech")
    made = []
    for number in range(12):
        made.append(
            await invoice(
                client,
                account,
                clientId=(globex if number % 2 else initech)["id"],
                issueDate=f"2026-0{1 + number % 6}-15",
                description=f"Job {number}",
            )
        )
    first = (await client.get(INVOICES, headers=key(account))).json()
    assert first["pagination"] == {"page": 1, "pageSize": 10, "total": 12, "totalPages": 2}
    dates = [i["issueDate"] for i in first["data"]]
    assert dates == sorted(dates, reverse=True)

    async def ids(**params):
        response = await client.get(INVOICES, params={"pageSize": 100, **params}, headers=key(account))
        assert response.status_code == 200, response.text
        return {i["id"] for i in response.json()["data"]}

    assert await ids(clientId=globex["id"]) == {m["id"] for n, m in enumerate(made) if n % 2}
    assert await ids(**{"from": "2026-05-01", "to": "2026-06-30"}) == {
        m["id"] for m in made if m["issueDate"] >= "2026-05-01"
    }
    assert await ids(q="initech") == {m["id"] for n, m in enumerate(made) if not n % 2}
    assert await ids(q="Job 11") == {made[11]["id"]}
    assert await ids(q=made[3]["serialNumber"]) == {made[3]["id"]}
    assert await ids(q="nothing like this") == set()
    backwards = await client.get(
        INVOICES, params={"from": "2026-06-01", "to": "2026-01-01"}, headers=key(account)
    )
    assert backwards.status_code == 400
    assert (await client.get(INVOICES, params={"from": "June"}, headers=key(account))).status_code == 400
