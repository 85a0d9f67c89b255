"""Ingesting signals: each signal is stored and either opens a triage issue (routed by the triage rules)
or, when its fingerprint repeats within the deduplication window while that issue is still open, joins
that issue and counts as one more occurrence. Reading signals back. Services never commit.

Fingerprints: ``fingerprint`` when the caller gives one, else ``<source>:<sourceId>``; a signal with
neither never deduplicates. Webhooks give provider keys (a Sentry issue id, a GitHub alert number …).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.core.errors import BadRequest, NotFound, Unprocessable
from loop.core.ids import new_id
from loop.issues import service as issues
from loop.issues.models import Issue
from loop.issues.repository import like_pattern
from loop.issues.schemas import issue_to_api
from loop.signals import triage
from loop.signals.models import DEFAULT_DEDUP_WINDOW_S, SEVERITIES, Signal, SignalSettings
from loop.signals.repository import (
    FingerprintRepository,
    SettingsRepository,
    SignalFilters,
    SignalRepository,
    live_project,
)

SIGNAL_NOT_FOUND = "Signal not found"
PROJECT_NOT_FOUND = "Project not found"
MAX_FINGERPRINT = 300
MAX_DEDUP_WINDOW_S = 30 * 24 * 3600


@dataclass(frozen=True)
class SignalInput:
    source: str
    type: str
    severity: str
    payload: dict[str, Any]
    source_id: str | None = None
    project_id: str | None = None
    title: str | None = None
    fingerprint: str | None = None
    labels: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Ingested:
    signal: Signal
    issue: Issue

    @property
    def duplicate(self) -> bool:
        return self.signal.duplicate


def signal_title(source: str, type_: str, payload: dict[str, Any]) -> str:
    """``[<source>] <type>: <summary>``; the summary is ``payload.message``, else ``payload.title``, else the
    type (the engine's rule)."""
    message, title = payload.get("message"), payload.get("title")
    summary = message if isinstance(message, str) else title if isinstance(title, str) else type_
    return _clip(f"[{source}] {type_}: {summary}")


def _clip(text: str, limit: int = 500) -> str:
    text = " ".join(text.split()) or "(untitled)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fingerprint_of(signal: SignalInput) -> str | None:
    raw = signal.fingerprint or (f"{signal.source}:{signal.source_id}" if signal.source_id else None)
    if not raw:
        return None
    if len(raw) <= MAX_FINGERPRINT:
        return raw
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()


async def ingest(session: AsyncSession, org_id: str, signal: SignalInput) -> Ingested:
    """Store the signal with its issue, atomically (the caller's unit of work)."""
    if signal.severity not in SEVERITIES:
        raise BadRequest(f"Invalid 'severity' (allowed: {', '.join(SEVERITIES)})", code="validation_error")
    if signal.project_id is not None and not await live_project(session, org_id, signal.project_id):
        raise Unprocessable(PROJECT_NOT_FOUND, code="project_not_found")
    now = utcnow()
    fingerprint = fingerprint_of(signal)
    issue: Issue | None = None
    pointers = FingerprintRepository(session, org_id)
    # The id the new issue will have: a new fingerprint points at it from the start.
    new_issue_id = new_id()
    repointed = False
    if fingerprint is not None:
        known = await pointers.claim(fingerprint, new_issue_id, now)
        if known.issue_id != new_issue_id:
            repointed = True
            issue = await _open_repeat(session, org_id, pointers, known.issue_id, known.last_seen_at, now)
    duplicate = issue is not None
    title = _clip(signal.title) if signal.title else signal_title(signal.source, signal.type, signal.payload)
    if issue is not None:
        issue.occurrences = (issue.occurrences or 1) + 1
        issue.last_seen_at = now
        issue.updated_at = now
    else:
        decision = await triage.decide(session, org_id, signal)
        issue = await issues.create_issue(
            session,
            org_id,
            title=title,
            type="signal",
            status=decision.status,
            priority=decision.priority,
            project_id=decision.project_id,
            signal_source=signal.source,
            signal_payload=signal.payload,
            label_ids=decision.label_ids,
            occurrences=1,
            last_seen_at=now,
            issue_id=new_issue_id,
        )
    if repointed:
        await pointers.point(fingerprint, issue.id, now)
    row = Signal(
        org_id=org_id,
        source=signal.source,
        source_id=signal.source_id,
        type=signal.type,
        severity=signal.severity,
        title=title,
        payload=signal.payload,
        labels=list(signal.labels) or None,
        fingerprint=fingerprint,
        issue_id=issue.id,
        project_id=signal.project_id if duplicate else issue.project_id,
        duplicate=duplicate,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return Ingested(signal=row, issue=issue)


async def _open_repeat(
    session: AsyncSession,
    org_id: str,
    pointers: FingerprintRepository,
    issue_id: str,
    last_seen_at: datetime,
    now: datetime,
) -> Issue | None:
    """The issue a repeat joins: the fingerprint's issue while it is open and the repeat falls inside the
    window; None means a new issue (first sighting after the window, or a regression after done)."""
    window = await SettingsRepository(session, org_id).dedup_window_s()
    window = DEFAULT_DEDUP_WINDOW_S if window is None else window
    if window <= 0:
        return None
    if last_seen_at.tzinfo is None:  # SQLite through a Core RETURNING row
        last_seen_at = last_seen_at.replace(tzinfo=UTC)
    if last_seen_at < now - timedelta(seconds=window):
        return None
    return await pointers.open_issue(issue_id)


# -- reading --------------------------------------------------------------------------------------------
def parse_filters(
    *,
    source: str | None,
    type: str | None,
    severity: str | None,
    issue_id: str | None,
    project_id: str | None,
    since: datetime | None,
    until: datetime | None,
    q: str | None,
) -> SignalFilters:
    severities = _split(severity)
    for value in severities:
        if value not in SEVERITIES:
            raise BadRequest(
                f"Invalid 'severity': unknown value '{value}' (allowed: {', '.join(SEVERITIES)})",
                code="validation_error",
                allowed=list(SEVERITIES),
            )
    since, until = _aware(since), _aware(until)
    if since is not None and until is not None and since >= until:
        raise BadRequest("Invalid 'until': must be later than 'since'", code="validation_error")
    q = q.strip() if q else None
    return SignalFilters(
        sources=_split(source),
        types=_split(type),
        severities=severities,
        issue_id=issue_id,
        project_id=project_id,
        since=since,
        until=until,
        q=like_pattern(q) if q else None,
    )


def _split(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return ()
    return tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


async def list_signals(
    session: AsyncSession, org_id: str, filters: SignalFilters, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    rows, total = await SignalRepository(session, org_id).page_filtered(filters, limit=limit, offset=offset)
    return [signal_to_api(row) for row in rows], total


async def get_signal(session: AsyncSession, org_id: str, signal_id: str) -> Signal:
    row = await SignalRepository(session, org_id).get(signal_id)
    if row is None:
        raise NotFound(SIGNAL_NOT_FOUND)
    return row


def signal_to_api(row: Signal) -> dict[str, Any]:
    return {
        "id": row.id,
        "source": row.source,
        "sourceId": row.source_id,
        "type": row.type,
        "severity": row.severity,
        "title": row.title,
        "payload": row.payload,
        "labels": row.labels or [],
        "fingerprint": row.fingerprint,
        "duplicate": row.duplicate,
        "issueId": row.issue_id,
        "projectId": row.project_id,
        "createdAt": row.created_at,
    }


def ingested_to_api(result: Ingested) -> dict[str, Any]:
    return {"signal": signal_to_api(result.signal), "issue": issue_to_api(result.issue)}


# -- settings -------------------------------------------------------------------------------------------
async def get_settings(session: AsyncSession, org_id: str) -> dict[str, Any]:
    row = await SettingsRepository(session, org_id).get()
    return settings_to_api(row)


async def update_settings(session: AsyncSession, org_id: str, *, dedup_window_s: int) -> dict[str, Any]:
    if not 0 <= dedup_window_s <= MAX_DEDUP_WINDOW_S:
        raise BadRequest(
            f"Invalid 'dedupWindowSeconds': 0 (never deduplicate) to {MAX_DEDUP_WINDOW_S} (30 days)",
            code="validation_error",
        )
    row = await SettingsRepository(session, org_id).get()
    if row is None:
        row = SignalSettings(org_id=org_id)
        session.add(row)
    row.dedup_window_s = dedup_window_s
    row.updated_at = utcnow()
    await session.flush()
    return settings_to_api(row)


def settings_to_api(row: SignalSettings | None) -> dict[str, Any]:
    return {
        "dedupWindowSeconds": DEFAULT_DEDUP_WINDOW_S if row is None else row.dedup_window_s,
        "updatedAt": None if row is None else row.updated_at,
    }
