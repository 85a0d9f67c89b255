"""Comments: ``/api/v1/feedback/{id}/comments``, ``/api/v1/boards/cards/{id}/comments`` and
``/api/v1/comments[/{id}]`` (a flat view, and edit/delete by the author)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from loop.auth.deps import Requires
from loop.auth.policy import DEVELOPER, require_scopes
from loop.auth.principal import Principal
from loop.core.errors import BadRequest
from loop.db.session import ReadSession, WriteSession
from loop.discussion import service
from loop.discussion.schemas import CommentCreate, CommentOut, CommentUpdate, comment_to_api
from loop.surfaces import developer
from loop.surfaces.developer import DeveloperModel

router = APIRouter(tags=["Comments"])

FeedbackRead = Annotated[Principal, developer.requires("read:feedback")]
FeedbackWrite = Annotated[Principal, developer.requires("write:feedback")]
BoardRead = Annotated[Principal, developer.requires("read:board")]
BoardWrite = Annotated[Principal, developer.requires("write:board")]
# The scope depends on the comment's parent, checked once the comment is found.
Developer = Annotated[Principal, Depends(Requires(policy=DEVELOPER))]

ERRORS = {
    400: {"description": "body is required"},
    404: {"description": "Feedback not found / Card not found"},
}
AUTHOR_ONLY = {403: {"description": "Only the comment's author can edit or delete it"}}


class CommentDeleted(DeveloperModel):
    id: str
    deleted: bool


# -- on feedback -----------------------------------------------------------------------------------------
@router.get(
    "/api/v1/feedback/{feedback_id}/comments",
    response_model=developer.Page[CommentOut],
    responses=ERRORS,
    summary="List a feedback item's comments",
)
async def list_feedback_comments(
    feedback_id: str, principal: FeedbackRead, session: ReadSession, pagination: developer.Pagination
):
    rows, total = await service.list_comments(
        session, principal.org_id, "feedback", feedback_id, limit=pagination.limit, offset=pagination.offset
    )
    return developer.page([comment_to_api(r) for r in rows], total, pagination)


@router.post(
    "/api/v1/feedback/{feedback_id}/comments",
    status_code=201,
    response_model=developer.Data[CommentOut],
    responses=ERRORS,
    summary="Comment on a feedback item",
)
async def create_feedback_comment(
    feedback_id: str, body: CommentCreate, principal: FeedbackWrite, session: WriteSession
):
    comment = await service.create_comment(session, principal, "feedback", feedback_id, body)
    return developer.one(comment_to_api(comment), 201)


# -- on cards ---------------------------------------------------------------------------------------------
@router.get(
    "/api/v1/boards/cards/{card_id}/comments",
    response_model=developer.Page[CommentOut],
    responses=ERRORS,
    summary="List a card's comments",
)
async def list_card_comments(
    card_id: str, principal: BoardRead, session: ReadSession, pagination: developer.Pagination
):
    rows, total = await service.list_comments(
        session, principal.org_id, "card", card_id, limit=pagination.limit, offset=pagination.offset
    )
    return developer.page([comment_to_api(r) for r in rows], total, pagination)


@router.post(
    "/api/v1/boards/cards/{card_id}/comments",
    status_code=201,
    response_model=developer.Data[CommentOut],
    responses=ERRORS,
    summary="Comment on a card",
)
async def create_card_comment(
    card_id: str, body: CommentCreate, principal: BoardWrite, session: WriteSession
):
    comment = await service.create_comment(session, principal, "card", card_id, body)
    return developer.one(comment_to_api(comment), 201)


# -- flat ---------------------------------------------------------------------------------------------------
@router.get(
    "/api/v1/comments",
    response_model=developer.Page[CommentOut],
    responses=ERRORS,
    summary="List comments of a feedback item or a card",
)
async def list_comments(
    principal: Developer,
    session: ReadSession,
    pagination: developer.Pagination,
    feedback_id: Annotated[str | None, Query(description="The feedback item")] = None,
    card_id: Annotated[str | None, Query(description="The board card")] = None,
):
    if (feedback_id is None) == (card_id is None):
        raise BadRequest("Give exactly one of feedback_id or card_id", code="validation_error")
    kind, parent_id = ("feedback", feedback_id) if feedback_id is not None else ("card", card_id)
    require_scopes(principal, (service.scope_for(kind, write=False),))
    rows, total = await service.list_comments(
        session,
        principal.org_id,
        kind,
        parent_id,
        limit=pagination.limit,
        offset=pagination.offset,  # type: ignore[arg-type]
    )
    return developer.page([comment_to_api(r) for r in rows], total, pagination)


@router.get(
    "/api/v1/comments/{comment_id}",
    response_model=developer.Data[CommentOut],
    responses={404: {"description": "Comment not found"}},
    summary="Get a comment",
)
async def get_comment(comment_id: str, principal: Developer, session: ReadSession):
    comment = await service.get_comment(session, principal, comment_id, write=False)
    return developer.one(comment_to_api(comment))


@router.patch(
    "/api/v1/comments/{comment_id}",
    response_model=developer.Data[CommentOut],
    responses={404: {"description": "Comment not found"}, **AUTHOR_ONLY},
    summary="Edit a comment (author only)",
)
async def update_comment(comment_id: str, body: CommentUpdate, principal: Developer, session: WriteSession):
    comment = await service.update_comment(session, principal, comment_id, body)
    return developer.one(comment_to_api(comment))


@router.delete(
    "/api/v1/comments/{comment_id}",
    response_model=developer.Data[CommentDeleted],
    responses={404: {"description": "Comment not found"}, **AUTHOR_ONLY},
    summary="Delete a comment (author only)",
)
async def delete_comment(comment_id: str, principal: Developer, session: WriteSession):
    await service.delete_comment(session, principal, comment_id)
    return developer.one({"id": comment_id, "deleted": True})
