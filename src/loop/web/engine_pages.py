"""Dispatch and prompts: the live queue in claim order with each score's parts, the claimed issues with
their lease time left; prompt templates with their versions (promote one), the review score over time as an
inline SVG chart, and the templates that need attention."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request

from loop.dashboard import service as dashboard
from loop.db.session import ReadSession, WriteSession
from loop.dispatch import service as dispatch
from loop.dispatch.claims import active_claims
from loop.prompts import service as prompts
from loop.web.common import CurrentUser, PageRoute, redirect, render

router = APIRouter(route_class=PageRoute)
QUEUE_PER_PAGE = 50
CHART_REVIEWS = 100


@router.get("/dispatch", summary="Dispatch queue")
async def dispatch_page(
    request: Request,
    user: CurrentUser,
    session: WriteSession,  # reading the queue first ends the leases that have run out, as claims do
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
):
    items, total = await dispatch.queue(
        session, user.org_id, limit=QUEUE_PER_PAGE, offset=(page - 1) * QUEUE_PER_PAGE
    )
    claims = await active_claims(session, user.org_id)
    return render(
        request, "dispatch.html", items=items, total=total, page=page,
        pages=max(1, math.ceil(total / QUEUE_PER_PAGE)), claims=claims,
        first=(page - 1) * QUEUE_PER_PAGE + 1 if items else 0,
    )  # fmt: skip


def score_chart(reviews: list[Any], width: int = 640, height: int = 160) -> dict[str, Any] | None:
    """Points of the composite review score (mean of clarity, completeness and relevance, 1–5), oldest first."""
    if not reviews:
        return None
    ordered = sorted(reviews, key=lambda r: (r.created_at, r.id))
    scores = [(r.clarity + r.completeness + r.relevance) / 3 for r in ordered]
    pad = 24
    step = (width - 2 * pad) / max(1, len(scores) - 1)

    def y(value: float) -> float:
        return round(height - pad - (value - 1) / 4 * (height - 2 * pad), 1)

    points = [(round(pad + i * step, 1), y(s)) for i, s in enumerate(scores)]
    return {
        "width": width,
        "height": height,
        "points": " ".join(f"{px},{py}" for px, py in points),
        "dots": [
            {"x": px, "y": py, "score": round(s, 2)} for (px, py), s in zip(points, scores, strict=True)
        ],
        "grid": [{"value": v, "y": y(v)} for v in (1, 2, 3, 4, 5)],
        "first": ordered[0].created_at,
        "last": ordered[-1].created_at,
        "latest": round(scores[-1], 2),
        "mean": round(sum(scores) / len(scores), 2),
        "count": len(scores),
    }


@router.get("/prompts", summary="Prompt templates")
async def prompts_page(request: Request, user: CurrentUser, session: ReadSession):
    health = await dashboard.prompts(session, user.org_id)
    flagged = [row for row in health if row["needsAttention"]]
    return render(request, "prompts/list.html", templates=health, flagged=flagged)


@router.get("/prompts/{template_id}", summary="A prompt template")
async def template_page(request: Request, template_id: str, user: CurrentUser, session: ReadSession):
    template = await prompts.template_detail(session, user.org_id, template_id)
    versions, version_total = await prompts.list_versions(
        session, user.org_id, template_id, limit=50, offset=0
    )
    reviews, review_total = await prompts.list_reviews(
        session, user.org_id, template_id, limit=CHART_REVIEWS, offset=0
    )
    return render(
        request, "prompts/detail.html", template=template,
        versions=[prompts.version_to_api(v) for v in versions], version_total=version_total,
        reviews=[prompts.review_to_api(r) for r in reviews[:10]], review_total=review_total,
        chart=score_chart(reviews), nav="prompts",
    )  # fmt: skip


@router.post("/prompts/{template_id}/promote", summary="Promote a version")
async def promote(
    request: Request,
    template_id: str,
    user: CurrentUser,
    session: WriteSession,
    version_id: Annotated[str, Form(max_length=36)] = "",
):
    await prompts.promote_version(session, user.org_id, template_id, version_id)
    return redirect(f"/app/prompts/{template_id}?promoted=1", request)
