"""Invoice clients: the shared clients table, with invoicing's rules."""

import pytest

from loop.clients.models import Client
from loop.clients.repository import name_key
from tests.track.util import ADDRESS, billing_client, invoice, key

CLIENTS = "/v1/invoices/clients"


async def test_create_and_get(client, account):
    response = await client.post(
        CLIENTS,
        json={
            "name": "Globex  Corporation",
            "email": "ap@globex.example",
            "phone": "+27 21 555 0100",
            "vatNumber": "ZA4123456789",
            "address": {**ADDRESS, "line2": "Suite 4", "region": "Western Cape"},
        },
        headers=key(account),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True and body["data"] == "Client added"
    created = body["client"]
    assert created["name"] == "Globex Corporation"
    assert created["vatNumber"] == "ZA4123456789"
    assert created["address"] == {
        "line1": "1 Main Road",
        "line2": "Suite 4",
        "city": "Cape Town",
        "region": "Western Cape",
        "postalCode": "8001",
        "country": "South Africa",
    }
    got = await client.get(f"{CLIENTS}/{created['id']}", headers=key(account))
    assert got.status_code == 200 and got.json() == created


async def test_names_are_unique_whatever_their_case(client, account, other_account):
    await billing_client(client, account, name="Globex")
    duplicate = await client.post(
        CLIENTS, json={"name": "  gLOBEX ", "address": ADDRESS}, headers=key(account)
    )
    assert duplicate.status_code == 409
    assert duplicate.json() == {"error": "Client name already exists", "code": "client_name_exists"}
    assert (
        await client.post(CLIENTS, json={"name": "Globex", "address": ADDRESS}, headers=key(other_account))
    ).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x"},
        {"name": "x", "address": {"line1": "1 Main Road"}},
        {"name": "x", "address": {"postalCode": "8001"}},
        {"name": "x", "address": {"line1": "  ", "postalCode": "8001"}},
        {"name": "", "address": ADDRESS},
        {"name": "x", "address": ADDRESS, "email": "not-an-email"},
    ],
)
async def test_invalid_clients(client, account, body):
    response = await client.post(CLIENTS, json=body, headers=key(account))
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


async def test_name_is_immutable_everything_else_changes(client, account):
    created = await billing_client(client, account)
    url = f"{CLIENTS}/{created['id']}"
    renamed = await client.patch(url, json={"name": "Initech"}, headers=key(account))
    assert renamed.status_code == 400
    assert renamed.json()["error"] == "A client's name cannot be changed"
    updated = await client.patch(
        url,
        json={
            "email": "new@globex.example",
            "phone": None,
            "address": {"line1": "2 Long St", "postalCode": "8000"},
        },
        headers=key(account),
    )
    assert updated.status_code == 200
    body = updated.json()
    assert body["data"] == "Client updated"
    assert body["client"]["email"] == "new@globex.example" and body["client"]["name"] == "Globex"
    assert body["client"]["address"]["line1"] == "2 Long St" and body["client"]["address"]["city"] is None
    cleared = await client.patch(url, json={"address": None}, headers=key(account))
    assert cleared.status_code == 400


async def test_search_over_name_email_phone_and_vat(client, account):
    await billing_client(client, account, name="Globex", email="ap@globex.example", phone="+27 21 555 0100")
    await billing_client(
        client, account, name="Initech", email="billing@initech.example", vatNumber="GB123456789"
    )
    await billing_client(client, account, name="100% Organic", email="hello@organic.example")

    async def names(q):
        response = await client.get(CLIENTS, params={"q": q}, headers=key(account))
        assert response.status_code == 200
        return [c["name"] for c in response.json()["data"]]

    assert await names("glob") == ["Globex"]
    assert await names("BILLING@") == ["Initech"]
    assert await names("555 0100") == ["Globex"]
    assert await names("gb1234") == ["Initech"]
    assert await names("%") == ["100% Organic"]
    everyone = (await client.get(CLIENTS, headers=key(account))).json()
    assert [c["name"] for c in everyone["data"]] == ["100% Organic", "Globex", "Initech"]
    assert everyone["pagination"] == {"page": 1, "pageSize": 10, "total": 3, "totalPages": 1}


async def test_delete_is_refused_while_invoices_exist(client, account):
    billed = await billing_client(client, account)
    inv = await invoice(client, account, clientId=billed["id"])
    refused = await client.delete(f"{CLIENTS}/{billed['id']}", headers=key(account))
    assert refused.status_code == 409
    assert refused.json() == {"error": "Cannot delete client with invoices", "code": "client_has_invoices"}
    await client.delete(f"/v1/invoices/{inv['id']}", headers=key(account))
    deleted = await client.delete(f"{CLIENTS}/{billed['id']}", headers=key(account))
    assert deleted.status_code == 200 and deleted.json() == {"success": True, "data": "Client deleted"}
    missing = await client.get(f"{CLIENTS}/{billed['id']}", headers=key(account))
    assert missing.status_code == 404 and missing.json()["error"] == "Client not found"


async def test_the_same_clients_as_the_developer_api(client, app, account):
    """A client stored by another surface (no address yet) is listed and can be completed here."""
    async with app.state.database.write() as session:
        row = Client(
            org_id=account.org.id, name="Hooli", name_key=name_key("Hooli"), email="hi@hooli.example"
        )
        session.add(row)
        await session.flush()
        client_id = row.id
    listed = (await client.get(CLIENTS, headers=key(account))).json()["data"]
    assert [(c["id"], c["address"]) for c in listed] == [(client_id, None)]
    duplicate = await client.post(CLIENTS, json={"name": "HOOLI", "address": ADDRESS}, headers=key(account))
    assert duplicate.status_code == 409
    completed = await client.patch(f"{CLIENTS}/{client_id}", json={"address": ADDRESS}, headers=key(account))
    assert completed.status_code == 200 and completed.json()["client"]["address"]["postalCode"] == "8001"
