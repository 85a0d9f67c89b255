"""Background jobs of the inbox: deliver a draft, build a report export, delete an expired export's file.

Each handler checks the state it is about to change first, so running it twice (at-least-once delivery)
changes nothing the second time.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from loop import jobs
from loop.core.clock import utcnow
from loop.inbox import exports, render
from loop.inbox.drafts import SEND_JOB
from loop.inbox.models import Draft, DraftStatus, ExportStatus, ReportExport
from loop.inbox.repository import AttachmentRepository, DraftRepository, ExportRepository
from loop.inbox.sources import collect
from loop.inbox.storage import export_storage
from loop.jobs.runner import describe
from loop.mail.smtp import MailConfig, OutgoingAttachment, OutgoingMail, PermanentDeliveryError, send

log = structlog.get_logger("loop.inbox")

_IN_FLIGHT = (DraftStatus.sending.value, DraftStatus.scheduled.value)


# -- draft delivery ---------------------------------------------------------------------------------------
async def _draft_failed(session: AsyncSession, job: jobs.JobInfo, error: str) -> None:
    await session.execute(
        update(Draft)
        .where(Draft.id == job.payload.get("draft_id"), Draft.send_job_id == job.id)
        .where(Draft.status.in_(_IN_FLIGHT))
        .values(status=DraftStatus.failed.value, last_error=error, updated_at=utcnow())
    )


def _pairs(fields: list[dict[str, Any]]) -> list[tuple[str | None, str]]:
    return [(f.get("name"), f["address"]) for f in fields or [] if f.get("address")]


@jobs.handler(
    SEND_JOB, max_attempts=5, timeout_s=180, backoff_s=30, max_backoff_s=1800, on_failure=_draft_failed
)
async def send_draft(ctx: jobs.JobContext) -> None:
    draft_id, org_id = ctx.payload["draft_id"], ctx.org_id
    assert org_id is not None
    config = MailConfig.from_settings(ctx.settings)
    async with ctx.database.write() as session:
        draft = await DraftRepository(session, org_id).get(draft_id, for_update=True)
        if draft is None or draft.send_job_id != ctx.job.id or draft.status not in _IN_FLIGHT:
            return  # deleted, rescheduled or already handled
        if config is None:
            draft.status = DraftStatus.queued.value
            draft.last_error = "No SMTP server is configured on the worker that picked up this draft"
            return
        draft.status = DraftStatus.sending.value
        attachments = await AttachmentRepository(session, org_id).with_data(draft_id)
        mail = OutgoingMail(
            message_id=draft.message_id or "",
            from_address=draft.from_address or config.default_from,
            from_name=draft.from_name,
            subject=draft.subject or "",
            body=draft.body or "",
            to=_pairs(draft.to_fields),
            cc=_pairs(draft.cc_fields),
            bcc=_pairs(draft.bcc_fields),
            references=list(draft.message_references or []),
            attachments=[OutgoingAttachment(a.filename, a.content_type, a.data) for a in attachments],
        )
    try:
        reply = await send(config, mail)
    except PermanentDeliveryError as exc:
        raise jobs.PermanentJobError(str(exc)) from exc
    except Exception as exc:
        if not ctx.is_last_attempt:
            async with ctx.database.write() as session:
                await session.execute(
                    update(Draft)
                    .where(Draft.id == draft_id, Draft.send_job_id == ctx.job.id)
                    .values(last_error=f"Try {ctx.job.attempts} failed, will retry: {describe(exc)}")
                )
        raise
    now = utcnow()
    async with ctx.database.write() as session:
        await session.execute(
            update(Draft)
            .where(Draft.id == draft_id, Draft.send_job_id == ctx.job.id)
            .values(status=DraftStatus.sent.value, sent_at=now, last_error=None, updated_at=now)
        )
    log.info("draft_sent", draft_id=draft_id, message_id=mail.message_id, smtp_reply=str(reply)[:200])


# -- report exports ---------------------------------------------------------------------------------------
async def _export_failed(session: AsyncSession, job: jobs.JobInfo, error: str) -> None:
    await session.execute(
        update(ReportExport)
        .where(ReportExport.id == job.payload.get("export_id"))
        .where(ReportExport.status == ExportStatus.processing.value)
        .values(status=ExportStatus.failed.value, error=error, updated_at=utcnow())
    )


@jobs.handler(exports.BUILD_JOB, max_attempts=3, timeout_s=900, backoff_s=10, on_failure=_export_failed)
async def build_export(ctx: jobs.JobContext) -> None:
    export_id, org_id = ctx.payload["export_id"], ctx.org_id
    assert org_id is not None
    async with ctx.database.read() as session:
        export = await ExportRepository(session, org_id).get(export_id)
        if export is None or export.status != ExportStatus.processing.value:
            return
        if exports.is_too_old(export, utcnow(), ctx.settings):
            raise jobs.PermanentJobError(
                f"The export did not finish within {ctx.settings.report_export_max_age_s // 60} minutes"
            )
        params, result_format = dict(export.params), export.result_format
        query = exports.query_of(export)
        rows = await collect(session, query)
    zone = exports.parse_timezone(params.get("timezone"))
    if result_format == "Xlsx":
        about = {
            "export": export_id,
            "start": query.start,
            "end": query.end,
            "timezone": zone.key,
            **{key: ", ".join(params.get(key) or []) or None for key in exports.FILTERS},
            "rows": len(rows),
        }
        data = await asyncio.to_thread(render.to_xlsx, rows, zone, about)
    else:
        data = await asyncio.to_thread(render.to_json, rows, zone)
    name = f"{export_id}.{render.EXTENSIONS[result_format]}"
    storage = export_storage(ctx.settings)
    await asyncio.to_thread(storage.save, name, data)
    now = utcnow()
    expires_at = (now + timedelta(seconds=ctx.settings.report_export_ttl_s)).replace(microsecond=0)
    async with ctx.database.write() as session:
        result = await session.execute(
            update(ReportExport)
            .where(ReportExport.id == export_id, ReportExport.status == ExportStatus.processing.value)
            .values(
                status=ExportStatus.completed.value,
                file_name=name,
                file_size=len(data),
                row_count=len(rows),
                completed_at=now,
                expires_at=expires_at,
                error=None,
                updated_at=now,
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            storage.delete(name)  # failed or finished meanwhile
            return
        await jobs.enqueue(
            session, org_id, exports.CLEANUP_JOB, {"export_id": export_id}, run_after=expires_at
        )
    log.info("report_export_completed", export_id=export_id, rows=len(rows), bytes=len(data))


@jobs.handler(exports.CLEANUP_JOB, max_attempts=5, timeout_s=60, backoff_s=60)
async def expire_export(ctx: jobs.JobContext) -> None:
    export_id, org_id = ctx.payload["export_id"], ctx.org_id
    assert org_id is not None
    async with ctx.database.write() as session:
        export = await ExportRepository(session, org_id).get(export_id, for_update=True)
        if export is None or export.file_name is None:
            return
        if export.expires_at is not None and export.expires_at > utcnow():
            # early (another process's clock): come back when it is due
            await jobs.enqueue(session, org_id, exports.CLEANUP_JOB, ctx.payload, run_after=export.expires_at)
            return
        export_storage(ctx.settings).delete(export.file_name)
        export.file_name = None
        export.status = ExportStatus.expired.value
