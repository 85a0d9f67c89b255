"""Rules every Track resource shares: who a key acts as, and references to projects, sections and tags."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from loop.auth.principal import Principal
from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Forbidden
from loop.core.ids import new_id
from loop.projects.models import Project
from loop.projects.repository import ProjectRepository
from loop.track.models import Section, Tag
from loop.track.repository import PeopleRepository, SectionRepository, TagRepository, title_key

ACT_FOR_OTHERS = "Only owners and admins can pass userId to act for another member"


def invalid_reference(field: str, message: str) -> BadRequest:
    return BadRequest(message, code="invalid_reference", field=field)


async def acting_user(session: AsyncSession, principal: Principal, user_id: str | None) -> str:
    """A key acts as its creator; ``userId`` (another member) is for owners and admins only."""
    if user_id is None or user_id == principal.user_id:
        return principal.user_id
    if not principal.is_admin:
        raise Forbidden(ACT_FOR_OTHERS, code="role_required")
    if not await PeopleRepository(session, principal.org_id).is_member(user_id):
        raise invalid_reference("userId", "userId is not a member of this team")
    return user_id


async def project_ref(session: AsyncSession, org_id: str, project_id: str | None) -> Project | None:
    if project_id is None:
        return None
    project = await ProjectRepository(session, org_id).get_live(project_id)
    if project is None:
        raise invalid_reference("projectId", "Project not found")
    return project


async def section_ref(
    session: AsyncSession, org_id: str, section_id: str | None, project_id: str | None
) -> tuple[Section | None, str | None]:
    """The section and the project it implies; a section of another project is refused."""
    if section_id is None:
        return None, project_id
    section = await SectionRepository(session, org_id).get(section_id)
    if section is None:
        raise invalid_reference("sectionId", "Section not found")
    if project_id is not None and section.project_id != project_id:
        raise invalid_reference("sectionId", "Section does not belong to the project")
    return section, section.project_id


async def tags_by_id(session: AsyncSession, org_id: str, tag_ids: Sequence[str]) -> list[Tag]:
    found = await TagRepository(session, org_id).by_ids(tag_ids)
    missing = [t for t in tag_ids if t not in found]
    if missing:
        raise invalid_reference("tagIds", f"Tag not found: {missing[0]}")
    return [found[t] for t in dict.fromkeys(tag_ids)]


async def find_or_create_tag(session: AsyncSession, org_id: str, title: str) -> tuple[Tag, bool]:
    """The tag with this title (any case), created if absent; safe under concurrent creators."""
    title = " ".join(title.split())
    if not title:
        raise BadRequest("Tag title must not be blank", code="validation_error", field="title")
    repo = TagRepository(session, org_id)
    key = title_key(title)
    existing = await repo.by_key(key)
    if existing is not None:
        return existing, False
    now = utcnow()
    tag = Tag(id=new_id(), org_id=org_id, title=title, title_key=key, created_at=now, updated_at=now)
    created = await repo.insert_if_absent(tag)
    found = await repo.by_key(key)
    assert found is not None
    return found, created


async def save_unique(session: AsyncSession, apply: Callable[[], Any]) -> bool:
    """Apply a change that a unique constraint guards inside a savepoint and flush it. False, with nothing
    applied and the transaction still usable, when the constraint refuses it (a concurrent request saved the
    same name first)."""
    await session.flush()  # everything else pending goes outside the savepoint
    try:
        async with session.begin_nested():
            result = apply()
            if inspect.isawaitable(result):
                await result
    except IntegrityError:
        return False
    return True
