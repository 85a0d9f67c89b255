"""Alembic environment: always handed a live connection by ``loop.db.migrate``."""

from __future__ import annotations

from alembic import context

import loop.db.models  # noqa: F401  (registers every table on Base.metadata)
from loop.db.base import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `loop db upgrade` (loop.db.migrate), not the alembic command")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
