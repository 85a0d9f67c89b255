"""``loop worker`` in a process of its own builds an export the API recorded, and stops cleanly."""

import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest

from loop.config import Settings
from loop.db.session import Database
from loop.inbox import exports
from loop.inbox.models import ReportExport
from loop.orgs import service as orgs
from tests.conftest import TEST_SECRET, fresh_database


async def _request_export(url):
    database = Database(Settings(database_url=url, secret_key=TEST_SECRET))
    try:
        async with database.write() as session:
            org = await orgs.create_organisation(session, "Acme")
            export = await exports.create_export(
                session, org.id, None, start=0, end=10**9, timezone="UTC", result_format="Xlsx", filters={}
            )
            return export.id
    finally:
        await database.dispose()


async def _status(url, export_id):
    database = Database(Settings(database_url=url, secret_key=TEST_SECRET))
    try:
        async with database.read() as session:
            export = await session.get(ReportExport, export_id)
            return export.status, export.file_name
    finally:
        await database.dispose()


@pytest.mark.slow
def test_loop_worker_runs_export_jobs(tmp_path):
    data_dir = tmp_path / "data"
    with fresh_database(tmp_path) as url:
        export_id = asyncio.run(_request_export(url))
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOOP_")}
        env.update(LOOP_SECRET_KEY=TEST_SECRET, LOOP_LOG_FORMAT="json", LOOP_JOBS_POLL_INTERVAL_S="0.2")
        proc = subprocess.Popen(
            [sys.executable, "-m", "loop", "worker", "--data-dir", str(data_dir), "--database-url", url],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            status = None
            while time.monotonic() < deadline:
                status, file_name = asyncio.run(_status(url, export_id))
                if status != "Processing" or proc.poll() is not None:
                    break
                time.sleep(0.2)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                out, _ = proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate()
    assert status == "Completed", out
    assert (data_dir / "exports" / file_name).stat().st_size > 0
    assert proc.returncode == 0, out
    assert "running jobs: inbox.report_export" in out and "worker stopped" in out
