"""What the endpoints return is exactly what their declared response models (and so /openapi.json) describe:
the same keys, no more and no fewer, with values the models accept."""

import types
import typing
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from loop.clients.invoicing_schemas import ClientMutation
from loop.invoices.schemas import ImportResult, InvoiceMutation, LineItemMutation, SendResult
from loop.invoices.team import TeamOut
from loop.projects.track_schemas import MemberMutation, ProjectMutation, ProjectOut
from loop.surfaces.track import Paged
from loop.track.schemas import SectionMutation, TagMutation, TimeMutation, TimeOut, TodoMutation, TodoPage
from tests.track.util import billing_client, key


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if get_origin(annotation) in (typing.Union, types.UnionType, list):
        return [m for arg in get_args(annotation) for m in _models_in(arg)]
    return []


def assert_shape(model: type[BaseModel], value: Any, where: str = "$") -> None:
    model.model_validate(value)
    assert isinstance(value, dict), where
    fields = {(info.alias or name): info for name, info in model.model_fields.items()}
    required = {alias for alias, info in fields.items() if info.is_required()}
    assert set(value) <= set(fields), f"{where}: undeclared keys {set(value) - set(fields)}"
    assert required <= set(value), f"{where}: missing keys {required - set(value)}"
    for alias, info in fields.items():
        inner = value.get(alias)
        models = _models_in(info.annotation)
        if not models or inner is None:
            continue
        for item in inner if isinstance(inner, list) else [inner]:
            assert_shape(models[0], item, f"{where}.{alias}")


async def test_responses_match_their_models(client, account):
    billed = await billing_client(client, account, phone="+27 21 555 0100")
    created_project = (
        await client.post(
            "/v1/track/projects",
            json={"title": "P", "code": "P", "clientId": billed["id"]},
            headers=key(account),
        )
    ).json()
    assert_shape(ProjectMutation, created_project)
    p = created_project["project"]
    member = await client.put(
        f"/v1/track/projects/{p['id']}/members/{account.user.id}", json={"rate": "97.5"}, headers=key(account)
    )
    assert_shape(MemberMutation, member.json())
    assert_shape(ProjectOut, (await client.get(f"/v1/track/projects/{p['id']}", headers=key(account))).json())
    assert_shape(Paged[ProjectOut], (await client.get("/v1/track/projects", headers=key(account))).json())
    section = await client.post(
        "/v1/track/sections", json={"title": "S", "projectId": p["id"]}, headers=key(account)
    )
    assert_shape(SectionMutation, section.json())
    assert_shape(
        TagMutation, (await client.post("/v1/track/tags", json={"title": "t"}, headers=key(account))).json()
    )
    assert_shape(
        TagMutation, (await client.post("/v1/track/tags", json={"title": "T"}, headers=key(account))).json()
    )
    time = await client.post(
        "/v1/track/time",
        json={
            "taskName": "x",
            "durationSeconds": 3600,
            "date": "2026-05-04",
            "projectId": p["id"],
            "tags": [{"title": "t"}],
        },
        headers=key(account),
    )
    assert_shape(TimeMutation, time.json())
    for entry in (
        await client.get("/v1/track/time", params={"date": "2026-05-04"}, headers=key(account))
    ).json():
        assert_shape(TimeOut, entry)
    todo = await client.post(
        "/v1/track/todos",
        json={"title": "t", "dueDate": "2026-05-04T09:00:00Z", "recurrence": {"freq": "DAILY"}},
        headers=key(account),
    )
    assert_shape(TodoMutation, todo.json())
    done = await client.patch(
        f"/v1/track/todos/{todo.json()['todo']['id']}", json={"completed": True}, headers=key(account)
    )
    assert_shape(TodoMutation, done.json())
    assert_shape(
        TodoPage,
        (
            await client.get(
                "/v1/track/todos", params={"filter": "completed", "limit": 5}, headers=key(account)
            )
        ).json(),
    )

    assert_shape(
        ClientMutation,
        (
            await client.patch(
                f"/v1/invoices/clients/{billed['id']}", json={"phone": "1"}, headers=key(account)
            )
        ).json(),
    )
    invoice = await client.post(
        "/v1/invoices",
        json={
            "clientId": billed["id"],
            "dueDate": "2099-01-01",
            "lineItems": [{"description": "x", "quantity": 1, "rate": 1}],
        },
        headers=key(account),
    )
    assert_shape(InvoiceMutation, invoice.json())
    invoice_id = invoice.json()["invoice"]["id"]
    line = await client.post(
        f"/v1/invoices/{invoice_id}/line-items",
        json={"description": "y", "quantity": 1, "rate": 2},
        headers=key(account),
    )
    assert_shape(LineItemMutation, line.json())
    imported = await client.post(
        f"/v1/invoices/{invoice_id}/import-time",
        json={"from": "2026-05-01", "to": "2026-05-31"},
        headers=key(account),
    )
    assert_shape(ImportResult, imported.json())
    assert_shape(
        SendResult, (await client.post(f"/v1/invoices/{invoice_id}/send", headers=key(account))).json()
    )
    assert_shape(TeamOut, (await client.get("/v1/team", headers=key(account))).json())
