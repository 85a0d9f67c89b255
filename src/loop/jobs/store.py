"""The queue's statements. The claim is the one place where the two databases differ:

* PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` picks a due row no other transaction holds, then an
  ``UPDATE`` takes it. Concurrent claimers skip each other's rows instead of waiting on them.
* SQLite: one ``UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING …`` on the write engine, whose
  transactions start with ``BEGIN IMMEDIATE``: claimers, in this process or another, take turns.

Every later change to a claimed job is conditional on ``locked_by``, so a worker that lost its lease (it
stalled, and another worker took the job over) cannot overwrite the new owner's outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from loop.jobs.models import Job, JobStatus
from loop.jobs.registry import JobInfo

jobs = Job.__table__
_MAX_ERROR = 4000

QUEUED = JobStatus.queued.value
RUNNING = JobStatus.running.value
DONE = JobStatus.done.value
FAILED = JobStatus.failed.value


def _info(row: Any) -> JobInfo:
    return JobInfo(
        id=row.id,
        org_id=row.org_id,
        kind=row.kind,
        payload=dict(row.payload or {}),
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        created_at=row.created_at,
        locked_by=row.locked_by,
        last_error=row.last_error,
    )


def clip(error: str) -> str:
    return error if len(error) <= _MAX_ERROR else error[: _MAX_ERROR - 1] + "…"


def _due(kinds: Sequence[str], now: datetime) -> Any:
    return and_(
        jobs.c.kind.in_(list(kinds)),
        or_(
            and_(jobs.c.status == QUEUED, jobs.c.run_after <= now),
            # a dead worker's job, with tries left
            and_(
                jobs.c.status == RUNNING,
                jobs.c.locked_until < now,
                jobs.c.attempts < jobs.c.max_attempts,
            ),
        ),
    )


async def has_due(session: AsyncSession, kinds: Sequence[str], now: datetime) -> bool:
    if not kinds:
        return False
    stmt = select(jobs.c.id).where(_due(kinds, now)).limit(1)
    return (await session.execute(stmt)).first() is not None


async def claim(
    session: AsyncSession, kinds: Sequence[str], worker_id: str, now: datetime, lease_s: float
) -> JobInfo | None:
    claimed = await claim_many(session, kinds, worker_id, now, lease_s, limit=1)
    return claimed[0] if claimed else None


async def claim_many(
    session: AsyncSession, kinds: Sequence[str], worker_id: str, now: datetime, lease_s: float, *, limit: int
) -> list[JobInfo]:
    """Take up to ``limit`` due jobs, oldest first, in one statement (two on PostgreSQL)."""
    if not kinds or limit < 1:
        return []
    values = {
        "status": RUNNING,
        "attempts": jobs.c.attempts + 1,
        "locked_by": worker_id,
        "locked_until": now + timedelta(seconds=lease_s),
        "updated_at": now,
    }
    pick = select(jobs.c.id).where(_due(kinds, now)).order_by(jobs.c.run_after, jobs.c.id).limit(limit)
    if session.bind.dialect.name == "postgresql":
        ids = list((await session.execute(pick.with_for_update(skip_locked=True))).scalars())
        if not ids:
            return []
        stmt = update(jobs).where(jobs.c.id.in_(ids)).values(values).returning(*jobs.c)
    else:
        stmt = update(jobs).where(jobs.c.id.in_(pick.scalar_subquery())).values(values).returning(*jobs.c)
    claimed = [_info(row) for row in (await session.execute(stmt)).all()]
    claimed.sort(key=lambda job: job.id)
    return claimed


def _owned(job_id: str, worker_id: str) -> Any:
    return and_(jobs.c.id == job_id, jobs.c.status == RUNNING, jobs.c.locked_by == worker_id)


async def _rowcount(session: AsyncSession, stmt: Any) -> int:
    result = await session.execute(stmt)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def extend(session: AsyncSession, job_id: str, worker_id: str, until: datetime) -> bool:
    """Renew the lease; False when the job is no longer ours."""
    stmt = update(jobs).where(_owned(job_id, worker_id)).values(locked_until=until)
    return await _rowcount(session, stmt) == 1


async def complete(session: AsyncSession, job_id: str, worker_id: str, now: datetime) -> bool:
    stmt = (
        update(jobs)
        .where(_owned(job_id, worker_id))
        .values(status=DONE, locked_by=None, locked_until=None, finished_at=now, updated_at=now)
    )
    return await _rowcount(session, stmt) == 1


async def reschedule(
    session: AsyncSession, job_id: str, worker_id: str, now: datetime, run_after: datetime, error: str
) -> bool:
    stmt = (
        update(jobs)
        .where(_owned(job_id, worker_id))
        .values(
            status=QUEUED,
            run_after=run_after,
            locked_by=None,
            locked_until=None,
            last_error=clip(error),
            updated_at=now,
        )
    )
    return await _rowcount(session, stmt) == 1


async def fail(session: AsyncSession, job_id: str, worker_id: str, now: datetime, error: str) -> bool:
    stmt = (
        update(jobs)
        .where(_owned(job_id, worker_id))
        .values(
            status=FAILED,
            locked_by=None,
            locked_until=None,
            last_error=clip(error),
            finished_at=now,
            updated_at=now,
        )
    )
    return await _rowcount(session, stmt) == 1


async def release(session: AsyncSession, job_id: str, worker_id: str, now: datetime) -> bool:
    """Give a job back untried (the worker is shutting down): due at once, the attempt not counted."""
    stmt = (
        update(jobs)
        .where(_owned(job_id, worker_id))
        .values(
            status=QUEUED,
            attempts=jobs.c.attempts - 1,
            run_after=now,
            locked_by=None,
            locked_until=None,
            updated_at=now,
        )
    )
    return await _rowcount(session, stmt) == 1


async def abandoned(
    session: AsyncSession, kinds: Sequence[str], now: datetime, limit: int = 20
) -> list[JobInfo]:
    """Running jobs whose worker died on their last try: nobody will run them again."""
    if not kinds:
        return []
    stmt = (
        select(*jobs.c)
        .where(
            jobs.c.kind.in_(list(kinds)),
            jobs.c.status == RUNNING,
            jobs.c.locked_until < now,
            jobs.c.attempts >= jobs.c.max_attempts,
        )
        .order_by(jobs.c.locked_until)
        .limit(limit)
    )
    return [_info(row) for row in (await session.execute(stmt)).all()]


async def fail_abandoned(session: AsyncSession, job_id: str, now: datetime, error: str) -> bool:
    """Mark one abandoned job failed; only one of several concurrent reapers wins."""
    stmt = (
        update(jobs)
        .where(
            jobs.c.id == job_id,
            jobs.c.status == RUNNING,
            jobs.c.locked_until < now,
            jobs.c.attempts >= jobs.c.max_attempts,
        )
        .values(
            status=FAILED,
            locked_by=None,
            locked_until=None,
            last_error=clip(error),
            finished_at=now,
            updated_at=now,
        )
    )
    return await _rowcount(session, stmt) == 1


async def purge(session: AsyncSession, finished_before: datetime) -> int:
    stmt = delete(jobs).where(jobs.c.status.in_([DONE, FAILED]), jobs.c.finished_at < finished_before)
    return await _rowcount(session, stmt)
