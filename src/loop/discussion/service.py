"""Comments on feedback items and board cards. Only a comment's author (the user a token acts for) may
edit or delete it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.auth.policy import require_scopes
from loop.auth.principal import Principal
from loop.boards.models import Card
from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Forbidden, NotFound
from loop.db.repository import OrgRepository
from loop.discussion import mentions as mention_rules
from loop.discussion.models import DiscussionComment
from loop.discussion.schemas import CommentCreate, CommentUpdate
from loop.feedback.models import Feedback
from loop.orgs.models import Membership, User

COMMENT_NOT_FOUND = "Comment not found"
FEEDBACK_NOT_FOUND = "Feedback not found"
CARD_NOT_FOUND = "Card not found"
BODY_REQUIRED = "body is required"

# parent kind -> (model, message when missing, read scope, write scope)
PARENTS = {
    "feedback": (Feedback, FEEDBACK_NOT_FOUND, "read:feedback", "write:feedback"),
    "card": (Card, CARD_NOT_FOUND, "read:board", "write:board"),
}


class CommentRepository(OrgRepository[DiscussionComment]):
    model = DiscussionComment

    def thread(self, kind: str, parent_id: str) -> Select[tuple[DiscussionComment]]:
        column = DiscussionComment.feedback_id if kind == "feedback" else DiscussionComment.card_id
        return (
            self.select()
            .where(column == parent_id)
            .order_by(DiscussionComment.created_at, DiscussionComment.id)
        )


async def _require_parent(session: AsyncSession, org_id: str, kind: str, parent_id: str) -> None:
    model, message, _, _ = PARENTS[kind]
    stmt = select(model.id).where(model.id == parent_id, model.org_id == org_id)  # type: ignore[attr-defined]
    if (await session.execute(stmt)).scalar_one_or_none() is None:
        raise NotFound(message)


def scope_for(kind: str, *, write: bool) -> str:
    return PARENTS[kind][3 if write else 2]


async def list_comments(
    session: AsyncSession, org_id: str, kind: str, parent_id: str, *, limit: int, offset: int
) -> tuple[Sequence[DiscussionComment], int]:
    await _require_parent(session, org_id, kind, parent_id)
    repo = CommentRepository(session, org_id)
    return await repo.page(repo.thread(kind, parent_id), limit=limit, offset=offset)


async def _members(session: AsyncSession, org_id: str) -> list[mention_rules.Member]:
    stmt = (
        select(User.id, User.display_name, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.org_id == org_id)
    )
    return [mention_rules.Member(*row) for row in (await session.execute(stmt)).all()]


async def _mentions(session: AsyncSession, org_id: str, body: str, explicit: list[str] | None) -> list[str]:
    if "@" not in body and not explicit:
        return []
    members = await _members(session, org_id)
    known = {m.user_id for m in members}
    for user_id in explicit or []:
        if user_id not in known:
            raise BadRequest(f"Unknown user in mentions: {user_id}", code="invalid_mention")
    found = mention_rules.resolve(body, members)
    return found + [u for u in dict.fromkeys(explicit or []) if u not in found]


def _clean_body(body: str | None) -> str:
    if body is None or not body.strip():
        raise BadRequest(BODY_REQUIRED, code="validation_error")
    return body.strip()


async def _author_name(session: AsyncSession, user_id: str) -> str:
    user = await session.get(User, user_id)
    return user.display_name if user is not None else "Unknown"


async def create_comment(
    session: AsyncSession, principal: Principal, kind: str, parent_id: str, body: CommentCreate
) -> DiscussionComment:
    await _require_parent(session, principal.org_id, kind, parent_id)
    text = _clean_body(body.body)
    comment = DiscussionComment(
        feedback_id=parent_id if kind == "feedback" else None,
        card_id=parent_id if kind == "card" else None,
        author_id=principal.user_id,
        author_name=await _author_name(session, principal.user_id),
        body=text,
        mentions=await _mentions(session, principal.org_id, text, body.mentions),
        is_internal=body.is_internal,
    )
    CommentRepository(session, principal.org_id).add(comment)
    await session.flush()
    return comment


def kind_of(comment: DiscussionComment) -> str:
    return "feedback" if comment.feedback_id is not None else "card"


async def get_comment(
    session: AsyncSession, principal: Principal, comment_id: str, *, write: bool
) -> DiscussionComment:
    """The comment, once the caller's token may read (or write) its parent's resource."""
    comment = await CommentRepository(session, principal.org_id).get(comment_id)
    if comment is None:
        raise NotFound(COMMENT_NOT_FOUND)
    require_scopes(principal, (scope_for(kind_of(comment), write=write),))
    return comment


def _require_author(principal: Principal, comment: DiscussionComment, action: str) -> None:
    if comment.author_id != principal.user_id:
        raise Forbidden(f"Only the comment's author can {action} it", code="not_author")


async def update_comment(
    session: AsyncSession, principal: Principal, comment_id: str, body: CommentUpdate
) -> DiscussionComment:
    fields = body.model_fields_set & {"body", "mentions", "is_internal"}
    if not fields:
        raise BadRequest("No valid fields", code="no_valid_fields")
    comment = await get_comment(session, principal, comment_id, write=True)
    _require_author(principal, comment, "edit")
    if "body" in fields:
        comment.body = _clean_body(body.body)
    if "is_internal" in fields:
        if body.is_internal is None:
            raise BadRequest("is_internal must be true or false", code="validation_error")
        comment.is_internal = body.is_internal
    if fields & {"body", "mentions"}:
        explicit = body.mentions if "mentions" in fields else None
        comment.mentions = await _mentions(session, principal.org_id, comment.body, explicit)
    comment.updated_at = utcnow()
    await session.flush()
    return comment


async def delete_comment(session: AsyncSession, principal: Principal, comment_id: str) -> None:
    comment = await get_comment(session, principal, comment_id, write=True)
    _require_author(principal, comment, "delete")
    await session.execute(
        delete(DiscussionComment).where(
            DiscussionComment.id == comment.id, DiscussionComment.org_id == principal.org_id
        )
    )


async def comments_for_sources(
    session: AsyncSession, org_id: str, kind: str, parent_id: str, limit: int = 50
) -> list[DiscussionComment]:
    """The first ``limit`` comments of one item, oldest first (ticket generation reads these)."""
    repo = CommentRepository(session, org_id)
    return list(await repo.all(repo.thread(kind, parent_id).limit(limit)))
