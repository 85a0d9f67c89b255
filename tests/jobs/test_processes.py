"""Job runners in real, separate processes: no job runs twice, and a killed process's job is taken over."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from loop.config import Settings
from loop.db.session import Database
from loop.jobs import Job, enqueue
from tests.conftest import TEST_SECRET, fresh_database
from tests.jobs.worker_process import KIND

ROOT = Path(__file__).resolve().parents[2]


def _spawn(url, marks):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOOP_")}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.jobs.worker_process", url, str(marks)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def _enqueue(url, n):
    database = Database(Settings(database_url=url, secret_key=TEST_SECRET))
    try:
        async with database.write() as session:
            return [(await enqueue(session, None, KIND, {"i": i}, max_attempts=3)).id for i in range(n)]
    finally:
        await database.dispose()


async def _statuses(url):
    database = Database(Settings(database_url=url, secret_key=TEST_SECRET))
    try:
        async with database.read() as session:
            rows = await session.execute(select(Job.status, func.count()).group_by(Job.status))
            return {status: count for status, count in rows.all()}
    finally:
        await database.dispose()


@pytest.mark.slow
def test_a_killed_workers_job_is_finished_by_another_process(tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()
    with fresh_database(tmp_path) as url:
        job_ids = asyncio.run(_enqueue(url, 16))
        victim, survivor = _spawn(url, marks), _spawn(url, marks)
        try:
            _wait(lambda: len(list(marks.glob("ready.*"))) == 2, 60, "both workers")
            # kill the victim in the middle of a job: no clean shutdown, its lease simply runs out
            _wait(lambda: list(marks.glob(f"*.{victim.pid}.start")), 30, "the victim to start a job")
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)
            _wait(lambda: asyncio.run(_statuses(url)).get("done") == len(job_ids), 90, "every job done")
        finally:
            for proc in (victim, survivor):
                if proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(15)
                    except subprocess.TimeoutExpired:
                        proc.kill()
    done = {}
    for mark in marks.glob("*.done"):
        job_id, pid, _ = mark.name.rsplit(".", 2)
        done.setdefault(job_id, []).append(int(pid))
    assert sorted(done) == sorted(job_ids)
    assert all(len(pids) == 1 for pids in done.values()), "a job finished twice"
    interrupted = {m.name.rsplit(".", 2)[0] for m in marks.glob(f"*.{victim.pid}.start")} - {
        job_id for job_id, pids in done.items() if victim.pid in pids
    }
    assert interrupted, "the victim was killed mid-job"
    assert all(done[job_id] == [survivor.pid] for job_id in interrupted)
