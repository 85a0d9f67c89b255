"""Feedback items in inbox report exports: one row per item that arrived in the window, with its comments.

The conversation is the item; the reporter is the contact, teammates are the members who commented, the team is
the project, the customer is the project's client and the item's type is its tag. Messages in are the item and
comments without a member author (the client's); messages out are members' comments that are not internal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.clients.models import Client
from loop.discussion.models import DiscussionComment
from loop.feedback.models import Feedback
from loop.inbox.models import Draft, DraftStatus
from loop.inbox.sources import ConversationRow, ExportQuery, conversation_source
from loop.projects.models import Project

BATCH = 500


def _unique(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


async def unsent_linked_drafts(
    session: AsyncSession, org_id: str, link_type: str, ids: list[str]
) -> dict[str, int]:
    stmt = (
        select(Draft.link_id, func.count())
        .where(Draft.org_id == org_id, Draft.link_type == link_type, Draft.link_id.in_(ids))
        .where(Draft.status != DraftStatus.sent.value)
        .group_by(Draft.link_id)
    )
    return {link_id: count for link_id, count in (await session.execute(stmt)).all()}


def _row(
    item: Feedback,
    project: tuple[str | None, str | None],
    comments: list[DiscussionComment],
    drafts: int,
) -> ConversationRow:
    client_id, client_name = project
    team = [c for c in comments if c.author_id is not None]
    first_reply = next((c for c in team if not c.is_internal), None)
    activity: list[datetime] = [item.updated_at, *(c.created_at for c in comments)]
    return ConversationRow(
        conversation_id=item.id,
        source="feedback",
        subject=item.title,
        status=item.status,
        channel=item.channel,
        team_id=item.project_id,
        created_at=item.created_at,
        last_activity_at=max(activity),
        closed_at=item.updated_at if item.status == "done" else None,
        first_response_at=first_reply.created_at if first_reply else None,
        first_response_seconds=(
            int((first_reply.created_at - item.created_at).total_seconds()) if first_reply else None
        ),
        teammate_ids=_unique(c.author_id for c in team),
        contacts=_unique([item.reporter_email]),
        customer_id=client_id,
        customer_name=client_name,
        tag_ids=[item.type],
        messages_in=1 + sum(1 for c in comments if c.author_id is None),
        messages_out=sum(1 for c in team if not c.is_internal),
        drafts=drafts,
    )


@conversation_source("feedback")
async def feedback_rows(session: AsyncSession, query: ExportQuery) -> AsyncIterator[ConversationRow]:
    stmt = (
        select(Feedback, Project.client_id, Client.name)
        .join(Project, Project.id == Feedback.project_id)
        .outerjoin(Client, Client.id == Project.client_id)
        .where(Feedback.org_id == query.org_id)
        .where(Feedback.created_at >= query.start, Feedback.created_at < query.end)
        .order_by(Feedback.created_at, Feedback.id)
    )
    if query.customer_ids:
        stmt = stmt.where(Project.client_id.in_(list(query.customer_ids)))
    if query.team_ids:
        stmt = stmt.where(Feedback.project_id.in_(list(query.team_ids)))
    found: list[Any] = list((await session.execute(stmt)).all())
    for offset in range(0, len(found), BATCH):
        batch = found[offset : offset + BATCH]
        ids = [row[0].id for row in batch]
        comments: dict[str, list[DiscussionComment]] = {i: [] for i in ids}
        listed = await session.execute(
            select(DiscussionComment)
            .where(DiscussionComment.org_id == query.org_id, DiscussionComment.feedback_id.in_(ids))
            .order_by(DiscussionComment.created_at, DiscussionComment.id)
        )
        for comment in listed.scalars():
            comments[comment.feedback_id].append(comment)  # type: ignore[index]
        drafts = await unsent_linked_drafts(session, query.org_id, "feedback", ids)
        for item, client_id, client_name in batch:
            yield _row(item, (client_id, client_name), comments[item.id], drafts.get(item.id, 0))
