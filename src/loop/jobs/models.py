"""The job queue's one table.

A job is queued (waiting for ``run_after``), running (claimed by ``locked_by`` until ``locked_until``), done
or failed. A running job whose lease has run out belongs to a worker that died: any worker takes it over.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from loop.core.clock import utcnow
from loop.db.base import Base, IdMixin
from loop.db.types import JSONType


class JobStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class Job(IdMixin, Base):
    __tablename__ = "jobs"
    __table_args__ = (
        # the claim: due queued jobs in run_after order, and running jobs whose lease has expired
        Index("ix_jobs_status_run_after", "status", "run_after"),
        Index("ix_jobs_status_locked_until", "status", "locked_until"),
    )

    # None for jobs that belong to no organisation (maintenance).
    org_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("organisations.id", ondelete="CASCADE"), index=True, nullable=True
    )
    kind: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.queued.value)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
