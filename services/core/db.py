"""SQLite in WAL mode through aiosqlite: one writer connection with serialised,
all-or-nothing transactions, and one reader connection so that plain reads never queue
behind writes (WAL lets readers see every committed transaction without blocking)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from services.core.migrations import MIGRATIONS


class Database:
    """Owns the connection; every write goes through :meth:`transaction`.

    aiosqlite runs one connection on one thread, so two coroutines must never interleave
    statements of different transactions: the lock serialises them, and ``BEGIN IMMEDIATE``
    keeps other processes out while a transaction runs.
    """

    def __init__(self, path: Path | str) -> None:
        self._path = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def connect(self) -> None:
        if self._path != ":memory:":
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = await self._open()
        try:
            await self._conn.execute_fetchall("PRAGMA journal_mode=WAL")
            async with self.transaction() as tx:
                await apply_migrations(tx)
            # An in-memory database is private to its connection: read through the writer.
            self._reader = await self._open() if self._path != ":memory:" else self._conn
        except BaseException:
            await self.close()  # its thread would keep the process alive (not a daemon)
            raise

    async def _open(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self._path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        try:
            # WAL + NORMAL: a commit survives an application crash; only an OS crash or
            # power loss can drop the last few commits, and never corrupts the file.
            await conn.execute_fetchall("PRAGMA synchronous=NORMAL")
            await conn.execute_fetchall("PRAGMA foreign_keys=ON")
            await conn.execute_fetchall("PRAGMA busy_timeout=5000")
        except BaseException:
            await conn.close()  # (not a database file): its thread must not outlive us
            raise
        return conn

    async def ping(self) -> None:
        """Raises when the database does not answer (readiness checks)."""
        await self.fetch_one("SELECT 1")

    async def close(self) -> None:
        if self._reader is not None and self._reader is not self._conn:
            await self._reader.close()
        self._reader = None
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            msg = "Database.connect() has not been awaited"
            raise RuntimeError(msg)
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._lock:
            await self.conn.execute_fetchall("BEGIN IMMEDIATE")
            tx = Transaction(self.conn)
            try:
                yield tx
            except BaseException:
                await self.conn.execute_fetchall("ROLLBACK")
                raise
            await self.conn.execute_fetchall("COMMIT")
        for callback in tx.committed:
            callback()

    async def execute_atomic(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """One statement as its own transaction (SQLite makes a single statement, with the
        triggers it fires, all-or-nothing); returns its first RETURNING row."""
        async with self._lock:
            rows = await self.conn.execute_fetchall(sql, tuple(params))
        return next(iter(rows), None)

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """A read of committed data (not for use inside a transaction: see Transaction)."""
        rows = await self._read(sql, params)
        return next(iter(rows), None)

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        return list(await self._read(sql, params))

    async def _read(self, sql: str, params: Iterable[Any]) -> Iterable[aiosqlite.Row]:
        if self._reader is None or self._reader is self._conn:
            async with self._lock:
                return await self.conn.execute_fetchall(sql, tuple(params))
        return await self._reader.execute_fetchall(sql, tuple(params))


class Transaction:
    """The statements of one open transaction."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self.committed: list[Callable[[], None]] = []
        """Called once the transaction has committed (never if it rolls back)."""

    def after_commit(self, callback: Callable[[], None]) -> None:
        self.committed.append(callback)

    # Each call is one round trip to aiosqlite's thread (execute_fetchall/execute_insert);
    # a cursor would cost three.
    async def execute(self, sql: str, params: Iterable[Any] = ()) -> None:
        await self._conn.execute_fetchall(sql, tuple(params))

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run an INSERT; returns the new row id."""
        row = await self._conn.execute_insert(sql, tuple(params))
        return int(row[0]) if row else 0

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        rows = await self._conn.execute_fetchall(sql, tuple(params))
        return next(iter(rows), None)

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        return list(await self._conn.execute_fetchall(sql, tuple(params)))


async def apply_migrations(tx: Transaction) -> int:
    """Bring the schema up to date; returns the resulting version."""
    row = await tx.fetch_one("PRAGMA user_version")
    current = int(row[0]) if row else 0
    for version, statements in enumerate(MIGRATIONS, start=1):
        if version <= current:
            continue
        for statement in statements:
            await tx.execute(statement)
        await tx.execute(f"PRAGMA user_version = {version}")
    return len(MIGRATIONS)
