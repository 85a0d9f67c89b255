"""Report exports: an asynchronous export of the organisation's conversations in a time window.

``POST /api/v1/report/export`` records the request and enqueues ``inbox.report_export`` in the same
transaction; the job builds the file (``tasks.py``) and marks the export ``Completed`` with an expiry.
The status a client sees is derived at read time too, so an export is never ``Processing`` forever:

* ``Completed`` past its expiry reads ``Expired`` (the cleanup job then deletes the file);
* ``Processing`` older than ``LOOP_REPORT_EXPORT_MAX_AGE_S`` reads ``Failed`` (its job also gives up: a
  crashed worker's job is taken over, and after its last try it is marked failed with the export).

The download link is ``/api/v1/report/files/{id}?expires=<epoch>&signature=<HMAC>``: it needs no token,
works until the export expires, and a changed id or expiry breaks the signature.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from loop import jobs
from loop.config import Settings
from loop.core.clock import iso, utcnow
from loop.core.errors import BadRequest, NotFound
from loop.core.ids import new_id
from loop.core.security import sign
from loop.inbox.models import ExportStatus, ReportExport
from loop.inbox.repository import ExportRepository
from loop.inbox.sources import ExportQuery

EXPORT_NOT_FOUND = "Export not found"
BUILD_JOB = "inbox.report_export"
CLEANUP_JOB = "inbox.report_export_cleanup"
FILTERS = {
    "tagIds": "tag_ids",
    "teamIds": "team_ids",
    "teammateIds": "teammate_ids",
    "customerIds": "customer_ids",
}
# Beyond this a window is certainly a mistake (and datetime cannot represent it).
MAX_EPOCH = 253_402_300_799  # 9999-12-31T23:59:59Z


def parse_timezone(name: str | None) -> ZoneInfo:
    if name is None or name == "":
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadRequest(
            f"Unknown timezone '{name}': use an IANA name such as Europe/Paris or America/New_York",
            code="invalid_timezone",
        ) from exc


def _epoch(value: int, field: str) -> datetime:
    if value > MAX_EPOCH:
        raise BadRequest(f"{field} is out of range (epoch seconds)", code="invalid_window")
    return datetime.fromtimestamp(value, UTC)


async def create_export(
    session: AsyncSession,
    org_id: str,
    user_id: str | None,
    *,
    start: int,
    end: int,
    timezone: str | None,
    result_format: str | None,
    filters: dict[str, list[str] | None],
) -> ReportExport:
    _epoch(start, "start")
    _epoch(end, "end")
    if end <= start:
        raise BadRequest("end must be after start", code="invalid_window")
    zone = parse_timezone(timezone)
    now = utcnow()
    export = ReportExport(
        id=new_id(),
        requested_by=user_id,
        status=ExportStatus.processing.value,
        result_format=result_format or "Json",
        params={
            "start": start,
            "end": end,
            "timezone": zone.key,
            **{key: sorted(set(values)) if values else None for key, values in filters.items()},
        },
        created_at=now,
        updated_at=now,
    )
    ExportRepository(session, org_id).add(export)
    await session.flush()
    await jobs.enqueue(session, org_id, BUILD_JOB, {"export_id": export.id})
    return export


async def get_export(session: AsyncSession, org_id: str, export_id: str) -> ReportExport:
    export = await ExportRepository(session, org_id).get(export_id)
    if export is None:
        raise NotFound(EXPORT_NOT_FOUND, code="export_not_found")
    return export


def query_of(export: ReportExport) -> ExportQuery:
    params = export.params
    return ExportQuery.build(
        export.org_id,
        datetime.fromtimestamp(params["start"], UTC),
        datetime.fromtimestamp(params["end"], UTC),
        **{attr: params.get(key) for key, attr in FILTERS.items()},
    )


def is_too_old(export: ReportExport, now: datetime, settings: Settings) -> bool:
    return now - export.created_at > timedelta(seconds=settings.report_export_max_age_s)


def effective_status(export: ReportExport, now: datetime, settings: Settings) -> tuple[str, str | None]:
    status, error = export.status, export.error
    if status == ExportStatus.completed.value and export.expires_at is not None and now >= export.expires_at:
        return ExportStatus.expired.value, None
    if status == ExportStatus.processing.value and is_too_old(export, now, settings):
        minutes = settings.report_export_max_age_s // 60
        return ExportStatus.failed.value, f"The export did not finish within {minutes} minutes"
    return status, error


def file_message(export_id: str) -> str:
    return f"report-export:{export_id}"


def download_url(export: ReportExport, base_url: str, secret: str) -> str:
    assert export.expires_at is not None
    expires = int(export.expires_at.timestamp())
    query = urlencode({"expires": expires, "signature": sign(secret, file_message(export.id), expires)})
    return f"{base_url.rstrip('/')}/api/v1/report/files/{export.id}?{query}"


def to_api(export: ReportExport, *, settings: Settings, base_url: str, secret: str) -> dict[str, Any]:
    status, error = effective_status(export, utcnow(), settings)
    completed = status == ExportStatus.completed.value
    return {
        "id": export.id,
        "status": status,
        "url": download_url(export, base_url, secret) if completed else None,
        "resultFormat": export.result_format,
        "createdAt": iso(export.created_at),
        "completedAt": iso(export.completed_at),
        "expiresAt": iso(export.expires_at),
        "rowCount": export.row_count,
        "error": error,
    }
