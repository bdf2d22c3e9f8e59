"""The database behind every repository: SQLite (the embedded default) or PostgreSQL, both
through SQLAlchemy 2's async engine (aiosqlite, asyncpg).

Repositories write plain SQL with `?` placeholders that both databases understand; this
module turns them into the driver's own style once per statement and runs them with
`exec_driver_sql` (no SQL compiler on the hot path). The schema is Alembic's
(services/core/schema), brought up to date by :meth:`Database.connect`.

SQLite runs in WAL mode: one writer connection whose transactions are serialised in the
process (``BEGIN IMMEDIATE`` keeps other processes out while one runs), and reader
connections that never queue behind writes. PostgreSQL uses one pool for both; money-like
changes lock the account row they change (see services/core/accounts.py `lock_account`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Row
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

__all__ = ["Database", "DatabaseError", "IntegrityError", "Record", "Transaction"]

DatabaseError = DBAPIError
"""What a failing statement raises on either database (IntegrityError is one)."""

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
_PLACEHOLDER = re.compile(r"\?")


class Record:
    """One result row: by position (`row[0]`, unpacking) or by column name (`row["id"]`)."""

    __slots__ = ("_row",)

    def __init__(self, row: Row[Any]) -> None:
        self._row = row

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, str):
            return self._row._mapping[key]
        return self._row[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)

    def keys(self) -> Sequence[str]:
        return list(self._row._mapping.keys())


def async_url(url: str | Path) -> str:
    """The SQLAlchemy URL of `DATABASE_URL` (``sqlite:///file``, ``postgresql://…``) or of
    a bare SQLite path, with its async driver."""
    text = str(url)
    if "://" not in text:
        return f"sqlite+aiosqlite:///{text}"
    scheme, rest = text.split("://", 1)
    driver = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}.get(scheme)
    if driver is None and scheme == "postgres":
        driver = "postgresql+asyncpg"
    return f"{driver or scheme}://{rest}"


@lru_cache(maxsize=1024)
def _numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2, …` (the SQL we write has no `?` in
    literals)."""
    counter = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)


class Database:
    """Owns the engines; every write goes through :meth:`transaction` or
    :meth:`execute_atomic`."""

    def __init__(self, url: str | Path, *, schema: str | None = None, pool_size: int = 10) -> None:
        self.url = async_url(url)
        self.dialect = SQLITE if self.url.startswith("sqlite") else POSTGRESQL
        self.schema = schema
        self._pool_size = pool_size
        self._writer: AsyncEngine | None = None
        self._reader: AsyncEngine | None = None
        self._write_lock = asyncio.Lock()
        self._sql: Callable[[str], str] = (
            (lambda sql: sql) if self.dialect == SQLITE else _numbered
        )

    @property
    def serialises_writes(self) -> bool:
        """SQLite runs one write transaction at a time; PostgreSQL needs row locks."""
        return self.dialect == SQLITE

    async def connect(self) -> None:
        from services.core.schema import upgrade  # Alembic, once per process start

        try:
            if self.dialect == SQLITE:
                self._writer, self._reader = self._sqlite_engines()
            else:
                self._writer = self._reader = self._postgresql_engine()
            async with self._write_lock, self._writer.connect() as conn:
                await conn.run_sync(upgrade, self.schema)
                await conn.commit()
        except BaseException:
            await self.close()  # aiosqlite's threads would keep the process alive
            raise

    def _sqlite_engines(self) -> tuple[AsyncEngine, AsyncEngine]:
        path = self.url.split(":///", 1)[1] if ":///" in self.url else ""
        memory = path in {"", ":memory:"}
        if not memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # One writer connection; an in-memory database is private to its connection, so
        # it is read through the writer too.
        writer = create_async_engine(self.url, poolclass=StaticPool)
        _sqlite_events(writer, writer=True)
        if memory:
            return writer, writer
        reader = create_async_engine(self.url, pool_size=2, max_overflow=2)
        _sqlite_events(reader, writer=False)
        return writer, reader

    def _postgresql_engine(self) -> AsyncEngine:
        connect_args: dict[str, Any] = {}
        if self.schema:
            connect_args["server_settings"] = {"search_path": self.schema}
        return create_async_engine(
            self.url,
            pool_size=self._pool_size,
            max_overflow=self._pool_size,
            pool_pre_ping=True,
            connect_args=connect_args,
        )

    async def ping(self) -> None:
        """Raises when the database does not answer (readiness checks)."""
        await self.fetch_one("SELECT 1")

    async def close(self) -> None:
        for engine in {id(e): e for e in (self._reader, self._writer) if e}.values():
            await engine.dispose()
        self._writer = self._reader = None

    def _engine(self, engine: AsyncEngine | None) -> AsyncEngine:
        if engine is None:
            msg = "Database.connect() has not been awaited"
            raise RuntimeError(msg)
        return engine

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """All-or-nothing: commits when the block ends, rolls back when it raises."""
        writer = self._engine(self._writer)
        async with self._writing(), writer.begin() as conn:
            tx = Transaction(conn, self._sql, self.dialect)
            yield tx
        for callback in tx.committed:
            callback()

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        if self.dialect == SQLITE:
            async with self._write_lock:
                yield
        else:
            yield

    async def execute_atomic(self, sql: str, params: Iterable[Any] = ()) -> Record | None:
        """One statement as its own transaction (with the triggers it fires, it is
        all-or-nothing on both databases); returns its first RETURNING row."""
        async with self.transaction() as tx:
            return await tx.fetch_one(sql, params)

    async def execute_all(self, sql: str, params: Iterable[Any] = ()) -> list[Record]:
        """`execute_atomic` returning every RETURNING row."""
        async with self.transaction() as tx:
            return await tx.fetch_all(sql, params)

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> Record | None:
        """A read of committed data (not for use inside a transaction: see Transaction)."""
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Record]:
        reader = self._engine(self._reader)
        if reader is self._writer and self.dialect == SQLITE:
            async with self.transaction() as tx:
                return await tx.fetch_all(sql, params)
        async with reader.connect() as conn:
            return await _run(conn, self._sql(sql), params)


class Transaction:
    """The statements of one open transaction."""

    def __init__(self, conn: AsyncConnection, sql: Callable[[str], str], dialect: str) -> None:
        self._conn = conn
        self._sql = sql
        self.dialect = dialect
        self.locks_rows = dialect == POSTGRESQL
        """Concurrent write transactions are possible: a read-then-write must lock rows."""
        self.committed: list[Callable[[], None]] = []
        """Called once the transaction has committed (never if it rolls back)."""

    def after_commit(self, callback: Callable[[], None]) -> None:
        self.committed.append(callback)

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> None:
        await self._conn.exec_driver_sql(self._sql(sql), tuple(params))

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run an INSERT into a table with an `id` column; returns the new row's id."""
        row = await self.fetch_one(f"{sql} RETURNING id", params)
        return int(row[0]) if row else 0

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> Record | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Record]:
        return await _run(self._conn, self._sql(sql), params)


async def _run(conn: AsyncConnection, sql: str, params: Iterable[Any]) -> list[Record]:
    result = await conn.exec_driver_sql(sql, tuple(params))
    if not result.returns_rows:
        return []
    return [Record(row) for row in result.fetchall()]


def _sqlite_events(engine: AsyncEngine, *, writer: bool) -> None:
    """The pragmas of every connection; SQLite's own transaction handling is off, so the
    writer starts each transaction with BEGIN IMMEDIATE (it takes the write lock at once:
    two processes never deadlock upgrading a read to a write)."""

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if writer:
                cursor.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit survives an application crash; only an OS crash or
            # power loss can drop the last few commits, and never corrupts the file.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
        finally:
            cursor.close()

    if writer:

        @event.listens_for(engine.sync_engine, "begin")
        def on_begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
