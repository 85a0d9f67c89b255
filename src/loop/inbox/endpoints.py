"""The inbox surface: ``/api/v1/report/*`` (exports) and ``/v1/drafts``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import FileResponse

from loop.auth.principal import Principal
from loop.core.clock import utcnow
from loop.core.errors import Forbidden, LoopError, NotFound
from loop.core.security import verify_signature
from loop.db.session import ReadSession, WriteSession
from loop.inbox import drafts as draft_service
from loop.inbox import exports as export_service
from loop.inbox import links
from loop.inbox.models import ExportStatus
from loop.inbox.render import CONTENT_TYPES
from loop.inbox.repository import export_for_download
from loop.inbox.schemas import (
    DraftCreate,
    DraftDeletedEnvelope,
    DraftEnvelope,
    DraftFromSource,
    DraftList,
    DraftUpdate,
    ExportRequest,
    ExportResult,
)
from loop.inbox.storage import export_storage
from loop.surfaces import inbox

reports = APIRouter(prefix="/api/v1/report", tags=["Reports"])
drafts = APIRouter(prefix="/v1/drafts", tags=["Drafts"])

ReportRead = Annotated[Principal, inbox.requires("read:report")]
ReportWrite = Annotated[Principal, inbox.requires("write:report")]
DraftRead = Annotated[Principal, inbox.requires("read:draft")]
DraftWrite = Annotated[Principal, inbox.requires("write:draft")]
DraftFromFeedback = Annotated[Principal, inbox.requires("write:draft", "read:feedback")]
DraftFromInvoice = Annotated[Principal, inbox.requires("write:draft", "read:invoice")]
DraftState = Literal["draft", "scheduled", "queued", "sending", "sent", "failed"]


class Gone(LoopError):
    status_code = 410
    code = "gone"
    default_message = "Gone"


def _base_url(request: Request) -> str:
    settings = request.app.state.settings
    return settings.public_url.rstrip("/") if settings.public_url else str(request.base_url).rstrip("/")


def _export(request: Request, export: object) -> dict[str, object]:
    state = request.app.state
    return export_service.to_api(
        export,  # type: ignore[arg-type]
        settings=state.settings,
        base_url=_base_url(request),
        secret=state.secret_key,
    )


# -- report exports -------------------------------------------------------------------------------------
@reports.post("/export", response_model=ExportResult, summary="Export raw conversation data")
async def create_export(
    principal: ReportWrite,
    _json: inbox.JsonBody,
    body: ExportRequest,
    session: WriteSession,
    request: Request,
):
    """Start an export of the conversations that began in ``[start, end)``; poll it with
    ``GET /api/v1/report/exports/{id}`` until it is ``Completed``, then download ``url``."""
    export = await export_service.create_export(
        session,
        principal.org_id,
        principal.user_id,
        start=body.start,
        end=body.end,
        timezone=body.timezone,
        result_format=body.result_format,
        filters={
            "tagIds": body.tag_ids,
            "teamIds": body.team_ids,
            "teammateIds": body.teammate_ids,
            "customerIds": body.customer_ids,
        },
    )
    return inbox.report(_export(request, export))


@reports.get("/exports/{export_id}", response_model=ExportResult, summary="Get an export")
async def get_export(export_id: str, principal: ReportRead, session: ReadSession, request: Request):
    export = await export_service.get_export(session, principal.org_id, export_id)
    return inbox.report(_export(request, export))


@reports.get(
    "/files/{export_id}",
    summary="Download an export (signed link)",
    responses={200: {"content": {v: {} for v in CONTENT_TYPES.values()}}, 403: {}, 410: {}},
)
async def download_export(
    export_id: str,
    session: ReadSession,
    request: Request,
    expires: Annotated[str | None, Query(description="Expiry of the link (epoch seconds)")] = None,
    signature: Annotated[str | None, Query(description="HMAC of the export id and expiry")] = None,
):
    """The link in a completed export's ``url``. It carries its own authorisation (no token needed)."""
    if not expires or not signature or not expires.isdigit() or len(expires) > 12:
        raise Forbidden("Invalid download link", code="invalid_signature")
    verdict = verify_signature(
        request.app.state.secret_key, export_service.file_message(export_id), int(expires), signature
    )
    if verdict == "invalid":
        raise Forbidden("Invalid download link", code="invalid_signature")
    if verdict == "expired":
        raise Gone("This download link has expired", code="link_expired")
    export = await export_for_download(session, export_id)
    if export is None:
        raise NotFound(export_service.EXPORT_NOT_FOUND, code="export_not_found")
    status, _ = export_service.effective_status(export, utcnow(), request.app.state.settings)
    path = export_storage(request.app.state.settings).path(export.file_name) if export.file_name else None
    if status != ExportStatus.completed.value or path is None:
        raise Gone("This export is no longer available", code="export_gone")
    extension = export.file_name.rsplit(".", 1)[-1] if export.file_name else "json"
    return FileResponse(
        path,
        media_type=CONTENT_TYPES.get(export.result_format, "application/octet-stream"),
        filename=f"report-{export.id}.{extension}",
        headers={"Cache-Control": "private, no-store"},
    )


# -- drafts ---------------------------------------------------------------------------------------------
@drafts.post("", status_code=201, response_model=DraftEnvelope, summary="Create a draft")
async def create_draft(
    principal: DraftWrite, _json: inbox.JsonBody, body: DraftCreate, session: WriteSession, request: Request
):
    """Body: ``{"drafts": {...}}`` (or the object itself). ``send: true`` sends it now and ``send_at`` at that
    time, through the configured SMTP server; without one the draft is kept as ``queued``."""
    draft = await draft_service.create_draft(
        session,
        principal.org_id,
        principal.user_id,
        body.model_dump(exclude_unset=True),
        settings=request.app.state.settings,
    )
    (item,) = await draft_service.present(session, principal.org_id, [draft])
    return inbox.draft(item, 201)


def _fields(body: DraftFromSource | None) -> dict[str, object]:
    return body.model_dump(exclude_unset=True) if body is not None else {}


@drafts.post(
    "/from-feedback/{feedback_id}",
    status_code=201,
    response_model=DraftEnvelope,
    responses={
        400: {"description": "The item has no reporter email"},
        404: {"description": "Feedback not found"},
    },
    summary="Draft a reply to a feedback item's reporter",
)
async def create_draft_from_feedback(
    feedback_id: str,
    principal: DraftFromFeedback,
    _json: inbox.JsonIfBody,
    session: WriteSession,
    request: Request,
    body: DraftFromSource | None = None,
):
    """To the reporter, subject ``Re: <title>``, the feedback quoted under your ``message`` (or an opening
    that fits the item's status). The body is optional."""
    draft = await links.draft_from_feedback(
        session,
        principal.org_id,
        principal.user_id,
        feedback_id,
        _fields(body),
        settings=request.app.state.settings,
    )
    (item,) = await draft_service.present(session, principal.org_id, [draft])
    return inbox.draft(item, 201)


@drafts.post(
    "/from-invoice/{invoice_id}",
    status_code=201,
    response_model=DraftEnvelope,
    responses={
        400: {"description": "The client has no email, or the invoice has no lines"},
        404: {"description": "Invoice not found"},
        409: {"description": "The invoice is void"},
    },
    summary="Draft the email of an invoice (PDF attached, pay link in the body)",
)
async def create_draft_from_invoice(
    invoice_id: str,
    principal: DraftFromInvoice,
    _json: inbox.JsonIfBody,
    session: WriteSession,
    request: Request,
    body: DraftFromSource | None = None,
):
    """To the client, the invoice PDF attached and its pay link in the text; an overdue invoice gets a
    ``Reminder:`` subject. It does not record a send (``POST /v1/invoices/{id}/send`` does, and makes this
    draft itself). The body is optional."""
    state = request.app.state
    draft = await links.draft_from_invoice(
        session,
        principal.org_id,
        principal.user_id,
        invoice_id,
        _fields(body),
        settings=state.settings,
        secret=state.secret_key,
    )
    (item,) = await draft_service.present(session, principal.org_id, [draft])
    return inbox.draft(item, 201)


@drafts.get("", response_model=DraftList, summary="List drafts")
async def list_drafts(
    principal: DraftRead,
    session: ReadSession,
    pagination: inbox.Pagination,
    status: Annotated[DraftState | None, Query(description="Only drafts in this state")] = None,
    conversation: Annotated[str | None, Query(max_length=100, description="Only this conversation")] = None,
):
    rows, total = await draft_service.list_drafts(
        session,
        principal.org_id,
        status=status,
        conversation=conversation,
        limit=pagination.limit,
        offset=pagination.offset,
    )
    return inbox.drafts_page(await draft_service.present(session, principal.org_id, rows), total, pagination)


@drafts.get("/{draft_id}", response_model=DraftEnvelope, summary="Get a draft")
async def get_draft(draft_id: str, principal: DraftRead, session: ReadSession):
    draft = await draft_service.get_draft(session, principal.org_id, draft_id)
    (item,) = await draft_service.present(session, principal.org_id, [draft])
    return inbox.draft(item)


@drafts.patch("/{draft_id}", response_model=DraftEnvelope, summary="Update a draft")
async def update_draft(
    draft_id: str,
    principal: DraftWrite,
    _json: inbox.JsonBody,
    body: DraftUpdate,
    session: WriteSession,
    request: Request,
):
    """Given fields replace the draft's (``add_*``/``remove_*`` change its lists). ``send: true`` sends it,
    ``send_at`` (re)schedules it, ``send_at: null`` cancels the schedule."""
    draft = await draft_service.update_draft(
        session,
        principal.org_id,
        draft_id,
        body.model_dump(exclude_unset=True),
        settings=request.app.state.settings,
    )
    (item,) = await draft_service.present(session, principal.org_id, [draft])
    return inbox.draft(item)


@drafts.delete("/{draft_id}", response_model=DraftDeletedEnvelope, summary="Delete a draft")
async def delete_draft(draft_id: str, principal: DraftWrite, session: WriteSession):
    await draft_service.delete_draft(session, principal.org_id, draft_id)
    return inbox.draft({"id": draft_id, "deleted": True})
