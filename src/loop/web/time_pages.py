"""Time and invoices: the time entries of a week, the invoices list, and an invoice with its PDF preview."""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict, defaultdict
from datetime import date, timedelta
from typing import Annotated, Any

import anyio
import orjson
from fastapi import APIRouter, Query, Request, Response

from loop.core.clock import utcnow
from loop.core.errors import BadRequest
from loop.db.session import ReadSession
from loop.invoices import rules, sending
from loop.invoices import service as invoices
from loop.invoices.pdf import render_invoice
from loop.orgs.models import Organisation
from loop.track import time_service
from loop.web.common import CurrentUser, PageRoute, render

router = APIRouter(route_class=PageRoute)
INVOICES_PER_PAGE = 25


def _hours(seconds: int) -> str:
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}"


@router.get("/time", summary="Time entries of a week")
async def week(
    request: Request,
    user: CurrentUser,
    session: ReadSession,
    week: Annotated[str | None, Query(max_length=10, description="Any day of the week (YYYY-MM-DD)")] = None,
):
    try:
        day = date.fromisoformat(week) if week else utcnow().date()
    except ValueError as exc:
        raise BadRequest("Invalid 'week': use a date like 2026-11-23", code="validation_error") from exc
    monday = day - timedelta(days=day.weekday())
    sunday = monday + timedelta(days=6)
    entries = await time_service.listing(
        session, user.principal, day=sunday, frequency="week", user_id=None, project_id=None
    )
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        by_day[entry["date"]].append(entry)
    days = [
        {
            "date": monday + timedelta(days=n),
            "entries": by_day.get(monday + timedelta(days=n), []),
            "total": _hours(sum(e["durationSeconds"] for e in by_day.get(monday + timedelta(days=n), []))),
        }
        for n in range(7)
    ]
    total = sum(e["durationSeconds"] for e in entries)
    billable = sum(e["durationSeconds"] for e in entries if e["billable"])
    return render(
        request, "time.html", days=days, monday=monday, sunday=sunday, total=_hours(total),
        billable=_hours(billable), count=len(entries), hours=_hours,
        previous=(monday - timedelta(days=7)).isoformat(), next=(monday + timedelta(days=7)).isoformat(),
    )  # fmt: skip


@router.get("/invoices", summary="Invoices")
async def invoice_list(
    request: Request,
    user: CurrentUser,
    session: ReadSession,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    status: Annotated[str | None, Query(max_length=20)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
):
    rows, total = await invoices.listing(
        session, user.org_id, statuses=[status.upper()] if status else [], client_id=None, start=None,
        end=None, q=q or None, limit=INVOICES_PER_PAGE, offset=(page - 1) * INVOICES_PER_PAGE,
    )  # fmt: skip
    query = {k: v for k, v in {"status": status, "q": q}.items() if v}
    return render(
        request, "invoices/list.html", items=rows, total=total, page=page,
        pages=max(1, math.ceil(total / INVOICES_PER_PAGE)), query=query, statuses=rules.ALL,
        first=(page - 1) * INVOICES_PER_PAGE + 1 if rows else 0, last=(page - 1) * INVOICES_PER_PAGE + len(rows),
    )  # fmt: skip


@router.get("/invoices/{invoice_id}", summary="An invoice")
async def invoice_detail(request: Request, invoice_id: str, user: CurrentUser, session: ReadSession):
    invoice = await invoices.get(session, user.org_id, invoice_id)
    return render(request, "invoices/detail.html", invoice=invoice)


class PdfCache:
    """Recently rendered PDFs, keyed by a digest of everything the document shows (the invoice as the API
    returns it and the organisation's name, address and bank details): any change makes a new key, so a
    cached PDF is never stale. Rendering costs a few hundred milliseconds; the preview is opened often."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self.entries: OrderedDict[str, bytes] = OrderedDict()

    async def get(self, session: Any, org_id: str, invoice: dict[str, Any]) -> bytes:
        organisation = await session.get(Organisation, org_id)
        shown = sending.organisation_to_api(organisation)
        key = hashlib.sha256(
            orjson.dumps([invoice, shown], default=str, option=orjson.OPT_SORT_KEYS)
        ).hexdigest()
        if key in self.entries:
            self.entries.move_to_end(key)
            return self.entries[key]
        pdf = await anyio.to_thread.run_sync(render_invoice, invoice, shown)
        self.entries[key] = pdf
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)
        return pdf


@router.get("/invoices/{invoice_id}/pdf", summary="The invoice as a PDF")
async def invoice_pdf(request: Request, invoice_id: str, user: CurrentUser, session: ReadSession):
    invoice = await invoices.get(session, user.org_id, invoice_id)
    cache = getattr(request.app.state, "dashboard_pdf_cache", None)
    if cache is None:
        cache = request.app.state.dashboard_pdf_cache = PdfCache()
    pdf = await cache.get(session, user.org_id, invoice)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{sending.pdf_filename(invoice)}"',
            "Cache-Control": "no-store",
        },
    )
