"""The database behind every repository: SQLite (the embedded default) or PostgreSQL.

SQLAlchemy 2's async engines own the connections (URLs, drivers — aiosqlite, asyncpg —
pools, per-connection set-up) and Alembic's migrations run through them
(services/infra/schema). Repositories write plain SQL with `?` placeholders that both
databases understand; it runs on the driver connection the engine hands out (turned into
PostgreSQL's `$1, $2, …` once per statement), because SQLAlchemy's statement layer over
an async driver costs several thread or greenlet hops per statement: measured here, a
tenth of the ledger's throughput (bench/ledger.py).

SQLite runs in WAL mode: one writer connection whose transactions are serialised in the
process (``BEGIN IMMEDIATE`` keeps other processes out while one runs), and a reader
connection that never queues behind writes. PostgreSQL uses one pool for both; money-like
changes lock the account row they change (services/core/account_repo.py `lock_account`).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection, StaticPool

from services.infra.statements import (
    POSTGRESQL,
    PostgreSQLStatements,
    Record,
    SQLiteStatements,
    Transaction,
)

__all__ = [
    "LOST",
    "UNREACHABLE",
    "Database",
    "DatabaseError",
    "IntegrityError",
    "Record",
    "Transaction",
    "marks",
]

LOST: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,  # the server ended it: pg_terminate_backend, a restart
    asyncpg.InterfaceError,  # "the underlying connection is closed"
    asyncpg.InternalClientError,  # a connection cut in the middle of a statement
    ConnectionError,
)
"""What PostgreSQL's driver raises when the connection was lost (the server restarted or
failed over, an administrator ended it, the network): nothing was wrong with the SQL."""
DatabaseError: tuple[type[Exception], ...] = (
    sqlite3.Error,
    asyncpg.PostgresError,
    DBAPIError,
    *LOST,
)
"""What a failing statement raises, on either database."""
IntegrityError: tuple[type[Exception], ...] = (
    sqlite3.IntegrityError,
    asyncpg.IntegrityConstraintViolationError,
)
"""A constraint refused the statement (UNIQUE, CHECK, a foreign key)."""
UNREACHABLE: tuple[type[Exception], ...] = (OSError, *DatabaseError)
"""What opening a database that is missing, unreadable or not answering raises."""

if TYPE_CHECKING:
    from services.infra.schema import SchemaState

T = TypeVar("T")
SQLITE = "sqlite"


def async_url(url: str | Path) -> str:
    """The SQLAlchemy URL of `DATABASE_URL` (``sqlite:///file``, ``postgresql://…``) or of
    a bare SQLite path, with its async driver."""
    text = str(url)
    if "://" not in text:
        return f"sqlite+aiosqlite:///{text}"
    scheme, rest = text.split("://", 1)
    drivers = {
        "sqlite": "sqlite+aiosqlite",
        "postgresql": "postgresql+asyncpg",
        "postgres": "postgresql+asyncpg",
    }
    return f"{drivers.get(scheme, scheme)}://{rest}"


class Database:
    """Owns the engines; every write goes through :meth:`transaction` or
    :meth:`execute_atomic`."""

    def __init__(
        self,
        url: str | Path,
        *,
        schema: str | None = None,
        pool_size: int = 10,
        migrate: bool = True,
    ) -> None:
        self.url = async_url(url)
        self.migrate = migrate
        """False: `connect` only reads where the schema stands (`schema_state`) and does
        not bring it up to date (a worker: `python -m bot migrate` does that)."""
        self.schema_state: SchemaState | None = None
        self.dialect = SQLITE if self.url.startswith("sqlite") else POSTGRESQL
        self.schema = schema
        self._pool_size = pool_size
        self._engines: list[AsyncEngine] = []
        self._held: list[AsyncConnection] = []
        self._pg: AsyncEngine | None = None
        self._writer: SQLiteStatements | None = None
        self._reader: SQLiteStatements | None = None
        self._write_lock = asyncio.Lock()
        self._checked_out = 0
        self._all_in = asyncio.Event()

    @property
    def serialises_writes(self) -> bool:
        """SQLite runs one write transaction at a time; PostgreSQL needs row locks."""
        return self.dialect == SQLITE

    async def connect(self) -> None:
        from services.infra.schema import schema_state, upgrade  # Alembic, once per start

        try:
            engine = (
                self._sqlite_engine(writer=True) if self.dialect == SQLITE else self._pg_engine()
            )
            async with engine.connect() as conn:
                if self.migrate:
                    await conn.run_sync(upgrade, self.schema)
                    await conn.commit()
                else:
                    self.schema_state = await conn.run_sync(schema_state)
            if self.dialect == SQLITE:
                self._writer = await self._hold(engine)
                memory = self.url.endswith((":memory:", "://", ":///"))
                # An in-memory database is private to its connection: read through the writer.
                self._reader = self._writer if memory else await self._hold(self._sqlite_engine())
            else:
                self._pg = engine
        except BaseException:
            await self.close()  # aiosqlite's threads would keep the process alive
            raise

    def _sqlite_engine(self, *, writer: bool = False) -> AsyncEngine:
        path = self.url.split(":///", 1)[1] if ":///" in self.url else ""
        if path not in {"", ":memory:"}:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(self.url, poolclass=StaticPool)
        _sqlite_pragmas(engine, writer=writer)
        self._engines.append(engine)
        return engine

    def _pg_engine(self) -> AsyncEngine:
        connect_args: dict[str, Any] = {}
        if self.schema:
            connect_args["server_settings"] = {"search_path": self.schema}
        engine = create_async_engine(
            self.url,
            pool_size=self._pool_size,
            max_overflow=self._pool_size,
            pool_recycle=1800,
            connect_args=connect_args,
        )
        _checked_when_handed_out(engine)
        self._engines.append(engine)
        return engine

    async def _hold(self, engine: AsyncEngine) -> SQLiteStatements:
        """SQLite's connections stay checked out for the life of the Database."""
        conn = await engine.connect()
        self._held.append(conn)
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        driver.row_factory = sqlite3.Row  # rows by position and by column name
        return SQLiteStatements(driver)

    async def open_pool(self) -> None:
        """Opens the pool's connections now (PostgreSQL; SQLite holds its own two from the
        start), so that the first burst of work does not wait for a handshake each."""
        if self._pg is None:
            return
        engine = self._pg
        opened = await asyncio.gather(
            *(engine.connect() for _ in range(self._pool_size)), return_exceptions=True
        )
        for connection in opened:
            if isinstance(connection, AsyncConnection):
                await connection.close()  # back to the pool, which keeps it open
        if failed := next((e for e in opened if isinstance(e, BaseException)), None):
            raise failed

    async def ping(self) -> None:
        """Raises when the database does not answer (readiness checks)."""
        await self.fetch_one("SELECT 1")

    async def close(self, grace: float = 5.0) -> None:
        """Closes every connection; a statement still running (a task being cancelled at
        shutdown) gets `grace` seconds to hand its connection back first."""
        if self._checked_out:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._all_in.wait(), grace)
        for conn in self._held:
            await conn.close()
        for engine in self._engines:
            await engine.dispose()
        self._held, self._engines = [], []
        self._writer = self._reader = self._pg = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """All-or-nothing: commits when the block ends, rolls back when it raises."""
        if self.dialect == SQLITE:
            async with self._write_lock:
                writer = _connected(self._writer)
                await writer.conn.execute_fetchall("BEGIN IMMEDIATE")
                tx = Transaction(writer, self.dialect)
                try:
                    yield tx
                except BaseException:
                    await writer.conn.execute_fetchall("ROLLBACK")
                    raise
                await writer.conn.execute_fetchall("COMMIT")
        else:
            async with self._pg_transaction() as conn:
                tx = Transaction(PostgreSQLStatements(conn), self.dialect)
                yield tx
        for callback in tx.committed:
            callback()

    @asynccontextmanager
    async def _pg_transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection in a transaction, committed when the block ends. A connection lost
        before the transaction began is replaced once (nothing had run: BEGIN is harmless to
        repeat); one lost later fails the block, whose work the server rolled back."""
        for attempt in (1, 2):
            began = False
            try:
                async with self._pg_connection() as conn:
                    transaction = conn.transaction()
                    await transaction.start()
                    began = True
                    try:
                        yield conn
                    except BaseException:
                        with contextlib.suppress(*LOST):  # gone: the server rolled it back
                            await transaction.rollback()
                        raise
                    await transaction.commit()
                    return
            except LOST:
                if began or attempt == 2:
                    raise

    @asynccontextmanager
    async def _pg_connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection (checked as it is handed out: one the server ended while it
        sat in the pool is replaced). One lost while in use is thrown away, never handed
        out again."""
        self._checked_out += 1
        self._all_in.clear()
        try:
            async with _connected(self._pg).connect() as conn:
                raw = await conn.get_raw_connection()
                try:
                    yield raw.driver_connection
                except LOST:
                    await conn.invalidate()
                    raise
        finally:
            self._checked_out -= 1
            if not self._checked_out:
                self._all_in.set()

    async def execute_atomic(self, sql: str, params: Iterable[Any] = ()) -> Record | None:
        """One statement as its own transaction (with the triggers it fires it is
        all-or-nothing on both databases); returns its first RETURNING row."""
        rows = await self.execute_all(sql, params)
        return rows[0] if rows else None

    async def execute_all(self, sql: str, params: Iterable[Any] = ()) -> list[Record]:
        """`execute_atomic` returning every RETURNING row."""
        if self.dialect == SQLITE:
            async with self._write_lock:
                return await _connected(self._writer).fetch_all(sql, params)
        async with self._pg_connection() as conn:
            return await PostgreSQLStatements(conn).fetch_all(sql, params)

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> Record | None:
        """A read of committed data (not for use inside a transaction: see Transaction)."""
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Record]:
        """On PostgreSQL a read that lost its connection is asked once more, on another
        (reading twice is harmless; writes are never repeated here: whether one that lost
        its connection was committed is unknown)."""
        if self.dialect == POSTGRESQL:
            try:
                return await self.execute_all(sql, params)
            except LOST:
                return await self.execute_all(sql, params)
        if self._reader is self._writer:
            async with self._write_lock:
                return await _connected(self._writer).fetch_all(sql, params)
        return await _connected(self._reader).fetch_all(sql, params)


def marks(values: Sequence[Any]) -> str:
    """The placeholders of an `IN (…)` list of `values` (`NULL` for none: `IN ()` is no
    SQL, and `x NOT IN (NULL)` is never true)."""
    return ", ".join("?" * len(values)) if values else "NULL"


def _connected(value: T | None) -> T:
    if value is None:
        msg = "Database.connect() has not been awaited"
        raise RuntimeError(msg)
    return value


PING_AFTER_IDLE = 10.0
"""Seconds a pooled PostgreSQL connection may sit unused before it is pinged as it is
handed out."""
_IDLE_SINCE = "idle_since"


def _checked_when_handed_out(engine: AsyncEngine) -> None:
    """A pooled PostgreSQL connection is checked as it is handed out: one the server ended
    (a restart, a failover, `pg_terminate_backend`: its socket is closed) is replaced at
    once, and one unused for `PING_AFTER_IDLE` seconds is pinged first (a network can drop
    a connection silently). SQLAlchemy's `pool_pre_ping` pinged every one: three round
    trips (BEGIN, an empty statement, ROLLBACK) before every statement of a busy pool."""
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def on_checkin(_: DBAPIConnection | None, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def on_checkout(
        dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, _: PoolProxiedConnection
    ) -> None:
        driver: asyncpg.Connection = getattr(dbapi_connection, "driver_connection", None)
        if driver is None or driver.is_closed():
            raise DisconnectionError("the server closed the connection")
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is not None and time.monotonic() - idle_since > PING_AFTER_IDLE:
            try:
                dialect.do_ping(dbapi_connection)  # in SQLAlchemy's greenlet: may await
            except Exception as error:
                raise DisconnectionError(f"the ping failed: {error!r}") from error


def _sqlite_pragmas(engine: AsyncEngine, *, writer: bool) -> None:
    """Every connection's settings. SQLite's own transaction handling is off: the writer
    starts each transaction itself with BEGIN IMMEDIATE (the write lock at once, so two
    processes never deadlock upgrading a read to a write)."""

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
