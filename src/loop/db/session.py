"""Sessions: one transaction per request (or per background job), owned here and never by services.

``WriteSession`` commits when the endpoint returns and rolls back when it raises; the commit happens before
the response is sent (dependency scope "function"), so a failed commit is an error response, never a 200
for lost work. ``ReadSession`` never writes. Services call ``flush()`` when they need ids, never ``commit()``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from loop.config import Settings
from loop.db.engine import Engines, create_engines


class Database:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engines: Engines = create_engines(settings)
        self.dialect = self.engines.dialect
        self.secret_key = settings.resolved_secret_key()
        # Services that hash or sign (tokens, download links) find the key on their session.
        info = {"secret_key": self.secret_key}
        self._write = async_sessionmaker(
            self.engines.write, expire_on_commit=False, autoflush=False, info=info
        )
        self._read = async_sessionmaker(self.engines.read, expire_on_commit=False, autoflush=False, info=info)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits on success, rolls back on any exception."""
        async with self._write() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            else:
                await session.commit()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read() as session:
            try:
                yield session
            finally:
                await session.rollback()

    @asynccontextmanager
    async def read_connection(self) -> AsyncIterator[AsyncConnection]:
        """A read-only connection without an ORM session, for the one-statement lookups every request makes
        (the credential): it costs less than a session."""
        async with self.engines.read.connect() as conn:
            yield conn

    async def dispose(self) -> None:
        await self.engines.dispose()


def get_database(request: Request) -> Database:
    return request.app.state.database


async def _write_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with get_database(request).write() as session:
        yield session


async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with get_database(request).read() as session:
        yield session


WriteSession = Annotated[AsyncSession, Depends(_write_session, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(_read_session, scope="function")]
