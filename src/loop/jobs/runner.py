"""The runner: claims due jobs and runs them, in the server process or in ``loop worker``.

Each claimed job carries a lease that the runner renews while the handler runs. A process that dies stops
renewing; once the lease runs out, any runner takes the job over (it counts as another try). A job that
fails is tried again after an exponential backoff until its kind's ``max_attempts``; then it is marked
failed, with the error, and the kind's ``on_failure`` hook runs in the same transaction. On a clean stop,
jobs still running are given back to the queue at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import time
from datetime import timedelta

import structlog

from loop.config import Settings
from loop.core.clock import utcnow
from loop.db.session import Database
from loop.jobs import queue, store
from loop.jobs.registry import JobContext, JobInfo, JobKind, PermanentJobError, Registry, registry

log = structlog.get_logger("loop.jobs")

# How often the runner looks for abandoned jobs, and how often it purges old ones.
MAINTENANCE_INTERVAL_S = 30.0
PURGE_INTERVAL_S = 600.0


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class _Lease:
    __slots__ = ("lost",)

    def __init__(self) -> None:
        self.lost = False


def describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class JobRunner:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        registry: Registry = registry,
        worker_id: str | None = None,
        concurrency: int | None = None,
        poll_interval_s: float | None = None,
        lease_s: float | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.registry = registry
        self.worker_id = worker_id or default_worker_id()
        self.concurrency = concurrency or settings.jobs_concurrency
        self.poll_interval_s = poll_interval_s or settings.jobs_poll_interval_s
        self.lease_s = lease_s or settings.jobs_lease_s
        self._wake_event = asyncio.Event()
        self._stopping = False
        self._loop_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_maintenance = float("-inf")
        self._last_purge = float("-inf")
        self._event_loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        if self._loop_task is not None:
            return
        self._stopping = False
        self._event_loop = asyncio.get_running_loop()
        queue.add_listener(self.wake)
        self._loop_task = asyncio.create_task(self._run(), name=f"loop-jobs:{self.worker_id}")
        log.info("job_runner_started", worker_id=self.worker_id, kinds=self.registry.names())

    async def stop(self, grace_s: float = 10.0) -> None:
        """Stop claiming; let running jobs finish for ``grace_s``, then give the rest back to the queue."""
        queue.remove_listener(self.wake)
        self._stopping = True
        self._wake_event.set()
        if self._loop_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace_s)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    @property
    def running(self) -> int:
        return len(self._tasks)

    def wake(self) -> None:
        """Look for work now (called when a transaction that enqueued a job commits)."""
        loop = self._event_loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake_event.set()
        else:
            loop.call_soon_threadsafe(self._wake_event.set)

    # -- one step at a time (tests, tools) ----------------------------------------------------------
    async def run_once(self) -> JobInfo | None:
        """Look after abandoned jobs, then claim one due job and run it to its outcome here; None when
        nothing is due."""
        await self.maintain()
        return await self._run_one()

    async def drain(self, limit: int = 1000) -> int:
        """Run due jobs one after another until none is due (or ``limit`` ran)."""
        await self.maintain()
        count = 0
        while count < limit and await self._run_one(look_first=count == 0) is not None:
            count += 1
        return count

    async def _run_one(self, *, look_first: bool = True) -> JobInfo | None:
        job = await self.claim(look_first=look_first)
        if job is not None:
            await self.execute(job)
        return job

    # -- the loop ---------------------------------------------------------------------------------
    async def _run(self) -> None:
        woken = False
        while not self._stopping:
            self._wake_event.clear()
            try:
                if time.monotonic() - self._last_maintenance >= MAINTENANCE_INTERVAL_S:
                    await self.maintain()
                # Idle polls look before they claim; a wake-up (a commit that queued work, a finished job)
                # claims at once.
                look_first = not woken
                while not self._stopping and len(self._tasks) < self.concurrency:
                    claimed = await self.claim_many(
                        self.concurrency - len(self._tasks), look_first=look_first
                    )
                    if not claimed:
                        break
                    look_first = False
                    for job in claimed:
                        task = asyncio.create_task(self.execute(job), name=f"loop-job:{job.kind}:{job.id}")
                        self._tasks.add(task)
                        task.add_done_callback(self._finished)
            except Exception as exc:  # the database is unreachable: keep the runner alive and retry
                log.warning("job_runner_error", error=describe(exc), worker_id=self.worker_id)
            if self._stopping:
                break
            try:
                await asyncio.wait_for(self._wake_event.wait(), self.poll_interval_s)
                woken = True
            except TimeoutError:
                woken = False

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._wake_event.set()  # a slot is free

    # -- steps ------------------------------------------------------------------------------------
    async def claim(self, *, look_first: bool = True) -> JobInfo | None:
        claimed = await self.claim_many(1, look_first=look_first)
        return claimed[0] if claimed else None

    async def claim_many(self, limit: int, *, look_first: bool = True) -> list[JobInfo]:
        kinds = self.registry.names()
        if look_first:
            # A cheap read first: on SQLite the claim takes the write lock, which idle polling must not do.
            async with self.database.read() as session:
                if not await store.has_due(session, kinds, utcnow()):
                    return []
        async with self.database.write() as session:
            return await store.claim_many(session, kinds, self.worker_id, utcnow(), self.lease_s, limit=limit)

    async def maintain(self) -> None:
        """Fail jobs whose worker died on their last try, and purge old finished jobs."""
        self._last_maintenance = time.monotonic()
        now = utcnow()
        kinds = self.registry.names()
        async with self.database.read() as session:
            abandoned = await store.abandoned(session, kinds, now)
        for job in abandoned:
            error = (
                f"The worker running this job stopped before it finished (try {job.attempts} of "
                f"{job.max_attempts}); last worker: {job.locked_by}"
            )
            async with self.database.write() as session:
                if await store.fail_abandoned(session, job.id, now, error):
                    await self._on_failure(session, job, error)
                    log.warning("job_abandoned", job_id=job.id, kind=job.kind, attempts=job.attempts)
        if time.monotonic() - self._last_purge >= PURGE_INTERVAL_S:
            await self.purge()

    async def purge(self) -> int:
        """Delete finished and failed jobs older than ``LOOP_JOBS_RETENTION_S``."""
        self._last_purge = time.monotonic()
        async with self.database.write() as session:
            return await store.purge(session, utcnow() - timedelta(seconds=self.settings.jobs_retention_s))

    async def execute(self, job: JobInfo) -> None:
        kind = self.registry.get(job.kind)
        assert kind is not None, job.kind
        context = JobContext(
            job=job, database=self.database, settings=self.settings, worker_id=self.worker_id
        )
        started = time.monotonic()
        lease = _Lease()
        current = asyncio.current_task()
        heartbeat = asyncio.create_task(self._heartbeat(job, current, lease))
        try:
            async with asyncio.timeout(kind.timeout_s):
                await kind.run(context)
        except asyncio.CancelledError:
            heartbeat.cancel()
            if lease.lost and current is not None:
                current.uncancel()  # our own doing: the job is someone else's now, this runner carries on
                return
            await self._release(job)
            raise
        except PermanentJobError as exc:
            heartbeat.cancel()
            await self._give_up(kind, job, str(exc) or type(exc).__name__)
        except TimeoutError:
            heartbeat.cancel()
            await self._failed_try(kind, job, f"Timed out after {kind.timeout_s:g} s")
        except Exception as exc:
            heartbeat.cancel()
            log.warning(
                "job_try_failed", job_id=job.id, kind=job.kind, attempt=job.attempts, error=describe(exc)
            )
            await self._failed_try(kind, job, describe(exc))
        else:
            heartbeat.cancel()
            async with self.database.write() as session:
                done = await store.complete(session, job.id, self.worker_id, utcnow())
            log.info(
                "job_done",
                job_id=job.id,
                kind=job.kind,
                attempt=job.attempts,
                duration_ms=round((time.monotonic() - started) * 1000, 1),
                lease_kept=done,
            )
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _heartbeat(self, job: JobInfo, owner: asyncio.Task[object] | None, lease: _Lease) -> None:
        interval = max(self.lease_s / 3, 0.05)
        while True:
            await asyncio.sleep(interval)
            try:
                async with self.database.write() as session:
                    kept = await store.extend(
                        session, job.id, self.worker_id, utcnow() + timedelta(seconds=self.lease_s)
                    )
            except Exception as exc:  # keep trying; the lease is long enough to ride out a blip
                log.warning("job_heartbeat_failed", job_id=job.id, error=describe(exc))
                continue
            if not kept:
                # Another runner took the job over (this one stalled past its lease): stop working on it.
                log.warning("job_lease_lost", job_id=job.id, kind=job.kind, worker_id=self.worker_id)
                lease.lost = True
                if owner is not None:
                    owner.cancel()
                return

    async def _failed_try(self, kind: JobKind, job: JobInfo, error: str) -> None:
        if job.attempts >= job.max_attempts:
            await self._give_up(kind, job, error)
            return
        now = utcnow()
        run_after = now + timedelta(seconds=kind.backoff(job.attempts))
        async with self.database.write() as session:
            await store.reschedule(session, job.id, self.worker_id, now, run_after, error)

    async def _give_up(self, kind: JobKind, job: JobInfo, error: str) -> None:
        async with self.database.write() as session:
            if await store.fail(session, job.id, self.worker_id, utcnow(), error):
                await self._on_failure(session, job, error)
        log.warning("job_failed", job_id=job.id, kind=job.kind, attempts=job.attempts, error=error)

    async def _on_failure(self, session: object, job: JobInfo, error: str) -> None:
        kind = self.registry.get(job.kind)
        if kind is not None and kind.on_failure is not None:
            await kind.on_failure(session, job, error)  # type: ignore[arg-type]

    async def _release(self, job: JobInfo) -> None:
        try:
            async with self.database.write() as session:
                await store.release(session, job.id, self.worker_id, utcnow())
        except Exception as exc:  # the lease runs out and another runner takes it over
            log.warning("job_release_failed", job_id=job.id, error=describe(exc))


async def run_worker(database: Database, settings: Settings, stop: asyncio.Event) -> None:
    """``loop worker``: run jobs until ``stop`` is set."""
    runner = JobRunner(database, settings)
    runner.start()
    try:
        await stop.wait()
    finally:
        await runner.stop()
