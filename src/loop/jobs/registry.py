"""Job kinds: what runs a job of each kind, how often it may be tried, and what happens when it fails for good.

A module registers its handlers at import time::

    from loop import jobs

    async def mark_failed(session, job, error):  # same transaction that marks the job failed
        ...

    @jobs.handler("inbox.send_draft", max_attempts=5, backoff_s=30, on_failure=mark_failed)
    async def send_draft(ctx: jobs.JobContext) -> None:
        ...

and lists itself in ``HANDLER_MODULES`` so that every process that runs jobs (the server, ``loop worker``)
imports it. Delivery is at least once: a handler that crashed half-way runs again, so handlers check the
state they are about to change and are safe to repeat.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from loop.config import Settings
    from loop.db.session import Database

# Modules whose import registers job handlers.
HANDLER_MODULES: tuple[str, ...] = ("loop.inbox.tasks",)


class PermanentJobError(Exception):
    """Raised by a handler when trying again cannot help: the job fails at once."""


@dataclass(frozen=True, slots=True)
class JobInfo:
    """A snapshot of the job as it was claimed."""

    id: str
    org_id: str | None
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    created_at: datetime
    locked_by: str | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class JobContext:
    job: JobInfo
    database: Database
    settings: Settings
    worker_id: str

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload

    @property
    def org_id(self) -> str | None:
        return self.job.org_id

    @property
    def is_last_attempt(self) -> bool:
        return self.job.attempts >= self.job.max_attempts


Handler = Callable[[JobContext], Awaitable[None]]
FailureHook = Callable[["AsyncSession", JobInfo, str], Awaitable[None]]


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Handler
    max_attempts: int = 5
    timeout_s: float = 300.0
    backoff_s: float = 5.0
    max_backoff_s: float = 900.0
    on_failure: FailureHook | None = None

    def backoff(self, attempts: int) -> float:
        """Seconds to wait before the next try after ``attempts`` failed tries (exponential, capped)."""
        return float(min(self.max_backoff_s, self.backoff_s * (2 ** max(0, attempts - 1))))


@dataclass
class Registry:
    kinds: dict[str, JobKind] = field(default_factory=dict)

    def register(self, kind: JobKind) -> JobKind:
        existing = self.kinds.get(kind.name)
        if existing is not None and existing.run is not kind.run:
            raise ValueError(f"job kind {kind.name!r} is already registered")
        self.kinds[kind.name] = kind
        return kind

    def handler(
        self,
        name: str,
        *,
        max_attempts: int = 5,
        timeout_s: float = 300.0,
        backoff_s: float = 5.0,
        max_backoff_s: float = 900.0,
        on_failure: FailureHook | None = None,
    ) -> Callable[[Handler], Handler]:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

        def decorate(fn: Handler) -> Handler:
            self.register(
                JobKind(name, fn, max_attempts, timeout_s, backoff_s, max_backoff_s, on_failure=on_failure)
            )
            return fn

        return decorate

    def get(self, name: str) -> JobKind | None:
        return self.kinds.get(name)

    def names(self) -> list[str]:
        return sorted(self.kinds)


registry = Registry()
handler = registry.handler


def load_handlers() -> Registry:
    for name in HANDLER_MODULES:
        importlib.import_module(name)
    return registry
