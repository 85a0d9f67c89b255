"""Test harness.

The suite runs against SQLite (a temp file; never ``:memory:``) by default, and against PostgreSQL when
``LOOP_TEST_DATABASE_URL`` names a server: it then creates its own database there, migrates it, and drops it
at the end. Each test gets a fresh app on that database and real commits; afterwards every table is emptied.
Tests that need their own store (migrations, concurrency, server processes) build one with ``fresh_database``.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import delete
from sqlalchemy.engine import make_url

import loop.db.models  # noqa: F401  (all tables on the metadata)
from loop.app import create_app
from loop.config import Settings, normalise_database_url
from loop.db import migrate
from loop.db.base import Base
from loop.db.engine import create_engines
from loop.orgs import service as orgs
from loop.orgs.models import Organisation, User
from loop.tokens.service import create_token

PG_URL = os.environ.get("LOOP_TEST_DATABASE_URL", "").strip()
BACKEND = "postgresql" if PG_URL else "sqlite"
TEST_SECRET = "test-secret-" + "0" * 52


def pytest_report_header(config: pytest.Config) -> str:
    return f"loop test database: {BACKEND}" + (f" ({make_url(PG_URL).render_as_string()})" if PG_URL else "")


# -- databases ------------------------------------------------------------------------------------------
def _pg_admin_conninfo() -> str:
    url = make_url(normalise_database_url(PG_URL))
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def fresh_database(tmp_dir: Path, *, migrated: bool = True) -> Iterator[str]:
    """A new, empty database on the configured backend (migrated to head unless asked otherwise)."""
    if PG_URL:
        import psycopg

        name = f"loop_test_{os.getpid()}_{secrets.token_hex(4)}"
        with psycopg.connect(_pg_admin_conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = (
            make_url(normalise_database_url(PG_URL)).set(database=name).render_as_string(hide_password=False)
        )
    else:
        url = f"sqlite+aiosqlite:///{tmp_dir / f'loop-{secrets.token_hex(4)}.db'}"
    try:
        if migrated:
            asyncio.run(_migrate(url))
        yield url
    finally:
        if PG_URL:
            import psycopg

            with psycopg.connect(_pg_admin_conninfo(), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _migrate(url: str) -> None:
    engines = create_engines(Settings(database_url=url, secret_key=TEST_SECRET))
    try:
        await migrate.upgrade(engines.write)
    finally:
        await engines.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if PG_URL:
        try:
            import psycopg

            psycopg.connect(_pg_admin_conninfo(), connect_timeout=5).close()
        except Exception as exc:  # a PostgreSQL run must never turn into a silent SQLite run
            pytest.exit(f"LOOP_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}", returncode=3)
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        yield url


def make_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "secret_key": TEST_SECRET,
        "auto_migrate": False,
        "rate_limit_enabled": False,
        "access_log": False,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path / "data")


async def empty_all_tables(app: Any) -> None:
    async with app.state.database.write() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(delete(table))


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        try:
            yield application
        finally:
            await empty_all_tables(application)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


# -- data -------------------------------------------------------------------------------------------------
@dataclass
class Account:
    org: Organisation
    user: User
    token: str
    credential_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Factory:
    """Builds organisations, members and tokens straight through the services (one commit each)."""

    def __init__(self, app: Any) -> None:
        self.database = app.state.database

    async def org(
        self, *, plan: str = "business", trial_ends_at: datetime | None = None, name: str = "Acme"
    ) -> Organisation:
        async with self.database.write() as session:
            return await orgs.create_organisation(session, name, plan=plan, trial_ends_at=trial_ends_at)

    async def member(self, org: Organisation, *, role: str = "owner", email: str | None = None) -> User:
        async with self.database.write() as session:
            user = await orgs.create_user(session, email or f"{secrets.token_hex(4)}@example.com")
            await orgs.add_member(session, org, user, role)
            return user

    async def token(self, org: Organisation, user: User, **kwargs: Any) -> tuple[str, str]:
        kwargs.setdefault("name", "test token")
        async with self.database.write() as session:
            credential, token = await create_token(session, org_id=org.id, user_id=user.id, **kwargs)
            return token, credential.id

    async def account(
        self,
        *,
        plan: str = "business",
        role: str = "owner",
        trial_ends_at: datetime | None = None,
        org: Organisation | None = None,
        **token_kwargs: Any,
    ) -> Account:
        org = org or await self.org(plan=plan, trial_ends_at=trial_ends_at)
        user = await self.member(org, role=role)
        token, credential_id = await self.token(org, user, **token_kwargs)
        return Account(org=org, user=user, token=token, credential_id=credential_id)


@pytest.fixture
def factory(app: Any) -> Factory:
    return Factory(app)


@pytest.fixture
async def account(factory: Factory) -> Account:
    """An owner of a business-plan organisation with a write-all token."""
    return await factory.account()


@pytest.fixture
async def other_account(factory: Factory) -> Account:
    """Someone in a different organisation: everything of theirs must look missing to ``account``."""
    return await factory.account()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
