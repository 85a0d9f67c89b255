"""``/api/v1/feedback``: list with filters, get, update, delete; and create for the API channel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request

from loop.auth.principal import Principal
from loop.db.session import ReadSession, WriteSession
from loop.feedback import service
from loop.feedback.schemas import (
    FeedbackCreate,
    FeedbackDetail,
    FeedbackOut,
    FeedbackPatch,
    feedback_to_api,
)
from loop.projects.developer_service import get_project
from loop.storage import FileLinks, FileStorage, get_file_links, get_storage
from loop.surfaces import developer
from loop.surfaces.developer import DeveloperModel

router = APIRouter(prefix="/api/v1/feedback", tags=["Feedback"])

FeedbackRead = Annotated[Principal, developer.requires("read:feedback")]
FeedbackWrite = Annotated[Principal, developer.requires("write:feedback")]
Links = Annotated[FileLinks, Depends(get_file_links)]
Storage = Annotated[FileStorage, Depends(get_storage)]
NOT_FOUND = {404: {"description": "Feedback not found"}}


class FeedbackDeleted(DeveloperModel):
    id: str
    deleted: bool


@router.get("", response_model=developer.Page[FeedbackOut], summary="List feedback")
async def list_feedback(
    principal: FeedbackRead,
    session: ReadSession,
    pagination: developer.Pagination,
    links: Links,
    project_id: Annotated[str | None, Query(description="Filter by project")] = None,
    status: Annotated[str | None, Query(description="new, in_progress, review or done")] = None,
    type: Annotated[str | None, Query(description="bug, feature or general")] = None,
):
    rows, total = await service.list_feedback(
        session,
        principal.org_id,
        project_id=project_id,
        status=status,
        type_=type,
        limit=pagination.limit,
        offset=pagination.offset,
    )
    return developer.page([feedback_to_api(r, links) for r in rows], total, pagination)


@router.post(
    "",
    status_code=201,
    response_model=developer.Data[FeedbackDetail],
    responses={403: {"description": "Monthly feedback limit reached for your plan"}},
    summary="Record a feedback item (counts against the monthly quota, like the widget)",
)
async def create_feedback(
    request: Request,
    body: FeedbackCreate,
    principal: FeedbackWrite,
    session: ReadSession,
    storage: Storage,
    links: Links,
):
    await get_project(session, principal.org_id, body.project_id)
    await session.rollback()  # the write below opens its own short transaction
    submission = service.Submission(fields=body, status=body.status or "new", channel="api")
    row = await service.submit(
        request.app.state.database,
        storage,
        request.app.state.settings,
        org_id=principal.org_id,
        project_id=body.project_id,
        submission=submission,
    )
    return developer.one(feedback_to_api(row, links, full=True), 201)


@router.get(
    "/{feedback_id}",
    response_model=developer.Data[FeedbackDetail],
    responses=NOT_FOUND,
    summary="Get feedback",
)
async def get_feedback(feedback_id: str, principal: FeedbackRead, session: ReadSession, links: Links):
    row = await service.get_feedback(session, principal.org_id, feedback_id)
    return developer.one(feedback_to_api(row, links, full=True))


@router.patch(
    "/{feedback_id}",
    response_model=developer.Data[FeedbackDetail],
    responses={**NOT_FOUND, 400: {"description": "No valid fields / Invalid status / Invalid type"}},
    summary="Update feedback",
)
async def update_feedback(
    feedback_id: str, body: FeedbackPatch, principal: FeedbackWrite, session: WriteSession, links: Links
):
    row = await service.update_feedback(session, principal.org_id, feedback_id, body)
    return developer.one(feedback_to_api(row, links, full=True))


@router.delete(
    "/{feedback_id}",
    response_model=developer.Data[FeedbackDeleted],
    responses=NOT_FOUND,
    summary="Delete feedback (with its comments and files)",
)
async def delete_feedback(
    feedback_id: str,
    principal: FeedbackWrite,
    session: WriteSession,
    storage: Storage,
    background: BackgroundTasks,
):
    keys = await service.delete_feedback(session, principal.org_id, feedback_id)
    for key in keys:  # after the commit: a failed delete keeps its files
        background.add_task(storage.delete, key)
    return developer.one({"id": feedback_id, "deleted": True})
