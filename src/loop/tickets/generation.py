"""``POST /api/v1/tickets/generate``: read the source in one short transaction, ask the provider with no
transaction open (an LLM can take seconds), then store the ticket in a second short transaction."""

from __future__ import annotations

import time
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.auth.principal import Principal
from loop.boards.models import BoardList, Card
from loop.core.clock import iso, utcnow
from loop.core.errors import BadRequest, NotFound, UpstreamFailed
from loop.db.session import Database
from loop.discussion.service import comments_for_sources
from loop.feedback.models import Feedback
from loop.llm import Generated, GenerationFailed, SourceComment, SourceItem, TicketGenerator
from loop.projects.models import Project
from loop.tickets.models import SOURCE_TYPES, Ticket

log = structlog.get_logger("loop.tickets")

MISSING = "Missing source_type or source_id"
INVALID_SOURCE_TYPE = "Invalid source_type"
SOURCE_NOT_FOUND = "Source item not found"
FAILED = "AI generation failed"


async def _project(session: AsyncSession, org_id: str, project_id: str) -> Project | None:
    stmt = select(Project).where(
        Project.id == project_id, Project.org_id == org_id, Project.deleted_at.is_(None)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def _comments(rows: list[Any]) -> list[SourceComment]:
    return [SourceComment(c.author_name, c.body, c.is_internal, iso(c.created_at) or "") for c in rows]


async def load_source(session: AsyncSession, org_id: str, source_type: str, source_id: str) -> SourceItem:
    if source_type == "feedback":
        item = (
            await session.execute(select(Feedback).where(Feedback.id == source_id, Feedback.org_id == org_id))
        ).scalar_one_or_none()
        project = await _project(session, org_id, item.project_id) if item else None
        if item is None or project is None:
            raise NotFound(SOURCE_NOT_FOUND)
        comments = await comments_for_sources(session, org_id, "feedback", item.id)
        return SourceItem(
            kind="feedback",
            id=item.id,
            project_id=project.id,
            project_name=project.name,
            project_url=project.url,
            title=item.title,
            description=item.description,
            type=item.type,
            status=item.status,
            page_url=item.page_url,
            reporter_name=item.reporter_name,
            reporter_email=item.reporter_email,
            browser_info=item.browser_info,
            annotations=list(item.annotations or []),
            has_screenshot=item.screenshot_key is not None,
            comments=_comments(comments),
        )
    stmt = (
        select(Card, BoardList.name)
        .join(BoardList, BoardList.id == Card.list_id)
        .where(Card.id == source_id, Card.org_id == org_id)
    )
    row = (await session.execute(stmt)).one_or_none()
    project = await _project(session, org_id, row[0].project_id) if row else None
    if row is None or project is None:
        raise NotFound(SOURCE_NOT_FOUND)
    card, list_name = row
    comments = await comments_for_sources(session, org_id, "card", card.id)
    return SourceItem(
        kind="board_card",
        id=card.id,
        project_id=project.id,
        project_name=project.name,
        project_url=project.url,
        title=card.title,
        description=card.description,
        list_name=list_name,
        labels=list(card.labels or []),
        checklist=list(card.checklist or []),
        due_date=card.due_date.isoformat() if card.due_date else None,
        attachments=list(card.attachments or []),
        comments=_comments(comments),
    )


def ai_context(result: Generated, source: SourceItem, duration_ms: int) -> dict[str, Any]:
    return {
        "provider": result.provider,
        "model": result.model,
        "generated_at": iso(utcnow()),
        "duration_ms": duration_ms,
        "inputs": source.snapshot(),
        **({"details": result.details} if result.details else {}),
    }


async def generate_ticket(
    database: Database,
    generator: TicketGenerator,
    principal: Principal,
    source_type: str | None,
    source_id: str | None,
) -> Ticket:
    if not source_type or not source_id:
        raise BadRequest(MISSING, code="validation_error")
    if source_type not in SOURCE_TYPES:
        raise BadRequest(INVALID_SOURCE_TYPE, code="invalid_value", allowed=list(SOURCE_TYPES))
    async with database.read() as session:
        source = await load_source(session, principal.org_id, source_type, source_id)

    started = time.perf_counter()
    try:
        result = await generator.generate(source)
    except GenerationFailed as exc:
        log.warning(
            "ticket_generation_failed", provider=generator.provider, model=generator.model, reason=str(exc)
        )
        raise UpstreamFailed(FAILED, code="ai_generation_failed") from exc
    except Exception as exc:
        log.exception("ticket_generation_error", provider=generator.provider, model=generator.model)
        raise UpstreamFailed(FAILED, code="ai_generation_failed") from exc
    duration_ms = round((time.perf_counter() - started) * 1000)

    async with database.write() as session:
        # The source may have gone while the provider was thinking.
        model = Feedback if source_type == "feedback" else Card
        still_there = await session.execute(
            select(model.id).where(model.id == source_id, model.org_id == principal.org_id)
        )
        if still_there.scalar_one_or_none() is None:
            raise NotFound(SOURCE_NOT_FOUND)
        draft = result.draft
        ticket = Ticket(
            org_id=principal.org_id,
            project_id=source.project_id,
            source_type=source_type,
            source_id=source_id,
            feedback_id=source_id if source_type == "feedback" else None,
            card_id=source_id if source_type == "board_card" else None,
            title=draft.title,
            description=draft.description,
            priority=draft.priority,
            status="open",
            labels=draft.labels,
            ai_context=ai_context(result, source, duration_ms),
            created_by=principal.user_id,
        )
        session.add(ticket)
        await session.flush()
    return ticket
