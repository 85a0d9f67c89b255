"""Feedback: list, get, update and delete through the API; ``submit`` stores a new item for every channel
(the widget and the API), counting it against the plan's monthly quota."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, delete
from sqlalchemy.ext.asyncio import AsyncSession

from loop.config import Settings
from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Forbidden, NotFound
from loop.core.ids import new_id
from loop.db.counters import next_value
from loop.db.repository import OrgRepository
from loop.db.session import Database
from loop.feedback import quota
from loop.feedback.models import STATUSES, TYPES, Feedback
from loop.feedback.schemas import FeedbackFields, FeedbackPatch
from loop.feedback.uploads import Image
from loop.orgs.models import Organisation
from loop.projects.developer_schemas import clean_url
from loop.projects.developer_service import PROJECT_NOT_FOUND, get_project
from loop.projects.developer_support import check_choice
from loop.projects.repository import ProjectRepository
from loop.storage.base import FileStorage

FEEDBACK_NOT_FOUND = "Feedback not found"
ARCHIVED = "This project is archived and no longer accepts feedback"


class FeedbackRepository(OrgRepository[Feedback]):
    model = Feedback

    def listing(
        self, *, project_id: str | None, status: str | None, type_: str | None
    ) -> Select[tuple[Feedback]]:
        stmt = self.select().order_by(Feedback.created_at.desc(), Feedback.id.desc())
        if project_id is not None:
            stmt = stmt.where(Feedback.project_id == project_id)
        if status is not None:
            stmt = stmt.where(Feedback.status == status)
        if type_ is not None:
            stmt = stmt.where(Feedback.type == type_)
        return stmt


async def list_feedback(
    session: AsyncSession,
    org_id: str,
    *,
    project_id: str | None,
    status: str | None,
    type_: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Feedback], int]:
    check_choice(status, STATUSES, "Invalid status")
    check_choice(type_, TYPES, "Invalid type")
    if project_id is not None:
        await get_project(session, org_id, project_id)
    repo = FeedbackRepository(session, org_id)
    return await repo.page(
        repo.listing(project_id=project_id, status=status, type_=type_), limit=limit, offset=offset
    )


async def get_feedback(session: AsyncSession, org_id: str, feedback_id: str) -> Feedback:
    row = await FeedbackRepository(session, org_id).get(feedback_id)
    if row is None:
        raise NotFound(FEEDBACK_NOT_FOUND)
    return row


async def update_feedback(
    session: AsyncSession, org_id: str, feedback_id: str, body: FeedbackPatch
) -> Feedback:
    fields = body.model_fields_set & {"status", "type", "title", "description"}
    if not fields:
        raise BadRequest("No valid fields", code="no_valid_fields")
    if "status" in fields:
        if body.status is None:
            raise BadRequest("Invalid status", code="invalid_value", allowed=list(STATUSES))
        check_choice(body.status, STATUSES, "Invalid status")
    if "type" in fields:
        if body.type is None:
            raise BadRequest("Invalid type", code="invalid_value", allowed=list(TYPES))
        check_choice(body.type, TYPES, "Invalid type")
    if "title" in fields and (body.title is None or not body.title.strip()):
        raise BadRequest("title cannot be empty", code="validation_error")
    row = await get_feedback(session, org_id, feedback_id)
    if "status" in fields:
        row.status = body.status  # type: ignore[assignment]
    if "type" in fields:
        row.type = body.type  # type: ignore[assignment]
    if "title" in fields:
        row.title = body.title.strip()  # type: ignore[union-attr]
    if "description" in fields:
        row.description = body.description
    row.updated_at = utcnow()
    await session.flush()
    return row


async def delete_feedback(session: AsyncSession, org_id: str, feedback_id: str) -> list[str]:
    """Delete the item (its comments go with it); returns the storage keys to remove once committed."""
    row = await get_feedback(session, org_id, feedback_id)
    keys = [k for k in (row.screenshot_key, row.recording_key) if k]
    await session.execute(delete(Feedback).where(Feedback.id == row.id, Feedback.org_id == org_id))
    return keys


# -- new items ---------------------------------------------------------------------------------------------
@dataclass
class Submission:
    fields: FeedbackFields
    status: str = "new"
    channel: str = "widget"
    screenshot: Image | None = None


def derive_title(fields: FeedbackFields) -> str:
    if fields.title:
        return fields.title
    if not fields.description:
        raise BadRequest("title or description is required", code="validation_error")
    first = fields.description.strip().splitlines()[0].strip()
    if len(first) <= 120:
        return first
    cut = first[:117].rsplit(" ", 1)[0]
    return cut + "…"


def check_submission(submission: Submission) -> None:
    """Everything that can be refused without the database (runs before any file is stored)."""
    fields = submission.fields
    derive_title(fields)
    check_choice(fields.type, TYPES, "Invalid type")
    check_choice(submission.status, STATUSES, "Invalid status")
    if fields.page_url:
        clean_url(fields.page_url, "page_url")


async def submit(
    database: Database,
    storage: FileStorage,
    settings: Settings,
    *,
    org_id: str,
    project_id: str,
    submission: Submission,
    project_missing: Exception | None = None,
) -> Feedback:
    """Store a new feedback item. The screenshot is written before the (short) transaction and removed
    again if the transaction fails, so a stored file always belongs to a stored item."""
    check_submission(submission)
    fields = submission.fields
    feedback_id = new_id()
    key = None
    if submission.screenshot is not None:
        key = f"{org_id}/feedback/{feedback_id}/screenshot.{submission.screenshot.extension}"
        await storage.save(key, submission.screenshot.data, submission.screenshot.media_type)
    try:
        async with database.write() as session:
            project = await ProjectRepository(session, org_id).get_live(project_id)
            if project is None:
                raise project_missing or NotFound(PROJECT_NOT_FOUND)
            if project.archived_at is not None:
                raise Forbidden(ARCHIVED, code="project_archived")
            org = await session.get(Organisation, org_id)
            assert org is not None
            await quota.consume(session, settings, org)
            position = await next_value(session, org_id, f"feedback_position:{project_id}") - 1
            row = Feedback(
                id=feedback_id,
                org_id=org_id,
                project_id=project_id,
                title=derive_title(fields),
                description=fields.description or None,
                status=submission.status,
                type=fields.type or "general",
                page_url=fields.page_url or None,
                reporter_name=fields.reporter_name or None,
                reporter_email=fields.reporter_email,
                annotations=fields.annotations or [],
                browser_info=fields.browser_info,
                screenshot_key=key,
                screenshot_bytes=len(submission.screenshot.data) if submission.screenshot else None,
                position=position,
                channel=submission.channel,
            )
            session.add(row)
            await session.flush()
        return row
    except BaseException:
        if key is not None:
            await storage.delete(key)
        raise
