"""Putting work on the queue, inside the caller's transaction.

``enqueue`` adds the job row to the session the business change is written with, so the job exists exactly
when that change commits. Runners in this process are woken as soon as the transaction commits; runners in
other processes find the job on their next poll.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from loop.core.clock import utcnow
from loop.jobs.models import Job, JobStatus
from loop.jobs.registry import load_handlers, registry

_PENDING = "loop.jobs.pending"
_listeners: set[Callable[[], None]] = set()


async def enqueue(
    session: AsyncSession,
    org_id: str | None,
    kind: str,
    payload: dict[str, Any] | None = None,
    run_after: datetime | None = None,
    *,
    max_attempts: int | None = None,
) -> Job:
    """Queue a job of ``kind`` in ``session``'s transaction; it runs once committed and ``run_after`` has come."""
    if max_attempts is None:
        spec = registry.get(kind) or load_handlers().get(kind)
        if spec is None:
            raise ValueError(
                f"unknown job kind {kind!r}: register its handler and list its module in HANDLER_MODULES"
            )
        max_attempts = spec.max_attempts
    if run_after is not None and run_after.tzinfo is None:
        raise ValueError("run_after must be timezone-aware")
    now = utcnow()
    job = Job(
        org_id=org_id,
        kind=kind,
        payload=dict(payload or {}),
        status=JobStatus.queued.value,
        attempts=0,
        max_attempts=max_attempts,
        run_after=run_after or now,
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    await session.flush()
    session.info[_PENDING] = True
    return job


def add_listener(callback: Callable[[], None]) -> None:
    _listeners.add(callback)


def remove_listener(callback: Callable[[], None]) -> None:
    _listeners.discard(callback)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_PENDING, False):
        for callback in list(_listeners):
            with contextlib.suppress(Exception):  # waking is an optimisation; polling catches up
                callback()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
