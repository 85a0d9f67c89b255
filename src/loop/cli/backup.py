"""``loop export`` / ``loop import``: one organisation's data, table by table, read from and written to the
database directly, so that a restore is faithful (ids, timestamps, token hashes, ordering) on SQLite and
PostgreSQL alike.

The file is a zip: ``manifest.json`` (format, Loop version, schema revision, organisation, row count per table,
file count, a fingerprint of the secret key), ``tables/<table>.jsonl`` (one row per line, in the dependency
order of ``Base.metadata.sorted_tables``, so modules added later are exported without changes here), and
``files/<org id>/…`` (stored uploads such as feedback screenshots).
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table as RichTable
from sqlalchemy import Date, LargeBinary, Numeric, Table, bindparam, func, select, union, update
from sqlalchemy.ext.asyncio import AsyncConnection

import loop.db.models  # noqa: F401  (every table on the metadata)
from loop import __version__
from loop.cli.common import DatabaseUrlOption, DataDirOption, build_settings, run
from loop.cli.remote import EXIT_INVALID, EXIT_USAGE, err, fail, out
from loop.config import Settings
from loop.db import migrate
from loop.db.base import Base
from loop.db.session import Database
from loop.db.types import ExactDecimal, UTCDateTime

FORMAT = "loop-export"
FORMAT_VERSION = 1
BATCH = 500


# -- which rows belong to an organisation ------------------------------------------------------------------------
def _is_scoped(table: Table) -> bool:
    return "org_id" in table.c


def org_query(table: Table, org_id: str) -> Any:
    """The rows of ``table`` that belong to ``org_id``, or ``None`` when the table holds no organisation data."""
    if table.name == "organisations":
        return select(table).where(table.c.id == org_id)
    if _is_scoped(table):
        return select(table).where(table.c.org_id == org_id)
    # an association table hanging off organisation tables (time_entry_tags …)
    for fk in table.foreign_keys:
        parent = fk.column.table
        if _is_scoped(parent):
            owned = select(fk.column).where(parent.c.org_id == org_id)
            return select(table).where(fk.parent.in_(owned))
    # a shared table the organisation's rows point at (users)
    pk = list(table.primary_key.columns)
    referencing = [
        select(fk.parent).where(other.c.org_id == org_id)
        for other in Base.metadata.sorted_tables if _is_scoped(other)
        for fk in other.foreign_keys if fk.column.table is table
    ]  # fmt: skip
    if len(pk) != 1 or not referencing:
        return None
    return select(table).where(pk[0].in_(union(*referencing)))


def _ordered(table: Table, query: Any) -> Any:
    return query.order_by(*table.primary_key.columns)


# -- values ------------------------------------------------------------------------------------------------------
def encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def decoder(column: Any) -> Any:
    kind = column.type
    if value_is(kind, UTCDateTime):
        return lambda v: _aware(datetime.fromisoformat(v))
    if value_is(kind, Date):
        return date.fromisoformat
    if value_is(kind, ExactDecimal) or value_is(kind, Numeric):
        return Decimal
    if value_is(kind, LargeBinary):
        return base64.b64decode
    return None


def value_is(kind: Any, cls: type) -> bool:
    return isinstance(kind, cls) or isinstance(getattr(kind, "impl", None), cls)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def secret_fingerprint(secret: str) -> str:
    return hashlib.sha256(("loop-export:" + secret).encode()).hexdigest()[:16]


def _files_root(settings: Settings) -> Path:
    return settings.files_dir or settings.data_dir / "files"


def _progress() -> Progress:
    return Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), console=err)


async def _counts(conn: AsyncConnection, org_id: str) -> dict[str, int]:
    counts = {}
    for table in Base.metadata.sorted_tables:
        query = org_query(table, org_id)
        if query is not None:
            counts[table.name] = (
                await conn.execute(select(func.count()).select_from(query.subquery()))
            ).scalar_one()
    return counts


async def _pick_org(conn: AsyncConnection, org: str | None) -> tuple[str, str]:
    orgs = Base.metadata.tables["organisations"]
    rows = (await conn.execute(select(orgs.c.id, orgs.c.name).order_by(orgs.c.id))).all()
    if org:
        rows = [r for r in rows if r.id == org]
        if not rows:
            raise fail(f"no organisation {org!r} in this database", EXIT_INVALID)
    if not rows:
        raise fail("the database has no organisation to export", EXIT_INVALID)
    if len(rows) > 1:
        listing = ", ".join(f"{r.id} ({r.name})" for r in rows)
        raise fail(f"several organisations: choose one with --org: {listing}", EXIT_USAGE)
    return rows[0].id, rows[0].name


# -- export ------------------------------------------------------------------------------------------------------
@asynccontextmanager
async def snapshot(database: Database) -> AsyncIterator[AsyncConnection]:
    """One consistent view of the database for the whole export, without stopping the server's writers:
    REPEATABLE READ on PostgreSQL, a read transaction on SQLite (WAL readers do not block writers)."""
    if database.dialect == "postgresql":
        async with database.engines.read.connect() as conn:
            conn = await conn.execution_options(isolation_level="REPEATABLE READ")
            async with conn.begin():
                yield conn
        return
    async with database.engines.read.connect() as conn:
        await conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            await conn.exec_driver_sql("ROLLBACK")


async def export_org(settings: Settings, target: Path, org: str | None) -> dict[str, Any]:
    database = Database(settings)
    try:
        engine = database.engines.write
        revision = await migrate.current_revision(engine)
        if revision is None:
            raise fail("the database has no Loop schema (nothing to export)", EXIT_INVALID)
        async with snapshot(database) as conn:
            org_id, org_name = await _pick_org(conn, org)
            counts = await _counts(conn, org_id)
            files_root = _files_root(settings) / org_id
            files = sorted(p for p in files_root.rglob("*") if p.is_file()) if files_root.exists() else []
            tmp = target.with_name(target.name + ".partial")
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf, _progress() as bar:
                for table in Base.metadata.sorted_tables:
                    if table.name not in counts:
                        continue
                    task = bar.add_task(table.name, total=counts[table.name], visible=counts[table.name] > 0)
                    names = [c.name for c in table.columns]
                    with zf.open(f"tables/{table.name}.jsonl", "w") as handle:
                        result = await conn.stream(_ordered(table, org_query(table, org_id)))
                        async for row in result:
                            record = {n: encode(v) for n, v in zip(names, row, strict=True)}
                            handle.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")
                            bar.advance(task)
                if files:
                    task = bar.add_task("files", total=len(files))
                    for path in files:
                        zf.write(path, f"files/{path.relative_to(_files_root(settings)).as_posix()}")
                        bar.advance(task)
                manifest = {
                    "format": FORMAT, "format_version": FORMAT_VERSION, "loop_version": __version__,
                    "schema_revision": revision, "exported_at": datetime.now(UTC).isoformat(),
                    "source_dialect": database.dialect, "organisation": {"id": org_id, "name": org_name},
                    "tables": counts, "files": len(files),
                    "secret_fingerprint": secret_fingerprint(database.secret_key),
                }  # fmt: skip
                zf.writestr("manifest.json", json.dumps(manifest, indent=2))
            tmp.replace(target)
            return manifest
    finally:
        await database.dispose()


# -- import ------------------------------------------------------------------------------------------------------
def read_manifest(zf: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(zf.read("manifest.json"))
    except (KeyError, ValueError) as exc:
        raise fail("not a Loop export (no readable manifest.json)", EXIT_INVALID) from exc
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise fail("not a Loop export this version can read", EXIT_INVALID)
    return manifest


async def import_org(
    settings: Settings, source: Path, force_secret: bool
) -> tuple[dict[str, Any], dict[str, int]]:
    with zipfile.ZipFile(source) as zf:
        manifest = read_manifest(zf)
        revision = manifest["schema_revision"]
        database = Database(settings)
        try:
            if not force_secret and secret_fingerprint(database.secret_key) != manifest["secret_fingerprint"]:
                raise fail(
                    "this server's secret key differs from the exporting server's: tokens and stored webhook "
                    "secrets would stop working. Set LOOP_SECRET_KEY to the old server's key (the contents "
                    "of its <data dir>/secret.key) or copy that file into the new data directory, or pass "
                    "--ignore-secret to import anyway.",
                    EXIT_INVALID,
                )
            engine = database.engines.write
            current = await migrate.current_revision(engine)
            if current is None:
                await migrate.upgrade(engine, revision)
            elif current != revision:
                raise fail(f"the target database already has Loop's tables (revision {current}; the export is at "
                           f"{revision}): import into a new, empty database — `loop import` creates the tables",
                           EXIT_INVALID)  # fmt: skip
            async with engine.connect() as conn:
                busy = {}
                for table in Base.metadata.sorted_tables:
                    n = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
                    if n and table.name != "alembic_version":
                        busy[table.name] = n
                if busy:
                    shown = ", ".join(f"{k}: {v}" for k, v in list(busy.items())[:6])
                    raise fail(f"the target database is not empty ({shown}); import needs an empty database. "
                               "Run `loop import` before the first `loop serve` on the new database.",
                               EXIT_INVALID)  # fmt: skip
            org_id = manifest["organisation"]["id"]
            with _progress() as bar:
                async with engine.begin() as conn:
                    await _load_all(conn, zf, manifest, bar)
                    counts = await _counts(conn, org_id)
                    wrong = {
                        k: (v, counts.get(k)) for k, v in manifest["tables"].items() if counts.get(k) != v
                    }
                    if wrong:
                        raise fail(f"row counts differ after import, nothing was written: {wrong}")
            names = [n for n in zf.namelist() if n.startswith("files/") and not n.endswith("/")]
            root = _files_root(settings)
            for name in names:
                relative = Path(name[len("files/") :])
                if relative.is_absolute() or ".." in relative.parts:
                    continue
                path = root / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(zf.read(name))
            counts["files"] = len(names)
            await migrate.upgrade(engine)
            return manifest, counts
        finally:
            await database.dispose()


async def _load_all(
    conn: AsyncConnection, zf: zipfile.ZipFile, manifest: dict[str, Any], bar: Progress
) -> None:
    loaded: set[str] = set()
    for table in Base.metadata.sorted_tables:
        if manifest["tables"].get(table.name):
            task = bar.add_task(table.name, total=manifest["tables"][table.name])
            await _load_table(conn, zf, table, bar, task, loaded)
        loaded.add(table.name)


async def _load_table(
    conn: AsyncConnection, zf: zipfile.ZipFile, table: Table, bar: Progress, task: Any, loaded: set[str]
) -> None:
    decoders = {c.name: d for c in table.columns if (d := decoder(c)) is not None}
    # references to rows not in yet (issue parents, comment replies, any cycle) are linked after the rows are in
    deferred = [fk.parent.name for fk in table.foreign_keys
                if fk.column.table is table or fk.column.table.name not in loaded]  # fmt: skip
    pk = next(iter(table.primary_key.columns)).name
    # columns an UPDATE would refresh (updated_at): the link must keep the exported values
    touched = [c.name for c in table.columns if c.onupdate is not None]
    links: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []
    try:
        handle = zf.open(f"tables/{table.name}.jsonl")
    except KeyError:
        return
    with handle:
        for line in handle:
            record = json.loads(line)
            for name, fn in decoders.items():
                if record.get(name) is not None:
                    record[name] = fn(record[name])
            for name in deferred:
                if record.get(name) is not None:
                    kept = {f"_keep_{c}": record.get(c) for c in touched}
                    links.append({"_pk": record[pk], "_value": record[name], "_column": name, **kept})
                    record[name] = None
            batch.append(record)
            if len(batch) >= BATCH:
                await conn.execute(table.insert(), batch)
                bar.advance(task, len(batch))
                batch = []
    if batch:
        await conn.execute(table.insert(), batch)
        bar.advance(task, len(batch))
    for name in deferred:
        rows = [{k: v for k, v in x.items() if k != "_column"} for x in links if x["_column"] == name]
        if rows:
            values = {name: bindparam("_value"), **{c: bindparam(f"_keep_{c}") for c in touched}}
            statement = update(table).where(table.c[pk] == bindparam("_pk")).values(values)
            await conn.execute(statement, rows)


# -- commands ----------------------------------------------------------------------------------------------------
def _summary(counts: dict[str, int], expected: dict[str, int] | None = None) -> RichTable:
    grid = RichTable("table", "rows", *(["expected"] if expected is not None else []))
    for name, n in counts.items():
        if n or (expected and expected.get(name)):
            grid.add_row(name, str(n), *([str(expected.get(name, "-"))] if expected is not None else []))
    return grid


def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write (a .zip)")],
    org: Annotated[str | None, typer.Option("--org", help="Organisation id (default: the only one)")] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Write one organisation's data (every table, and its stored files) to a file, for backup or moving.

    Example: loop export -o acme-backup.zip --data-dir ./loop-data
    """
    settings = build_settings(data_dir, database_url)
    manifest = run(lambda: export_org(settings, output, org))
    out.print(_summary(manifest["tables"]))
    total = sum(manifest["tables"].values())
    out.print(f"exported {total} rows and {manifest['files']} files of {manifest['organisation']['name']} "
              f"(schema {manifest['schema_revision']}) to {output}")  # fmt: skip


def import_(
    source: Annotated[
        Path, typer.Argument(help="A file written by `loop export`", exists=True, dir_okay=False)
    ],
    ignore_secret: Annotated[
        bool, typer.Option("--ignore-secret", help="Import even though this server's secret key differs")
    ] = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Restore an export into an empty database (SQLite or PostgreSQL), and verify the row counts.

    Example: LOOP_SECRET_KEY=$(cat old-data/secret.key) loop import acme-backup.zip --database-url postgresql://loop@db/loop
    """
    settings = build_settings(data_dir, database_url)
    if not zipfile.is_zipfile(source):
        raise fail(f"{source} is not a Loop export (not a zip file)", EXIT_INVALID)
    try:
        manifest, counts = run(lambda: import_org(settings, source, ignore_secret))
    except typer.Exit:
        raise
    except RuntimeError as exc:  # e.g. no LOOP_SECRET_KEY for PostgreSQL
        raise fail(str(exc), EXIT_USAGE) from exc
    out.print(_summary({k: counts.get(k, 0) for k in manifest["tables"]}, manifest["tables"]))
    out.print(f"imported {manifest['organisation']['name']}: {sum(manifest['tables'].values())} rows and "
              f"{counts['files']} files; counts verified")  # fmt: skip
