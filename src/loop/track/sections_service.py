"""Sections of a project (under the project scopes). Titles are unique per project, whatever their case;
deleting a section keeps its time entries and todos, with ``sectionId`` null."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Conflict, NotFound
from loop.projects.repository import ProjectRepository
from loop.track.common import save_unique
from loop.track.models import Section
from loop.track.repository import SectionRepository, TimeEntryRepository, title_key
from loop.track.schemas import section_to_api

NOT_FOUND = "Section not found"
PROJECT_NOT_FOUND = "Project not found"


def require_project_id(project_id: str | None) -> str:
    if not project_id:
        raise BadRequest("projectId is required", code="validation_error", field="projectId")
    return project_id


def _duplicate(existing: Section) -> Conflict:
    return Conflict(
        "Section already exists",
        code="section_exists",
        success=False,
        existingSection=section_to_api(existing),
    )


async def listing(session: AsyncSession, org_id: str, project_id: str) -> list[dict[str, Any]]:
    if await ProjectRepository(session, org_id).get_live(project_id) is None:
        raise NotFound(PROJECT_NOT_FOUND)
    return [section_to_api(s) for s in await SectionRepository(session, org_id).for_project(project_id)]


async def create(session: AsyncSession, org_id: str, project_id: str, title: str) -> dict[str, Any]:
    if await ProjectRepository(session, org_id).get_live(project_id) is None:
        raise NotFound(PROJECT_NOT_FOUND)
    repo = SectionRepository(session, org_id)
    title = " ".join(title.split())
    key = title_key(title)
    existing = await repo.by_title(project_id, key)
    if existing is not None:
        raise _duplicate(existing)
    now = utcnow()
    section = Section(project_id=project_id, title=title, title_key=key, created_at=now, updated_at=now)
    await _save(session, lambda: repo.add(section), repo, project_id, key)
    return section_to_api(section)


async def _save(
    session: AsyncSession, apply: Any, repo: SectionRepository, project_id: str, key: str
) -> None:
    if not await save_unique(session, apply):  # the same title, saved concurrently
        existing = await repo.by_title(project_id, key)
        if existing is None:
            raise Conflict("Section already exists", code="section_exists", success=False)
        raise _duplicate(existing)


async def rename(session: AsyncSession, org_id: str, section_id: str, title: str) -> dict[str, Any]:
    repo = SectionRepository(session, org_id)
    section = await repo.get(section_id)
    if section is None:
        raise NotFound(NOT_FOUND)
    title = " ".join(title.split())
    key = title_key(title)
    existing = await repo.by_title(section.project_id, key)
    if existing is not None and existing.id != section.id:
        raise _duplicate(existing)
    now = utcnow()

    def rename_it() -> None:
        section.title, section.title_key, section.updated_at = title, key, now

    await _save(session, rename_it, repo, section.project_id, key)
    return section_to_api(section)


async def delete(session: AsyncSession, org_id: str, section_id: str) -> None:
    section = await SectionRepository(session, org_id).get(section_id)
    if section is None:
        raise NotFound(NOT_FOUND)
    await TimeEntryRepository(session, org_id).clear_section(section.id)
    await session.delete(section)
    await session.flush()
