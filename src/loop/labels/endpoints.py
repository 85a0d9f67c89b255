"""``/api/labels``: list, create, rename / recolour, soft delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response

from loop.auth.principal import Principal
from loop.db.session import ReadSession, WriteSession
from loop.labels import service
from loop.labels.schemas import LabelCreate, LabelOut, LabelUpdate
from loop.surfaces import engine

router = APIRouter(prefix="/api/labels", tags=["Labels"])

LabelsRead = Annotated[Principal, engine.requires("read:label")]
LabelsWrite = Annotated[Principal, engine.requires("write:label")]


@router.get("", response_model=engine.Page[LabelOut], summary="List labels")
async def list_labels(principal: LabelsRead, session: ReadSession, pagination: engine.Pagination):
    rows, total = await service.list_labels(
        session, principal.org_id, limit=pagination.limit, offset=pagination.offset
    )
    return engine.page([service.to_api(row) for row in rows], total)


@router.post("", status_code=201, response_model=engine.Data[LabelOut], summary="Create a label")
async def create_label(body: LabelCreate, principal: LabelsWrite, session: WriteSession):
    label = await service.create_label(session, principal.org_id, name=body.name, color=body.color)
    return engine.one(service.to_api(label), 201)


@router.patch("/{label_id}", response_model=engine.Data[LabelOut], summary="Rename or recolour a label")
async def update_label(label_id: str, body: LabelUpdate, principal: LabelsWrite, session: WriteSession):
    label = await service.update_label(session, principal.org_id, label_id, name=body.name, color=body.color)
    return engine.one(service.to_api(label))


@router.delete("/{label_id}", status_code=204, response_class=Response, summary="Delete a label (soft)")
async def delete_label(label_id: str, principal: LabelsWrite, session: WriteSession):
    await service.delete_label(session, principal.org_id, label_id)
    return Response(status_code=204)
