"""Comments on issues: threads of any depth, returned as trees and paged by top-level comment.

A comment can be edited or deleted only through the credential that wrote it. Deleting a comment that
has replies leaves a placeholder (empty body, ``deletedAt`` set) so the replies keep their place; a
placeholder with no replies left disappears.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.core.errors import Forbidden, NotFound, Unprocessable
from loop.core.ids import new_id
from loop.issues.models import AUTHOR_TYPES, Comment
from loop.issues.repository import CommentRepository, IssueRepository
from loop.issues.service import ISSUE_NOT_FOUND

COMMENT_NOT_FOUND = "Comment not found"
PARENT_NOT_FOUND = "Parent comment not found"
NOT_AUTHOR = "Only the credential that wrote this comment can change or delete it"


def comment_to_api(comment: Comment) -> dict[str, Any]:
    deleted = comment.deleted_at is not None
    return {
        "id": comment.id,
        "body": "" if deleted else comment.body,
        "issueId": comment.issue_id,
        "authorName": comment.author_name,
        "authorType": comment.author_type,
        "parentId": comment.parent_id,
        "createdAt": comment.created_at,
        "updatedAt": comment.updated_at,
        "deletedAt": comment.deleted_at,
    }


async def _live_issue(session: AsyncSession, org_id: str, issue_id: str) -> None:
    if await IssueRepository(session, org_id).get_live(issue_id) is None:
        raise NotFound(ISSUE_NOT_FOUND)


async def list_threads(
    session: AsyncSession, org_id: str, issue_id: str, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of the issue's threads, oldest first, each a tree of ``replies`` (oldest first)."""
    await _live_issue(session, org_id, issue_id)
    repo = CommentRepository(session, org_id)
    root_ids, total = await repo.root_page(issue_id, limit=limit, offset=offset)
    nodes: dict[str, dict[str, Any]] = {}
    comments = await repo.in_threads(root_ids)
    for comment in comments:
        nodes[comment.id] = {**comment_to_api(comment), "replies": []}
    for comment in comments:
        if comment.parent_id is not None and comment.parent_id in nodes:
            nodes[comment.parent_id]["replies"].append(nodes[comment.id])
    return [nodes[root_id] for root_id in root_ids if root_id in nodes], total


async def create_comment(
    session: AsyncSession,
    org_id: str,
    issue_id: str,
    *,
    body: str,
    author_name: str,
    author_type: str,
    parent_id: str | None = None,
    credential_id: str | None = None,
) -> Comment:
    if author_type not in AUTHOR_TYPES:
        raise ValueError(f"unknown author type {author_type!r}")
    await _live_issue(session, org_id, issue_id)
    repo = CommentRepository(session, org_id)
    comment_id = new_id()
    thread_id = comment_id
    if parent_id is not None:
        parent = await repo.get_live(parent_id)
        if parent is None or parent.issue_id != issue_id:
            raise Unprocessable(PARENT_NOT_FOUND, code="parent_comment_not_found")
        thread_id = parent.thread_id
    now = utcnow()
    comment = repo.add(
        Comment(
            id=comment_id,
            issue_id=issue_id,
            parent_id=parent_id,
            thread_id=thread_id,
            body=body,
            author_name=author_name,
            author_type=author_type,
            credential_id=credential_id,
            created_at=now,
            updated_at=now,
        )
    )
    await session.flush()
    return comment


async def _own_comment(session: AsyncSession, org_id: str, comment_id: str, credential_id: str) -> Comment:
    comment = await CommentRepository(session, org_id).get_live(comment_id)
    if comment is None or await IssueRepository(session, org_id).get_live(comment.issue_id) is None:
        raise NotFound(COMMENT_NOT_FOUND)
    if comment.credential_id is None or comment.credential_id != credential_id:
        raise Forbidden(NOT_AUTHOR, code="not_comment_author")
    return comment


async def update_comment(
    session: AsyncSession, org_id: str, comment_id: str, *, body: str, credential_id: str
) -> Comment:
    comment = await _own_comment(session, org_id, comment_id, credential_id)
    comment.body = body
    comment.updated_at = utcnow()
    await session.flush()
    return comment


async def delete_comment(session: AsyncSession, org_id: str, comment_id: str, *, credential_id: str) -> None:
    repo = CommentRepository(session, org_id)
    comment: Comment | None = await _own_comment(session, org_id, comment_id, credential_id)
    now = utcnow()
    while comment is not None:
        if await repo.has_replies(comment.id):
            comment.deleted_at = comment.deleted_at or now
            comment.updated_at = now
            break
        parent_id = comment.parent_id
        await session.delete(comment)
        await session.flush()
        # A placeholder whose last reply just went goes too.
        parent = await repo.get(parent_id) if parent_id else None
        comment = parent if parent is not None and parent.deleted_at is not None else None
    await session.flush()
