"""Tags: one per title in a team, whatever its case. Creating an existing title returns the existing tag."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.core.errors import Conflict, NotFound
from loop.track import common
from loop.track.common import save_unique
from loop.track.repository import TagRepository, title_key
from loop.track.schemas import tag_to_api

NOT_FOUND = "Tag not found"
EXISTS = "Tag already exists"


async def listing(session: AsyncSession, org_id: str) -> list[dict[str, Any]]:
    return [tag_to_api(t) for t in await TagRepository(session, org_id).listing()]


async def create(session: AsyncSession, org_id: str, title: str) -> tuple[dict[str, Any], bool]:
    tag, created = await common.find_or_create_tag(session, org_id, title)
    return tag_to_api(tag), created


async def rename(session: AsyncSession, org_id: str, tag_id: str, title: str) -> dict[str, Any]:
    repo = TagRepository(session, org_id)
    tag = await repo.get(tag_id)
    if tag is None:
        raise NotFound(NOT_FOUND)
    key = title_key(title)
    existing = await repo.by_key(key)
    if existing is not None and existing.id != tag.id:
        raise Conflict(EXISTS, code="tag_exists", tag=tag_to_api(existing))
    now = utcnow()

    def rename_it() -> None:
        tag.title, tag.title_key, tag.updated_at = " ".join(title.split()), key, now

    if not await save_unique(session, rename_it):  # renamed to the same title concurrently
        raise Conflict(EXISTS, code="tag_exists")
    return tag_to_api(tag)


async def delete(session: AsyncSession, org_id: str, tag_id: str) -> None:
    tag = await TagRepository(session, org_id).get(tag_id)
    if tag is None:
        raise NotFound(NOT_FOUND)
    await session.delete(tag)
    await session.flush()
