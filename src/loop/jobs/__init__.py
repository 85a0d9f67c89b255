"""Background jobs recorded in the database: any server process or ``loop worker`` runs them.

Public API::

    from loop import jobs

    @jobs.handler("reports.build", max_attempts=3, timeout_s=600, on_failure=mark_failed)
    async def build(ctx: jobs.JobContext) -> None: ...

    await jobs.enqueue(session, org_id, "reports.build", {"report_id": rid})            # in your transaction
    await jobs.enqueue(session, org_id, "reports.expire", {...}, run_after=expires_at)  # later

See ``registry`` (kinds, retries, failure hooks), ``queue`` (enqueue) and ``runner`` (claiming, leases).
"""

from loop.jobs.models import Job, JobStatus
from loop.jobs.queue import enqueue
from loop.jobs.registry import (
    HANDLER_MODULES,
    JobContext,
    JobInfo,
    JobKind,
    PermanentJobError,
    Registry,
    handler,
    load_handlers,
    registry,
)
from loop.jobs.runner import JobRunner

__all__ = [
    "HANDLER_MODULES",
    "Job",
    "JobContext",
    "JobInfo",
    "JobKind",
    "JobRunner",
    "JobStatus",
    "PermanentJobError",
    "Registry",
    "enqueue",
    "handler",
    "load_handlers",
    "registry",
]
