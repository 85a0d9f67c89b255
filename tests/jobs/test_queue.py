"""The job queue: enqueue in the caller's transaction, claims, retries, leases, failure hooks."""

import asyncio
import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from loop.core.clock import utcnow
from loop.db.session import Database
from loop.jobs import Job, JobRunner, PermanentJobError, Registry, enqueue, store

KIND = "test.work"


class Recorder:
    def __init__(self):
        self.calls = []
        self.failures = []
        self.behaviour = None  # async callable(ctx) or None

    async def run(self, ctx):
        self.calls.append((ctx.job.id, ctx.worker_id, ctx.job.attempts))
        if self.behaviour is not None:
            await self.behaviour(ctx)

    async def on_failure(self, session, job, error):
        # runs in the transaction that marks the job failed: its writes commit with it
        self.failures.append((job.id, error))
        session.info["failure_hook_ran"] = True


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def registry(recorder):
    reg = Registry()
    reg.handler(KIND, max_attempts=3, backoff_s=0, timeout_s=5, on_failure=recorder.on_failure)(recorder.run)
    return reg


@pytest.fixture
def runner(app, registry):
    return JobRunner(
        app.state.database, app.state.settings, registry=registry, worker_id="runner-a", lease_s=30
    )


async def _enqueue(app, org_id=None, n=1, **kwargs):
    ids = []
    async with app.state.database.write() as session:
        for i in range(n):
            job = await enqueue(session, org_id, KIND, {"n": i}, max_attempts=kwargs.get("max_attempts", 3))
            ids.append(job.id)
    return ids


async def _claim_and_die(app, worker="dead-worker"):
    """Another process claimed a job and died: its lease ran out a minute ago."""
    async with app.state.database.write() as session:
        claimed = await store.claim(session, [KIND], worker, utcnow(), 60)
        await session.execute(
            Job.__table__.update()
            .where(Job.id == claimed.id)
            .values(locked_until=utcnow() - timedelta(minutes=1))
        )
    return claimed


async def _job(app, job_id):
    async with app.state.database.read() as session:
        job = await session.get(Job, job_id)
        if job is not None:
            session.expunge(job)  # keep its loaded state after the read transaction ends
        return job


async def test_a_job_exists_only_if_the_transaction_commits(app, factory):
    org = await factory.org()
    with pytest.raises(RuntimeError):
        async with app.state.database.write() as session:
            await enqueue(session, org.id, KIND, {"x": 1}, max_attempts=3)
            raise RuntimeError("the business write failed")
    async with app.state.database.read() as session:
        assert (await session.execute(select(func.count()).select_from(Job))).scalar_one() == 0
    (job_id,) = await _enqueue(app, org.id)
    job = await _job(app, job_id)
    assert job.status == "queued" and job.attempts == 0 and job.org_id == org.id and job.payload == {"n": 0}


async def test_enqueue_refuses_an_unknown_kind(app):
    async with app.state.database.write() as session:
        with pytest.raises(ValueError, match="unknown job kind"):
            await enqueue(session, None, "nobody.handles.this", {})


async def test_run_once_runs_a_due_job_to_done(app, runner, recorder):
    (job_id,) = await _enqueue(app)
    ran = await runner.run_once()
    assert ran is not None and ran.id == job_id
    assert recorder.calls == [(job_id, "runner-a", 1)]
    job = await _job(app, job_id)
    assert job.status == "done" and job.locked_by is None and job.finished_at is not None
    assert await runner.run_once() is None


async def test_a_job_waits_for_run_after(app, runner, recorder):
    async with app.state.database.write() as session:
        await enqueue(session, None, KIND, {}, run_after=utcnow() + timedelta(hours=1), max_attempts=3)
    assert await runner.run_once() is None and recorder.calls == []


async def test_failures_retry_then_fail_with_the_error(app, runner, recorder):
    async def boom(ctx):
        raise RuntimeError(f"broken on try {ctx.job.attempts}")

    recorder.behaviour = boom
    (job_id,) = await _enqueue(app)
    await runner.run_once()
    job = await _job(app, job_id)
    assert job.status == "queued" and job.attempts == 1 and job.last_error == "RuntimeError: broken on try 1"
    assert await runner.drain() == 2
    job = await _job(app, job_id)
    assert job.status == "failed" and job.attempts == 3
    assert job.last_error == "RuntimeError: broken on try 3"
    assert recorder.failures == [(job_id, "RuntimeError: broken on try 3")]
    assert [c[2] for c in recorder.calls] == [1, 2, 3]


async def test_retries_back_off(app, registry, recorder):
    registry.kinds[KIND] = dataclasses.replace(registry.kinds[KIND], backoff_s=30)

    async def boom(ctx):
        raise RuntimeError("down")

    recorder.behaviour = boom
    runner = JobRunner(app.state.database, app.state.settings, registry=registry)
    (job_id,) = await _enqueue(app)
    before = utcnow()
    await runner.run_once()
    job = await _job(app, job_id)
    assert job.status == "queued"
    assert before + timedelta(seconds=29) <= job.run_after <= utcnow() + timedelta(seconds=31)
    assert await runner.run_once() is None  # not due yet
    assert registry.kinds[KIND].backoff(3) == 120 and registry.kinds[KIND].backoff(30) == 900


async def test_a_permanent_error_fails_at_once(app, runner, recorder):
    async def refuse(ctx):
        raise PermanentJobError("the recipient does not exist")

    recorder.behaviour = refuse
    (job_id,) = await _enqueue(app)
    await runner.run_once()
    job = await _job(app, job_id)
    assert job.status == "failed" and job.attempts == 1 and job.last_error == "the recipient does not exist"
    assert recorder.failures == [(job_id, "the recipient does not exist")]


async def test_a_handler_that_runs_too_long_is_a_failed_try(app, registry, recorder):
    registry.kinds[KIND] = dataclasses.replace(registry.kinds[KIND], timeout_s=0.05)

    async def hang(ctx):
        await asyncio.sleep(10)

    recorder.behaviour = hang
    runner = JobRunner(app.state.database, app.state.settings, registry=registry)
    (job_id,) = await _enqueue(app)
    await runner.run_once()
    job = await _job(app, job_id)
    assert job.status == "queued" and job.last_error == "Timed out after 0.05 s"


async def test_a_dead_workers_job_is_taken_over_when_its_lease_expires(app, runner, recorder):
    (job_id,) = await _enqueue(app)
    claimed = await _claim_and_die(app)
    assert claimed.id == job_id and claimed.attempts == 1
    ran = await runner.run_once()
    assert ran is not None and ran.id == job_id and ran.attempts == 2
    job = await _job(app, job_id)
    assert job.status == "done" and recorder.calls == [(job_id, "runner-a", 2)]


async def test_a_live_lease_is_respected(app, runner, recorder):
    await _enqueue(app)
    async with app.state.database.write() as session:
        assert await store.claim(session, [KIND], "busy-worker", utcnow(), 60) is not None
    assert await runner.run_once() is None and recorder.calls == []


async def test_a_job_whose_worker_died_on_its_last_try_is_failed(app, runner, recorder):
    (job_id,) = await _enqueue(app, max_attempts=1)
    await _claim_and_die(app)
    assert await runner.run_once() is None  # not run again: it has no tries left
    job = await _job(app, job_id)
    assert job.status == "failed" and "stopped before it finished" in job.last_error
    assert "dead-worker" in job.last_error
    assert recorder.failures and recorder.failures[0][0] == job_id and recorder.calls == []


async def test_two_runners_never_run_the_same_job(app, registry, recorder, settings):
    async def work(ctx):
        await asyncio.sleep(0.005)

    recorder.behaviour = work
    job_ids = await _enqueue(app, n=60)
    # a second Database: separate engines and connections, as another process would have
    other = Database(settings)
    try:
        runners = [
            JobRunner(app.state.database, settings, registry=registry, worker_id="a", concurrency=4),
            JobRunner(other, settings, registry=registry, worker_id="b", concurrency=4),
        ]
        for r in runners:
            r.start()
        try:
            for _ in range(600):
                async with app.state.database.read() as session:
                    done = (
                        await session.execute(
                            select(func.count()).select_from(Job).where(Job.status == "done")
                        )
                    ).scalar_one()
                if done == len(job_ids):
                    break
                await asyncio.sleep(0.05)
        finally:
            for r in runners:
                await r.stop()
    finally:
        await other.dispose()
    ran = [call[0] for call in recorder.calls]
    assert sorted(ran) == sorted(job_ids), "every job ran exactly once"
    assert {call[2] for call in recorder.calls} == {1}


async def test_concurrent_claims_take_distinct_jobs(app, settings):
    job_ids = await _enqueue(app, n=20)
    other = Database(settings)
    try:

        async def take(database, worker):
            async with database.write() as session:
                return await store.claim(session, [KIND], worker, utcnow(), 60)

        claims = await asyncio.gather(
            *(take(app.state.database if i % 2 else other, f"w{i}") for i in range(30))
        )
    finally:
        await other.dispose()
    taken = [c.id for c in claims if c is not None]
    assert sorted(taken) == sorted(job_ids)


async def test_commit_wakes_a_runner_at_once(app, registry, recorder):
    runner = JobRunner(app.state.database, app.state.settings, registry=registry, poll_interval_s=120)
    runner.start()
    try:
        await asyncio.sleep(0.3)  # the runner has looked once and is now waiting
        (job_id,) = await _enqueue(app)
        for _ in range(200):
            if recorder.calls:
                break
            await asyncio.sleep(0.02)
    finally:
        await runner.stop()
    assert recorder.calls and recorder.calls[0][0] == job_id


async def test_stopping_gives_running_jobs_back(app, registry, recorder):
    started = asyncio.Event()

    async def block(ctx):
        started.set()
        await asyncio.sleep(30)

    recorder.behaviour = block
    runner = JobRunner(app.state.database, app.state.settings, registry=registry)
    runner.start()
    (job_id,) = await _enqueue(app)
    await asyncio.wait_for(started.wait(), 10)
    await runner.stop(grace_s=0.05)
    job = await _job(app, job_id)
    assert job.status == "queued" and job.attempts == 0 and job.locked_by is None


async def test_a_long_job_keeps_its_lease(app, registry, recorder, settings):
    async def slow(ctx):
        await asyncio.sleep(2.0)

    recorder.behaviour = slow
    (job_id,) = await _enqueue(app)
    a = JobRunner(app.state.database, settings, registry=registry, worker_id="a", lease_s=0.6)
    b = JobRunner(
        app.state.database, settings, registry=registry, worker_id="b", lease_s=0.6, poll_interval_s=0.1
    )
    first = asyncio.create_task(a.run_once())
    await asyncio.sleep(0.2)
    b.start()
    try:
        await first
    finally:
        await b.stop()
    assert [c[1] for c in recorder.calls] == ["a"]
    assert (await _job(app, job_id)).status == "done"


async def test_a_runner_that_lost_its_lease_stops_and_keeps_going(app, registry, recorder):
    async def slow(ctx):
        # meanwhile, another worker takes the job over
        async with app.state.database.write() as session:
            await session.execute(Job.__table__.update().values(locked_by="usurper"))
        await asyncio.sleep(5)

    recorder.behaviour = slow
    (job_id,) = await _enqueue(app)
    runner = JobRunner(app.state.database, app.state.settings, registry=registry, lease_s=0.3)
    ran = await asyncio.wait_for(runner.run_once(), 5)
    assert ran.id == job_id
    job = await _job(app, job_id)
    assert job.status == "running" and job.locked_by == "usurper"  # untouched: it is the usurper's now


async def test_finished_jobs_are_purged_after_the_retention(app, runner, settings):
    (job_id,) = await _enqueue(app)
    await runner.run_once()
    async with app.state.database.write() as session:
        await session.execute(
            Job.__table__.update().values(
                finished_at=utcnow() - timedelta(seconds=settings.jobs_retention_s + 5)
            )
        )
    assert await runner.purge() == 1
    assert await _job(app, job_id) is None
