"""Prompt templates and their versions: the rules every caller shares (engine API, MCP, CLI).

- Slugs are unique per organisation among live templates (a deleted template frees its slug).
- Versions are immutable. Numbers come from one ``UPDATE … SET last_version = last_version + 1 RETURNING``,
  which also locks the template row, so concurrent creates and promotes never collide (R2, R3).
- A version is compiled when it is saved: one that would fail is refused with its line and reason.
- The first version of a template becomes active; later ones are drafts until promoted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Conflict, NotFound, Unprocessable
from loop.core.ids import new_id
from loop.projects.repository import ProjectRepository
from loop.prompts.defaults import (
    DEFAULT_AUTHOR_NAME,
    DEFAULT_AUTHOR_TYPE,
    DEFAULT_CHANGELOG,
    DEFAULT_TEMPLATES,
)
from loop.prompts.engine import compile_template
from loop.prompts.errors import TemplateSyntaxError
from loop.prompts.models import PromptReview, PromptTemplate, PromptVersion
from loop.prompts.repository import templates_changed
from loop.prompts.selection import parse_conditions

TEMPLATE_NOT_FOUND = "Template not found"
VERSION_NOT_FOUND = "Version not found"
SLUG_TAKEN = "Template slug already exists"
ALREADY_ACTIVE = "Version is already active"
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MESSAGE = "Slug must be lowercase alphanumeric with hyphens"
AUTHOR_TYPES = ("human", "agent")


# -- views --------------------------------------------------------------------------------------------------
def template_to_api(t: PromptTemplate) -> dict[str, Any]:
    return {
        "id": t.id,
        "slug": t.slug,
        "name": t.name,
        "description": t.description,
        "conditions": t.conditions or {},
        "specificity": t.specificity,
        "projectId": t.project_id,
        "activeVersionId": t.active_version_id,
        "createdAt": t.created_at,
        "updatedAt": t.updated_at,
        "deletedAt": t.deleted_at,
    }


def version_to_api(v: PromptVersion) -> dict[str, Any]:
    return {
        "id": v.id,
        "templateId": v.template_id,
        "version": v.version,
        "content": v.content,
        "changelog": v.changelog,
        "authorType": v.author_type,
        "authorName": v.author_name,
        "status": v.status,
        "usageCount": v.usage_count,
        "completionRate": (v.sessions_completed / v.sessions_ended) if v.sessions_ended else None,
        "avgDurationMs": (v.completed_duration_ms / v.sessions_completed) if v.sessions_completed else None,
        "reviewScore": v.review_score,
        "reviewCount": v.review_count,
        "createdAt": v.created_at,
    }


def review_to_api(r: PromptReview) -> dict[str, Any]:
    return {
        "id": r.id,
        "versionId": r.version_id,
        "issueId": r.issue_id,
        "clarity": r.clarity,
        "completeness": r.completeness,
        "relevance": r.relevance,
        "feedback": r.feedback,
        "authorType": r.author_type,
        "createdAt": r.created_at,
    }


# -- seeding ------------------------------------------------------------------------------------------------
async def seed_defaults(session: AsyncSession, org_id: str) -> None:
    """The five default templates, each with an active version 1."""
    now = utcnow()
    for default in DEFAULT_TEMPLATES:
        template_id, version_id = new_id(), new_id()
        session.add(
            PromptTemplate(
                id=template_id,
                org_id=org_id,
                slug=default.slug,
                name=default.name,
                description=default.description,
                conditions=dict(default.conditions),
                specificity=default.specificity,
                active_version_id=version_id,
                last_version=1,
                created_at=now,
                updated_at=now,
            )
        )
        await session.flush()
        session.add(
            PromptVersion(
                id=version_id,
                org_id=org_id,
                template_id=template_id,
                version=1,
                content=default.content,
                changelog=DEFAULT_CHANGELOG,
                author_type=DEFAULT_AUTHOR_TYPE,
                author_name=DEFAULT_AUTHOR_NAME,
                status="active",
                created_at=now,
            )
        )
    await session.flush()
    await templates_changed(session, org_id)


# -- checks -------------------------------------------------------------------------------------------------
def _conditions(raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise BadRequest("Invalid 'conditions': an object", code="validation_error")
    try:
        return parse_conditions(raw)
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in err["loc"]) or "conditions", "message": err["msg"]}
            for err in exc.errors()
        ]
        first = details[0]
        raise BadRequest(
            f"Invalid 'conditions.{first['field']}': {first['message']}",
            code="validation_error",
            details=details,
        ) from None


def _specificity(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise BadRequest("Invalid 'specificity': an integer from 0 to 100", code="validation_error")
    return value


def _text(value: Any, field: str, max_length: int) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= max_length:
        raise BadRequest(f"Invalid '{field}': 1 to {max_length} characters", code="validation_error")
    return value


async def _check_project(session: AsyncSession, org_id: str, project_id: str | None) -> None:
    if project_id is not None and not await ProjectRepository(session, org_id).exists(project_id):
        raise Unprocessable("Project not found", code="project_not_found")


# -- templates ----------------------------------------------------------------------------------------------
def _live_templates(org_id: str):  # type: ignore[no-untyped-def]
    return select(PromptTemplate).where(PromptTemplate.org_id == org_id, PromptTemplate.deleted_at.is_(None))


async def list_templates(
    session: AsyncSession, org_id: str, *, limit: int, offset: int
) -> tuple[list[PromptTemplate], int]:
    base = _live_templates(org_id)
    total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = await session.scalars(
        base.order_by(PromptTemplate.created_at, PromptTemplate.id).limit(limit).offset(offset)
    )
    return list(rows), total


async def get_template(
    session: AsyncSession, org_id: str, template_id: str, *, for_update: bool = False
) -> PromptTemplate:
    stmt = _live_templates(org_id).where(PromptTemplate.id == template_id)
    if for_update:
        stmt = stmt.with_for_update()
    template = await session.scalar(stmt)
    if template is None:
        raise NotFound(TEMPLATE_NOT_FOUND)
    return template


async def get_version(session: AsyncSession, org_id: str, version_id: str | None) -> PromptVersion | None:
    if version_id is None:
        return None
    return await session.scalar(
        select(PromptVersion).where(PromptVersion.org_id == org_id, PromptVersion.id == version_id)
    )


async def template_detail(session: AsyncSession, org_id: str, template_id: str) -> dict[str, Any]:
    template = await get_template(session, org_id, template_id)
    active = await get_version(session, org_id, template.active_version_id)
    return {**template_to_api(template), "activeVersion": version_to_api(active) if active else None}


async def _flush_unique(session: AsyncSession) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict(SLUG_TAKEN, code="template_exists") from None


async def create_template(
    session: AsyncSession,
    org_id: str,
    *,
    slug: str,
    name: str,
    description: str | None = None,
    conditions: Any = None,
    specificity: int = 10,
    project_id: str | None = None,
) -> PromptTemplate:
    if not isinstance(slug, str) or not 1 <= len(slug) <= 200 or not SLUG_PATTERN.match(slug):
        raise BadRequest(SLUG_MESSAGE, code="validation_error")
    name = _text(name, "name", 500)
    clean = _conditions(conditions)
    specificity = _specificity(specificity)
    await _check_project(session, org_id, project_id)
    taken = await session.scalar(
        select(PromptTemplate.id).where(PromptTemplate.org_id == org_id, PromptTemplate.slug == slug)
    )
    if taken is not None:
        raise Conflict(SLUG_TAKEN, code="template_exists")
    now = utcnow()
    template = PromptTemplate(
        id=new_id(),
        org_id=org_id,
        slug=slug,
        name=name,
        description=description,
        conditions=clean,
        specificity=specificity,
        project_id=project_id,
        last_version=0,
        created_at=now,
        updated_at=now,
    )
    session.add(template)
    await _flush_unique(session)
    await templates_changed(session, org_id)
    return template


async def update_template(
    session: AsyncSession, org_id: str, template_id: str, changes: Mapping[str, Any]
) -> PromptTemplate:
    """``changes``: any of name, description, conditions, specificity, project_id (slug never changes)."""
    template = await get_template(session, org_id, template_id)
    if "name" in changes:
        template.name = _text(changes["name"], "name", 500)
    if "description" in changes:
        template.description = changes["description"]
    if "conditions" in changes:
        if changes["conditions"] is None:
            raise BadRequest("Invalid 'conditions': must not be null", code="validation_error")
        template.conditions = _conditions(changes["conditions"])
    if "specificity" in changes:
        template.specificity = _specificity(changes["specificity"])
    if "project_id" in changes:
        await _check_project(session, org_id, changes["project_id"])
        template.project_id = changes["project_id"]
    template.updated_at = utcnow()
    await session.flush()
    await templates_changed(session, org_id)
    return template


async def delete_template(session: AsyncSession, org_id: str, template_id: str) -> None:
    """Soft delete. The slug is freed for a new template (the deleted one keeps it with a suffix)."""
    template = await get_template(session, org_id, template_id)
    now = utcnow()
    template.deleted_at = now
    template.updated_at = now
    template.slug = f"{template.slug[:150]}~deleted~{template.id}"
    await session.flush()
    await templates_changed(session, org_id)


# -- versions -----------------------------------------------------------------------------------------------
async def list_versions(
    session: AsyncSession, org_id: str, template_id: str, *, limit: int, offset: int
) -> tuple[list[PromptVersion], int]:
    await get_template(session, org_id, template_id)
    base = select(PromptVersion).where(
        PromptVersion.org_id == org_id, PromptVersion.template_id == template_id
    )
    total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = await session.scalars(base.order_by(PromptVersion.version.desc()).limit(limit).offset(offset))
    return list(rows), total


def check_content(content: Any) -> str:
    """Raise 400 (or 422 for triple braces, as the engine's clients expect) unless the template compiles."""
    if not isinstance(content, str) or not content:
        raise BadRequest("Invalid 'content': at least 1 character", code="validation_error")
    try:
        compile_template(content)
    except TemplateSyntaxError as exc:
        if exc.code == "triple_brace":
            raise Unprocessable(exc.reason, code="triple_brace", line=exc.line, column=exc.column) from None
        raise BadRequest(
            f"Template does not compile: {exc}",
            code="template_syntax",
            line=exc.line,
            column=exc.column,
            reason=exc.reason,
        ) from None
    return content


async def create_version(
    session: AsyncSession,
    org_id: str,
    template_id: str,
    *,
    content: str,
    author_type: str,
    author_name: str,
    changelog: str | None = None,
) -> PromptVersion:
    if author_type not in AUTHOR_TYPES:
        raise BadRequest("Invalid 'authorType' (allowed: human, agent)", code="validation_error")
    author_name = _text(author_name, "authorName", 200)
    await get_template(session, org_id, template_id)
    check_content(content)
    now = utcnow()
    numbered = (
        await session.execute(
            update(PromptTemplate)
            .where(
                PromptTemplate.org_id == org_id,
                PromptTemplate.id == template_id,
                PromptTemplate.deleted_at.is_(None),
            )
            .values(last_version=PromptTemplate.last_version + 1, updated_at=now)
            .returning(PromptTemplate.last_version, PromptTemplate.active_version_id)
            .execution_options(synchronize_session=False)
        )
    ).one_or_none()
    if numbered is None:
        raise NotFound(TEMPLATE_NOT_FOUND)
    number, active_id = numbered
    version = PromptVersion(
        id=new_id(),
        org_id=org_id,
        template_id=template_id,
        version=number,
        content=content,
        changelog=changelog,
        author_type=author_type,
        author_name=author_name,
        status="active" if active_id is None else "draft",
        created_at=now,
    )
    session.add(version)
    await session.flush()
    if active_id is None:
        await session.execute(
            update(PromptTemplate)
            .where(PromptTemplate.id == template_id)
            .values(active_version_id=version.id)
            .execution_options(synchronize_session=False)
        )
        await templates_changed(session, org_id)
    return version


async def promote_version(
    session: AsyncSession, org_id: str, template_id: str, version_id: str
) -> PromptVersion:
    """Make ``version_id`` the active version; the previous one is retired (it can be promoted back)."""
    await get_template(session, org_id, template_id)
    # Lock the template row first: promotes and version creates of one template run one at a time.
    locked = (
        await session.execute(
            update(PromptTemplate)
            .where(PromptTemplate.id == template_id, PromptTemplate.deleted_at.is_(None))
            .values(updated_at=utcnow())
            .returning(PromptTemplate.active_version_id)
            .execution_options(synchronize_session=False)
        )
    ).one_or_none()
    if locked is None:
        raise NotFound(TEMPLATE_NOT_FOUND)
    version = await get_version(session, org_id, version_id)
    if version is None or version.template_id != template_id:
        raise NotFound(VERSION_NOT_FOUND)
    if version.status == "active":
        raise Unprocessable(ALREADY_ACTIVE, code="already_active")
    await session.execute(
        update(PromptVersion)
        .where(
            PromptVersion.template_id == template_id,
            PromptVersion.status == "active",
            PromptVersion.id != version_id,
        )
        .values(status="retired")
        .execution_options(synchronize_session=False)
    )
    version.status = "active"
    await session.execute(
        update(PromptTemplate)
        .where(PromptTemplate.id == template_id)
        .values(active_version_id=version_id)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    await templates_changed(session, org_id)
    return version


async def list_reviews(
    session: AsyncSession, org_id: str, template_id: str, *, limit: int, offset: int
) -> tuple[list[PromptReview], int]:
    await get_template(session, org_id, template_id)
    base = select(PromptReview).where(PromptReview.org_id == org_id, PromptReview.template_id == template_id)
    total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = await session.scalars(
        base.order_by(PromptReview.created_at.desc(), PromptReview.id.desc()).limit(limit).offset(offset)
    )
    return list(rows), total
