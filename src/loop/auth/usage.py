"""``last_used_at`` without a write on every request.

Authentication notes the use in memory; a background task writes the newest time per credential every few
seconds, and only when the stored value is older than the resolution (default one minute). So a busy token
costs one small UPDATE a minute per server process, and the listing is never more than a minute stale.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

import structlog
from sqlalchemy import or_, update

from loop.auth.models import Credential
from loop.db.session import Database

log = structlog.get_logger("loop.usage")


class UsageRecorder:
    def __init__(self, database: Database, resolution_s: int, flush_interval_s: float = 5.0) -> None:
        self.database = database
        self.resolution = timedelta(seconds=resolution_s)
        self.flush_interval_s = flush_interval_s
        self._pending: dict[str, datetime] = {}
        self._written: dict[str, datetime] = {}
        self._task: asyncio.Task[None] | None = None

    def note(self, credential_id: str, stored: datetime | None, now: datetime) -> None:
        last = max(filter(None, (stored, self._written.get(credential_id))), default=None)
        if last is not None and now - last < self.resolution:
            return
        self._pending[credential_id] = now

    async def flush(self) -> int:
        if not self._pending:
            return 0
        batch, self._pending = self._pending, {}
        try:
            async with self.database.write() as session:
                for credential_id, used_at in batch.items():
                    await session.execute(
                        update(Credential)
                        .where(Credential.id == credential_id)
                        .where(or_(Credential.last_used_at.is_(None), Credential.last_used_at < used_at))
                        .values(last_used_at=used_at)
                    )
        except Exception as exc:
            log.warning("last_used_flush_failed", error=str(exc), pending=len(batch))
            for credential_id, used_at in batch.items():  # try again next time
                self._pending.setdefault(credential_id, used_at)
            return 0
        self._written.update(batch)
        return len(batch)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval_s)
            await self.flush()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="loop-usage-recorder")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()
