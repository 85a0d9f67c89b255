"""``/api/dispatch``: claim the next issue (``GET /next``, ``POST /claim``), the queue, heartbeats, release."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import Field

from loop.auth.principal import Principal
from loop.core.jsonresp import json_response
from loop.db.session import WriteSession
from loop.dispatch import service
from loop.surfaces import engine

router = APIRouter(prefix="/api/dispatch", tags=["Dispatch"])

DispatchRead = Annotated[Principal, engine.requires("read:dispatch")]
DispatchClaim = Annotated[Principal, engine.requires("write:dispatch")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="A retried claim with the same key (same token) returns the same claim",
    ),
]
LabelsQuery = Annotated[
    str | None, Query(description="Comma-separated label names; the issue must carry all of them")
]


class ClaimBody(engine.EngineModel):
    project_id: str | None = None
    labels: list[str] | None = Field(None, max_length=20)
    agent_id: str | None = Field(None, max_length=200, description="Your agent's name, kept on the session")


class ReleaseBody(engine.EngineModel):
    reason: str | None = Field(None, max_length=2000)


class SessionOut(engine.EngineModel):
    id: str
    issue_id: str
    credential_id: str | None
    agent_id: str | None
    template_id: str | None
    version_id: str | None
    status: str
    outcome: str | None
    reason: str | None
    claimed_at: Any
    heartbeat_at: Any
    lease_expires_at: Any
    ended_at: Any


def _options(request: Request) -> service.DispatchOptions:
    return service.DispatchOptions.from_settings(request.app.state.settings)


def _claimed(result: dict[str, Any] | None) -> Any:
    if result is None:
        return Response(status_code=204)
    # Top level for the reference MCP server, under ``data`` for its SDK and CLI (docs/compatibility.md).
    return json_response({**result, "data": result})


_CLAIM_DOC = (
    "200 `{issue, prompt, meta, session}` (also under `data`), or 204 when no issue is ready. The issue is "
    "`in_progress` and leased to the calling token until `session.leaseExpiresAt`; heartbeat to keep it."
)


@router.get("/next", summary="Claim the next ready issue", description=_CLAIM_DOC)
async def next_issue(
    request: Request,
    principal: DispatchClaim,
    session: WriteSession,
    idempotency_key: IdempotencyKey = None,
    project_id: Annotated[str | None, Query(alias="projectId", max_length=36)] = None,
    labels: LabelsQuery = None,
) -> Any:
    result = await service.claim(
        session,
        principal,
        _options(request),
        project_id=project_id,
        labels=service.parse_labels(labels),
        idempotency_key=idempotency_key,
    )
    return _claimed(result)


@router.post("/claim", summary="Claim the next ready issue (POST form)", description=_CLAIM_DOC)
async def claim_issue(
    request: Request,
    principal: DispatchClaim,
    session: WriteSession,
    body: ClaimBody | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    body = body or ClaimBody()
    result = await service.claim(
        session,
        principal,
        _options(request),
        project_id=body.project_id,
        labels=service.parse_labels(body.labels),
        idempotency_key=idempotency_key,
        agent_id=body.agent_id,
    )
    return _claimed(result)


@router.get(
    "/queue",
    summary="The dispatch queue, in claim order",
    description="Every ready issue (todo, not blocked), in exactly the order claims take them, paginated over "
    "the whole queue, with its score and the score's parts.",
)
async def get_queue(
    principal: DispatchRead,
    session: WriteSession,
    pagination: engine.Pagination,
    project_id: Annotated[str | None, Query(alias="projectId", max_length=36)] = None,
    labels: LabelsQuery = None,
) -> Any:
    items, total = await service.queue(
        session,
        principal.org_id,
        project_id=project_id,
        labels=service.parse_labels(labels),
        limit=pagination.limit,
        offset=pagination.offset,
    )
    return engine.page(items, total)


@router.post(
    "/{issue_id}/heartbeat",
    response_model=engine.Data[SessionOut],
    summary="Renew your lease on a claimed issue",
)
async def heartbeat(issue_id: str, request: Request, principal: DispatchClaim, session: WriteSession):
    return engine.one(await service.heartbeat(session, principal, issue_id, _options(request)))


@router.post(
    "/{issue_id}/release",
    response_model=engine.Data[SessionOut],
    summary="Give a claimed issue back to the queue",
)
async def release(
    issue_id: str, principal: DispatchClaim, session: WriteSession, body: ReleaseBody | None = None
):
    reason = body.reason if body else None
    return engine.one(await service.release(session, principal, issue_id, reason=reason))
