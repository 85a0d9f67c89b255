"""Engines for the two supported stores.

SQLite (the embedded default): WAL, a busy timeout, foreign keys, and transactions opened by SQLAlchemy
rather than by the driver, so that writers take the lock up front with ``BEGIN IMMEDIATE`` (a deferred
transaction that later writes can fail with "database is locked" instead of waiting). Readers use a second
engine on the same file with plain ``BEGIN``; WAL lets them run beside the writer.

PostgreSQL: one pooled engine for reads and writes. A pooled connection is tested before use only when it has
sat idle in the pool (see ``_ping_when_idle``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from loop.config import Settings


@dataclass
class Engines:
    write: AsyncEngine
    read: AsyncEngine
    dialect: str

    async def dispose(self) -> None:
        await self.write.dispose()
        if self.read.sync_engine.pool is not self.write.sync_engine.pool:
            await self.read.dispose()


def _sqlite_engine(url: str, *, begin: str | None, busy_timeout_ms: int, pool_size: int) -> AsyncEngine:
    """``begin=None`` makes a read-only engine whose statements run in autocommit: no BEGIN/ROLLBACK round
    trips (each one is a hop to the driver's thread), and ``query_only`` turns any write into an error."""
    read_only = begin is None
    engine = create_async_engine(
        url,
        poolclass=AsyncAdaptedQueuePool,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=busy_timeout_ms / 1000,
        pool_reset_on_return=None if read_only else "rollback",
        connect_args={"timeout": busy_timeout_ms / 1000},
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Take transaction control away from the driver; the "begin" hook below issues BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if read_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    if read_only:
        # Nothing to roll back in autocommit; skip the driver round trip SQLAlchemy would make.
        engine.sync_engine.dialect.do_rollback = lambda _dbapi_connection: None  # type: ignore[method-assign]
        return engine

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql(begin)

    return engine


def _ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Test a pooled connection before use when it has been idle in the pool for ``idle_seconds`` or more.

    A connection that went back to the pool moments ago is almost surely still open, and testing it on every
    checkout (SQLAlchemy's ``pool_pre_ping``) costs a round trip on every request: about a sixth of a claim's server
    time. A connection that sat idle (through a database restart, a failover, a firewall's idle timeout) is
    tested, and a dead one is replaced before the request sees it (the pool retries the checkout with a new
    connection, and discards the older ones). A connection given back moments before a restart is used
    untested and fails its request; SQLAlchemy then discards every older connection of the pool too."""
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        record.info["loop_idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:  # type: ignore[no-untyped-def]
        since = record.info.get("loop_idle_since")  # absent on a connection opened for this checkout
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            # Like SQLAlchemy's own pre-ping: the pool retries with a new connection and discards every older
            # one, since a dead connection after a restart means they are all dead.
            raise InvalidatePoolError(f"a pooled connection failed its test: {exc}") from exc


def create_engines(settings: Settings) -> Engines:
    url = settings.effective_database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if not database or database == ":memory:":
            raise ValueError(
                "Loop needs a file for SQLite; in-memory databases deadlock with concurrent sessions"
            )
        from pathlib import Path

        Path(database).parent.mkdir(parents=True, exist_ok=True)
        # One writer connection: SQLite allows one writer at a time anyway, and queueing for the pool is
        # cheaper and fairer than SQLite's sleeping busy handler. Other processes still wait on busy_timeout.
        write = _sqlite_engine(
            url, begin="BEGIN IMMEDIATE", busy_timeout_ms=settings.sqlite_busy_timeout_ms, pool_size=1
        )
        read = _sqlite_engine(url, begin=None, busy_timeout_ms=settings.sqlite_busy_timeout_ms, pool_size=8)
        return Engines(write=write, read=read, dialect="sqlite")
    if parsed.get_backend_name() == "postgresql":
        engine = create_async_engine(
            url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=30,
            # psycopg prepares a statement on its fifth run; ``None`` never prepares (poolers without
            # prepared-statement support).
            connect_args={"prepare_threshold": 5 if settings.db_prepared_statements else None},
        )
        if settings.db_pre_ping:
            _ping_when_idle(engine, settings.db_pre_ping_idle_s)
        # Reads share the pool but run in autocommit: under READ COMMITTED each statement sees the same
        # data as in a transaction, without the BEGIN and ROLLBACK round trips.
        read = engine.execution_options(isolation_level="AUTOCOMMIT")
        return Engines(write=engine, read=read, dialect="postgresql")
    raise ValueError(f"unsupported database URL: {parsed.drivername} (use SQLite or PostgreSQL)")
