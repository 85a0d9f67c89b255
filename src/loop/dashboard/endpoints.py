"""``/api/dashboard``: stats, activity, prompt health."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from loop.auth.principal import Principal
from loop.core.jsonresp import json_response
from loop.dashboard import service
from loop.db.session import ReadSession, WriteSession
from loop.surfaces import engine

router = APIRouter(prefix="/api/dashboard", tags=["Dashboard"])

DashboardRead = Annotated[Principal, engine.requires("read:dashboard")]


@router.get(
    "/stats",
    summary="Issue, goal and dispatch figures",
    description="`dispatch.queueDepth` counts the issues a claim could take now (todo and not blocked); "
    "`dispatch.blockedCount` the todo issues that wait for a blocker.",
)
async def stats(principal: DashboardRead, session: WriteSession) -> Any:
    return engine.one(await service.stats(session, principal.org_id))


@router.get(
    "/activity",
    summary="Issue chains by latest activity",
    description="Each chain is a parentless issue and its children; chains are ordered by the latest update "
    "of the root or any child. `total` is the number of chains.",
)
async def activity(
    principal: DashboardRead,
    session: ReadSession,
    limit: Annotated[int, Query(ge=1, le=200, description="Chains per page (1–200)")] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Any:
    items, total = await service.activity(session, principal.org_id, limit=limit, offset=offset)
    return engine.page(items, total)


@router.get("/prompts", summary="Prompt template health")
async def prompts(principal: DashboardRead, session: ReadSession) -> Any:
    return json_response({"data": await service.prompts(session, principal.org_id)})
