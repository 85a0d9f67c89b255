"""Issues: the list with filters and real pagination, the detail page (family, relations, comments, labels,
signal data, agent results), create and edit. Every read and write goes through ``loop.issues`` services."""

from __future__ import annotations

import json
import math
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request

from loop.core.errors import BadRequest, LoopError
from loop.db.session import ReadSession, WriteSession
from loop.dispatch.claims import attempts_on_issue
from loop.issues import comments, relations, service
from loop.issues.models import ISSUE_STATUSES, ISSUE_TYPES
from loop.labels import service as labels
from loop.projects import engine_service as projects
from loop.web.common import CurrentUser, PageRoute, redirect, render

router = APIRouter(route_class=PageRoute)
PER_PAGE = 50
PRIORITIES = ((0, "No priority"), (1, "Urgent"), (2, "High"), (3, "Medium"), (4, "Low"))
SORTS = (
    ("-created", "Newest"),
    ("created", "Oldest"),
    ("-updated", "Recently updated"),
    ("priority", "Priority"),
)
FILTER_KEYS = ("status", "type", "priority", "projectId", "labelId", "q", "sort")


def page_links(page: int, pages: int, base: dict[str, str]) -> list[dict[str, Any]]:
    """First, previous, a window around the current page, next, last: each with its URL."""

    def url(number: int) -> str:
        return "/app/issues?" + urlencode({**base, "page": number})

    window = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[dict[str, Any]] = []
    if page > 1:
        links.append({"label": "‹ Previous", "url": url(page - 1), "rel": "prev"})
    previous = 0
    for number in window:
        if number - previous > 1:
            links.append({"label": "…", "url": None})
        links.append({"label": str(number), "url": url(number), "current": number == page})
        previous = number
    if page < pages:
        links.append({"label": "Next ›", "url": url(page + 1), "rel": "next"})
    return links


async def _choices(session: Any, org_id: str) -> dict[str, Any]:
    project_rows, _ = await projects.list_projects(session, org_id, limit=200, offset=0)
    label_rows, _ = await labels.list_labels(session, org_id, limit=200, offset=0)
    return {
        "projects": project_rows,
        "labels": [labels.to_api(label) for label in label_rows],
        "statuses": ISSUE_STATUSES,
        "types": ISSUE_TYPES,
        "priorities": PRIORITIES,
        "sorts": SORTS,
    }


@router.get("/issues", summary="Issues")
async def issue_list(
    request: Request,
    user: CurrentUser,
    session: ReadSession,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    status: str | None = None,
    type: str | None = None,
    priority: Annotated[str | None, Query(max_length=1)] = None,
    project_id: Annotated[str | None, Query(alias="projectId", max_length=36)] = None,
    label_id: Annotated[str | None, Query(alias="labelId", max_length=36)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: str | None = "-created",
):
    if priority and not priority.isdigit():
        raise BadRequest("Invalid 'priority': must be 0 to 4", code="validation_error")
    filters = service.parse_filters(
        status=status or None,
        type=type or None,
        project_id=project_id or None,
        label_id=label_id or None,
        priority=int(priority) if priority else None,
        q=q,
        sort=sort or "-created",
    )
    items, total = await service.list_issues(
        session, user.org_id, filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
    )
    pages = max(1, math.ceil(total / PER_PAGE))
    active = {
        key: value
        for key, value in {
            "status": status, "type": type, "priority": priority, "projectId": project_id,
            "labelId": label_id, "q": q, "sort": sort if sort != "-created" else None,
        }.items()
        if value
    }  # fmt: skip
    return render(
        request,
        "issues/list.html",
        items=items,
        total=total,
        page=page,
        pages=pages,
        first=(page - 1) * PER_PAGE + 1 if items else 0,
        last=(page - 1) * PER_PAGE + len(items),
        links=page_links(page, pages, active) if pages > 1 else [],
        active=active,
        **await _choices(session, user.org_id),
    )


def _form_values(
    title: str, description: str, type_: str, status: str, priority: str, project_id: str, parent_id: str,
    label_ids: list[str] | None,
) -> dict[str, Any]:  # fmt: skip
    if not priority.isdigit():
        raise BadRequest("Invalid 'priority': must be 0 to 4", code="validation_error")
    return {
        "title": title.strip(),
        "description": description.strip() or None,
        "type": type_,
        "status": status,
        "priority": int(priority),
        "project_id": project_id or None,
        "parent_id": parent_id.strip() or None,
        "label_ids": label_ids or [],
    }


@router.get("/issues/new", summary="New issue")
async def new_issue(request: Request, user: CurrentUser, session: ReadSession, parent: str | None = None):
    form = {"type": "task", "status": "triage", "priority": 0, "parent_id": parent or "", "label_ids": []}
    return render(request, "issues/form.html", issue=None, form=form, **await _choices(session, user.org_id))


@router.post("/issues", summary="Create an issue")
async def create_issue(
    request: Request,
    user: CurrentUser,
    session: WriteSession,
    title: Annotated[str, Form(max_length=500)] = "",
    description: Annotated[str, Form(max_length=100_000)] = "",
    type: Annotated[str, Form(max_length=20)] = "task",
    status: Annotated[str, Form(max_length=20)] = "triage",
    priority: Annotated[str, Form(max_length=1)] = "0",
    project_id: Annotated[str, Form(max_length=36)] = "",
    parent_id: Annotated[str, Form(max_length=36)] = "",
    label_ids: Annotated[list[str] | None, Form()] = None,
):
    form = {"title": title, "description": description, "type": type, "status": status, "priority": priority,
            "project_id": project_id, "parent_id": parent_id, "label_ids": label_ids or []}  # fmt: skip
    try:
        values = _form_values(title, description, type, status, priority, project_id, parent_id, label_ids)
        issue = await service.create_issue(session, user.org_id, **values)
    except LoopError as exc:
        await session.rollback()
        return render(
            request, "issues/form.html", exc.status_code, issue=None, form=form, error=exc.message,
            **await _choices(session, user.org_id),
        )  # fmt: skip
    return redirect(f"/app/issues/{issue.id}", request)


@router.get("/issues/{issue_id}", summary="Issue detail")
async def issue_detail(request: Request, issue_id: str, user: CurrentUser, session: ReadSession):
    detail = await service.issue_detail(session, user.org_id, issue_id)
    threads, comment_total = await comments.list_threads(session, user.org_id, issue_id, limit=100, offset=0)
    blockers = await relations.open_blockers(session, user.org_id, issue_id)
    attempts = await attempts_on_issue(session, user.org_id, issue_id)
    pretty = {
        key: json.dumps(detail[key], indent=2, default=str)
        for key in ("signalPayload", "hypothesis")
        if detail.get(key) is not None
    }
    return render(
        request, "issues/detail.html", issue=detail, threads=threads, comment_total=comment_total,
        blockers=blockers, pretty=pretty, priorities=dict(PRIORITIES), attempts=attempts,
    )  # fmt: skip


@router.get("/issues/{issue_id}/edit", summary="Edit an issue")
async def edit_issue(request: Request, issue_id: str, user: CurrentUser, session: ReadSession):
    detail = await service.issue_detail(session, user.org_id, issue_id)
    form = {
        "title": detail["title"], "description": detail["description"] or "", "type": detail["type"],
        "status": detail["status"], "priority": detail["priority"], "project_id": detail["projectId"] or "",
        "parent_id": detail["parentId"] or "", "label_ids": [label["id"] for label in detail["labels"]],
    }  # fmt: skip
    return render(
        request, "issues/form.html", issue=detail, form=form, **await _choices(session, user.org_id)
    )


@router.post("/issues/{issue_id}", summary="Save an issue")
async def update_issue(
    request: Request,
    issue_id: str,
    user: CurrentUser,
    session: WriteSession,
    title: Annotated[str, Form(max_length=500)] = "",
    description: Annotated[str, Form(max_length=100_000)] = "",
    type: Annotated[str, Form(max_length=20)] = "task",
    status: Annotated[str, Form(max_length=20)] = "triage",
    priority: Annotated[str, Form(max_length=1)] = "0",
    project_id: Annotated[str, Form(max_length=36)] = "",
    parent_id: Annotated[str, Form(max_length=36)] = "",
    label_ids: Annotated[list[str] | None, Form()] = None,
):
    detail = await service.issue_detail(session, user.org_id, issue_id)  # 404 before anything else
    form = {"title": title, "description": description, "type": type, "status": status, "priority": priority,
            "project_id": project_id, "parent_id": parent_id, "label_ids": label_ids or []}  # fmt: skip
    try:
        values = _form_values(title, description, type, status, priority, project_id, parent_id, label_ids)
        await service.update_issue(session, user.org_id, issue_id, values)
    except LoopError as exc:
        await session.rollback()
        return render(
            request, "issues/form.html", exc.status_code, issue=detail, form=form, error=exc.message,
            **await _choices(session, user.org_id),
        )  # fmt: skip
    return redirect(f"/app/issues/{issue_id}", request)


@router.post("/issues/{issue_id}/comments", summary="Comment on an issue")
async def add_comment(
    request: Request,
    issue_id: str,
    user: CurrentUser,
    session: WriteSession,
    body: Annotated[str, Form(max_length=50_000)] = "",
    parent_id: Annotated[str, Form(max_length=36)] = "",
):
    if not body.strip():
        raise BadRequest("A comment needs some text", code="validation_error")
    await comments.create_comment(
        session,
        user.org_id,
        issue_id,
        body=body.strip(),
        author_name=user.display_name,
        author_type="human",
        parent_id=parent_id or None,
    )
    return redirect(f"/app/issues/{issue_id}#comments", request)
