"""Every query on signals, fingerprints, triage rules, settings and webhook configuration. Dialect
differences (the fingerprint upsert, text search in payloads) live here and nowhere else."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Text, cast, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.core.ids import new_id
from loop.db.repository import OrgRepository
from loop.issues.models import Issue
from loop.labels.models import Label
from loop.projects.models import Project
from loop.signals.models import (
    Signal,
    SignalFingerprint,
    SignalSettings,
    TriageRule,
    WebhookDelivery,
    WebhookProjectMapping,
    WebhookSecret,
)


def _insert(session: AsyncSession) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


@dataclass(frozen=True)
class SignalFilters:
    sources: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    issue_id: str | None = None
    project_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None  # a LIKE pattern, escaped with backslashes


class SignalRepository(OrgRepository[Signal]):
    model = Signal

    async def page_filtered(
        self, filters: SignalFilters, *, limit: int, offset: int
    ) -> tuple[Sequence[Signal], int]:
        """Newest first."""
        stmt = self.select()
        if filters.sources:
            stmt = stmt.where(Signal.source.in_(filters.sources))
        if filters.types:
            stmt = stmt.where(Signal.type.in_(filters.types))
        if filters.severities:
            stmt = stmt.where(Signal.severity.in_(filters.severities))
        if filters.issue_id is not None:
            stmt = stmt.where(Signal.issue_id == filters.issue_id)
        if filters.project_id is not None:
            stmt = stmt.where(Signal.project_id == filters.project_id)
        if filters.since is not None:
            stmt = stmt.where(Signal.created_at >= filters.since)
        if filters.until is not None:
            stmt = stmt.where(Signal.created_at < filters.until)
        if filters.q:
            stmt = stmt.where(
                or_(Signal.title.ilike(filters.q, escape="\\"), self._payload_contains(filters.q))
            )
        return await self.page(
            stmt.order_by(Signal.created_at.desc(), Signal.id.desc()), limit=limit, offset=offset
        )

    def _payload_contains(self, pattern: str) -> Any:
        """Text anywhere in the payload (keys and values). PostgreSQL: the JSONB value cast to text, matched
        with ILIKE. SQLite: the stored JSON text, matched with LIKE (case-insensitive for ASCII letters;
        SQLite stores other characters as \\u escapes, so only ASCII text is found there)."""
        text = cast(Signal.payload, Text)
        if self.session.get_bind().dialect.name == "postgresql":
            return text.ilike(pattern, escape="\\")
        return text.like(pattern, escape="\\")


class FingerprintRepository:
    def __init__(self, session: AsyncSession, org_id: str) -> None:
        self.session = session
        self.org_id = org_id

    async def claim(self, fingerprint: str, candidate_issue_id: str, now: datetime) -> Row[Any]:
        """Insert the fingerprint pointing at ``candidate_issue_id``, or lock the existing row unchanged.

        Returns ``(issue_id, last_seen_at)`` as stored before this call for an existing fingerprint, or the
        candidate for a new one. The upsert's row lock (PostgreSQL; SQLite writers are serialised anyway)
        makes a concurrent identical signal wait here until this transaction ends, then see its issue."""
        insert = _insert(self.session)
        stmt = insert(SignalFingerprint).values(
            org_id=self.org_id, fingerprint=fingerprint, issue_id=candidate_issue_id, last_seen_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[SignalFingerprint.org_id, SignalFingerprint.fingerprint],
            set_={"fingerprint": stmt.excluded.fingerprint},
        ).returning(SignalFingerprint.issue_id, SignalFingerprint.last_seen_at)
        return (await self.session.execute(stmt)).one()

    async def point(self, fingerprint: str, issue_id: str, now: datetime) -> None:
        await self.session.execute(
            update(SignalFingerprint)
            .where(SignalFingerprint.org_id == self.org_id, SignalFingerprint.fingerprint == fingerprint)
            .values(issue_id=issue_id, last_seen_at=now)
        )

    async def open_issue(self, issue_id: str) -> Issue | None:
        """The issue if it is live and neither done nor canceled, locked against concurrent updates."""
        stmt = (
            select(Issue)
            .where(
                Issue.org_id == self.org_id,
                Issue.id == issue_id,
                Issue.deleted_at.is_(None),
                Issue.status.not_in(("done", "canceled")),
            )
            .with_for_update()
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()


class SettingsRepository:
    def __init__(self, session: AsyncSession, org_id: str) -> None:
        self.session = session
        self.org_id = org_id

    async def get(self) -> SignalSettings | None:
        return await self.session.get(SignalSettings, self.org_id)

    async def dedup_window_s(self) -> int | None:
        stmt = select(SignalSettings.dedup_window_s).where(SignalSettings.org_id == self.org_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()


class TriageRuleRepository(OrgRepository[TriageRule]):
    model = TriageRule

    async def ordered(self, *, enabled_only: bool = False) -> list[TriageRule]:
        stmt = self.select()
        if enabled_only:
            stmt = stmt.where(TriageRule.enabled.is_(True))
        stmt = stmt.order_by(TriageRule.position, TriageRule.created_at, TriageRule.id)
        return list(await self.all(stmt))


class WebhookRepository(OrgRepository[WebhookSecret]):
    model = WebhookSecret

    async def secrets(self) -> dict[str, WebhookSecret]:
        return {row.provider: row for row in await self.all(self.select())}

    async def secret(self, provider: str) -> WebhookSecret | None:
        stmt = self.select().where(WebhookSecret.provider == provider)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def remove(self, provider: str) -> bool:
        result = await self.session.execute(
            delete(WebhookSecret).where(
                WebhookSecret.org_id == self.org_id, WebhookSecret.provider == provider
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def record_delivery(self, provider: str, delivery_id: str, event: str) -> str | None:
        """Insert the delivery; None when the id was already recorded (a redelivery). A concurrent insert
        of the same id waits for the first transaction and then finds the row."""
        insert = _insert(self.session)
        stmt = (
            insert(WebhookDelivery)
            .values(
                id=new_id(),
                org_id=self.org_id,
                provider=provider,
                delivery_id=delivery_id,
                event=event[:200],
                received_at=utcnow(),
            )
            .on_conflict_do_nothing(
                index_elements=[WebhookDelivery.org_id, WebhookDelivery.provider, WebhookDelivery.delivery_id]
            )
            .returning(WebhookDelivery.id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def attach_delivery(self, row_id: str, signal_id: str) -> None:
        await self.session.execute(
            update(WebhookDelivery).where(WebhookDelivery.id == row_id).values(signal_id=signal_id)
        )

    # -- provider project → Loop project ------------------------------------------------------------
    async def mappings(self, provider: str | None = None) -> list[WebhookProjectMapping]:
        stmt = select(WebhookProjectMapping).where(WebhookProjectMapping.org_id == self.org_id)
        if provider is not None:
            stmt = stmt.where(WebhookProjectMapping.provider == provider)
        stmt = stmt.order_by(WebhookProjectMapping.provider, WebhookProjectMapping.external)
        return list((await self.session.execute(stmt)).scalars().all())

    async def mapping(self, mapping_id: str) -> WebhookProjectMapping | None:
        stmt = select(WebhookProjectMapping).where(
            WebhookProjectMapping.org_id == self.org_id, WebhookProjectMapping.id == mapping_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def mapping_for(self, provider: str, external: str) -> WebhookProjectMapping | None:
        stmt = select(WebhookProjectMapping).where(
            WebhookProjectMapping.org_id == self.org_id,
            WebhookProjectMapping.provider == provider,
            WebhookProjectMapping.external == external,
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def mapped_project(self, provider: str, candidates: Sequence[str]) -> str | None:
        """The live Loop project the first matching candidate key maps to."""
        keys = [key.lower() for key in candidates if key]
        if not keys:
            return None
        stmt = (
            select(WebhookProjectMapping.external, WebhookProjectMapping.project_id)
            .join(Project, Project.id == WebhookProjectMapping.project_id)
            .where(
                WebhookProjectMapping.org_id == self.org_id,
                WebhookProjectMapping.provider == provider,
                WebhookProjectMapping.external.in_(keys),
                Project.deleted_at.is_(None),
            )
        )
        found = dict((await self.session.execute(stmt)).all())
        return next((found[key] for key in keys if key in found), None)


async def live_label_ids(session: AsyncSession, org_id: str, ids: Sequence[str]) -> list[str]:
    """The given label ids that still name live labels of the organisation, in the given order."""
    if not ids:
        return []
    stmt = select(Label.id).where(Label.org_id == org_id, Label.id.in_(list(ids)), Label.deleted_at.is_(None))
    live = set((await session.execute(stmt)).scalars().all())
    return [label_id for label_id in dict.fromkeys(ids) if label_id in live]


async def live_project(session: AsyncSession, org_id: str, project_id: str) -> bool:
    stmt = select(Project.id).where(
        Project.org_id == org_id, Project.id == project_id, Project.deleted_at.is_(None)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None
