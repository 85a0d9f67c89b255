from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from loop.db.repository import OrgRepository
from loop.inbox.models import Draft, DraftAttachment, ReportExport


class DraftRepository(OrgRepository[Draft]):
    model = Draft

    def listing(self, *, status: str | None, conversation: str | None) -> Select[tuple[Draft]]:
        stmt = self.select().order_by(Draft.created_at.desc(), Draft.id.desc())
        if status is not None:
            stmt = stmt.where(Draft.status == status)
        if conversation is not None:
            stmt = stmt.where(Draft.conversation_id == conversation)
        return stmt


class AttachmentRepository(OrgRepository[DraftAttachment]):
    model = DraftAttachment

    async def of_drafts(self, draft_ids: Sequence[str]) -> dict[str, list[DraftAttachment]]:
        """Attachment descriptions (not their bytes) of several drafts, in one query."""
        found: dict[str, list[DraftAttachment]] = {draft_id: [] for draft_id in draft_ids}
        if not draft_ids:
            return found
        stmt = (
            self.select()
            .where(DraftAttachment.draft_id.in_(list(draft_ids)))
            .order_by(DraftAttachment.draft_id, DraftAttachment.position)
        )
        for attachment in await self.all(stmt):
            found[attachment.draft_id].append(attachment)
        return found

    async def with_data(self, draft_id: str) -> list[DraftAttachment]:
        stmt = (
            self.select()
            .where(DraftAttachment.draft_id == draft_id)
            .order_by(DraftAttachment.position)
            .options(undefer(DraftAttachment.data))
        )
        return list(await self.all(stmt))

    async def remove_all(self, draft_id: str) -> None:
        await self.session.execute(
            delete(DraftAttachment).where(
                DraftAttachment.org_id == self.org_id, DraftAttachment.draft_id == draft_id
            )
        )


class ExportRepository(OrgRepository[ReportExport]):
    model = ReportExport


async def export_for_download(session: AsyncSession, export_id: str) -> ReportExport | None:
    """The one unscoped lookup: a download link is its own credential (its signature names the export)."""
    return (
        await session.execute(select(ReportExport).where(ReportExport.id == export_id))
    ).scalar_one_or_none()
