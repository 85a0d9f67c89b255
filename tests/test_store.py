"""The store: migrations from empty, models in step with migrations, types and counters on this backend."""

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

import loop.db.models  # noqa: F401
from loop.config import Settings
from loop.db import migrate
from loop.db.base import Base
from loop.db.counters import next_value
from loop.db.session import Database
from loop.projects.models import ProjectMember
from tests.conftest import PG_URL, TEST_SECRET, fresh_database


def _database(url: str) -> Database:
    return Database(Settings(database_url=url, secret_key=TEST_SECRET))


def test_migrations_upgrade_from_empty_and_match_the_models(tmp_path):
    with fresh_database(tmp_path, migrated=False) as url:

        async def go():
            database = _database(url)
            try:
                assert await migrate.current_revision(database.engines.write) is None
                await migrate.upgrade(database.engines.write)
                assert await migrate.current_revision(database.engines.write) == migrate.head_revision()

                def check(connection):
                    tables = set(inspect(connection).get_table_names())
                    assert {t.name for t in Base.metadata.sorted_tables} <= tables
                    diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
                    assert diff == [], f"models and migrations differ: {diff}"

                async with database.engines.write.connect() as connection:
                    await connection.run_sync(check)
                # and back down to nothing, and up again
                await migrate.downgrade(database.engines.write, "base")
                assert await migrate.current_revision(database.engines.write) is None
                await migrate.upgrade(database.engines.write)
            finally:
                await database.dispose()

        asyncio.run(go())


async def test_datetimes_come_back_aware_and_utc(app, factory):
    org = await factory.org()
    user = await factory.member(org)
    stamp = datetime(2026, 3, 1, 12, 0, 0, 123000, tzinfo=timezone(timedelta(hours=2)))
    async with app.state.database.write() as session:
        from loop.projects.models import Project

        project = Project(org_id=org.id, name="p", created_at=stamp, updated_at=stamp)
        session.add(project)
        await session.flush()
        session.add(
            ProjectMember(
                org_id=org.id,
                project_id=project.id,
                user_id=user.id,
                rate=Decimal("0.1"),
                cost=Decimal("1234567.123456"),
            )
        )
    async with app.state.database.read() as session:
        loaded = (await session.execute(select(Project).where(Project.id == project.id))).scalar_one()
        assert loaded.created_at == stamp
        assert loaded.created_at.tzinfo is not None and loaded.created_at.utcoffset() == timedelta(0)
        assert loaded.created_at.hour == 10
        member = (await session.execute(select(ProjectMember))).scalar_one()
        assert member.rate == Decimal("0.1") and isinstance(member.rate, Decimal)
        assert member.cost == Decimal("1234567.123456")


async def test_counters_are_unique_under_concurrency(app, factory):
    org = await factory.org()

    async def take() -> int:
        async with app.state.database.write() as session:
            return await next_value(session, org.id, "issue_number")

    values = await asyncio.gather(*(take() for _ in range(32)))
    assert sorted(values) == list(range(1, 33))


async def test_a_rolled_back_counter_leaves_no_gap(app, factory):
    org = await factory.org()
    async with app.state.database.write() as session:
        assert await next_value(session, org.id, "invoice:2026") == 1
    try:
        async with app.state.database.write() as session:
            assert await next_value(session, org.id, "invoice:2026") == 2
            raise RuntimeError("the invoice insert failed")
    except RuntimeError:
        pass
    async with app.state.database.write() as session:
        assert await next_value(session, org.id, "invoice:2026") == 2
        assert await next_value(session, org.id, "other") == 1


async def test_naive_datetimes_are_refused(app, factory):
    import pytest
    from sqlalchemy.exc import StatementError

    org = await factory.org()
    from loop.projects.models import Project

    with pytest.raises(StatementError):
        async with app.state.database.write() as session:
            session.add(
                Project(
                    org_id=org.id, name="p", created_at=datetime(2026, 1, 1), updated_at=datetime.now(UTC)
                )
            )
            await session.flush()


async def test_read_sessions_cannot_write(app, factory):
    """On SQLite, reads run in autocommit on a query_only connection: a write there must fail loudly, never
    commit half a change outside the request's write transaction."""
    import pytest
    from sqlalchemy import text

    if app.state.database.dialect != "sqlite":
        pytest.skip("the read-only engine is SQLite's; PostgreSQL shares one engine")
    await factory.org()
    with pytest.raises(Exception, match=r"readonly|read-only|query_only|attempt to write"):
        async with app.state.database.read() as session:
            await session.execute(text("UPDATE organisations SET name = 'changed'"))
    async with app.state.database.read() as session:
        names = (await session.execute(text("SELECT name FROM organisations"))).scalars().all()
    assert names == ["Acme"]


async def test_concurrent_writes_fit_in_a_small_pool(database_url, tmp_path):
    """Each request holds at most one connection at a time (authentication gives its read connection back
    before the endpoint takes its write connection), so many concurrent writers queue instead of exhausting
    the pool waiting on each other."""
    import httpx2

    from loop.app import create_app
    from tests.conftest import Factory, empty_all_tables, make_settings

    app = create_app(make_settings(database_url, tmp_path, db_pool_size=2, db_max_overflow=0))
    async with app.router.lifespan_context(app):
        try:
            account = await Factory(app).account()
            transport = httpx2.ASGITransport(app=app)
            async with httpx2.AsyncClient(transport=transport, base_url="http://t", timeout=60) as client:
                responses = await asyncio.gather(
                    *(
                        client.post("/api/v1/tokens", json={"name": f"t{i}"}, headers=account.headers)
                        for i in range(24)
                    )
                )
            assert [r.status_code for r in responses] == [201] * 24
        finally:
            await empty_all_tables(app)


@pytest.mark.skipif(not PG_URL, reason="the PostgreSQL pool's connection tests")
async def test_only_idle_pooled_connections_are_tested_and_a_dead_one_is_replaced(database_url, tmp_path):
    """A connection back from a request moments ago is used without a test round trip; one that sat idle
    is tested first, and if the server closed it meanwhile the request gets a new connection, not an error."""
    import psycopg
    from sqlalchemy import text

    from tests.conftest import _pg_admin_conninfo, make_settings

    settings = make_settings(
        database_url, tmp_path, db_pool_size=1, db_max_overflow=0, db_pre_ping_idle_s=0.5
    )
    database = Database(settings)
    dialect = database.engines.write.sync_engine.dialect
    pings: list[int] = []
    real_ping = dialect.do_ping

    def counted_ping(dbapi_connection):  # type: ignore[no-untyped-def]
        pings.append(1)
        return real_ping(dbapi_connection)

    dialect.do_ping = counted_ping  # type: ignore[method-assign]
    try:
        async with database.read_connection() as conn:
            backend = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with database.write() as session:
            assert (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one() == backend
        assert pings == []  # used again at once: not tested

        async with await psycopg.AsyncConnection.connect(_pg_admin_conninfo(), autocommit=True) as admin:
            await admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
        await asyncio.sleep(0.6)
        async with database.write() as session:
            replacement = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert replacement != backend
        assert pings == [1]
    finally:
        await database.dispose()
