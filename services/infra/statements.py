"""What statements run on: the driver connection of either database (sqlite3 through
aiosqlite, asyncpg), one round trip a statement, and the transaction repositories write
in. `services.infra.db.Database` hands them out."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any, Protocol

import asyncpg

POSTGRESQL = "postgresql"
_PLACEHOLDER = re.compile(r"\?")


class Record(Protocol):
    """One result row (sqlite3.Row, asyncpg.Record): by position (`row[0]`, unpacking) or
    by column name (`row["id"]`)."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...


@lru_cache(maxsize=1024)
def _numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2, …` (our SQL has no `?` in literals)."""
    counter = iter(range(1, 100_000))
    return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)


class Statements(Protocol):
    async def fetch_all(self, sql: str, params: Iterable[Any]) -> list[Record]: ...


class SQLiteStatements:
    """One aiosqlite call per statement (a round trip to its thread)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    async def fetch_all(self, sql: str, params: Iterable[Any]) -> list[Record]:
        return list(await self.conn.execute_fetchall(sql, tuple(params)))


class PostgreSQLStatements:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def fetch_all(self, sql: str, params: Iterable[Any]) -> list[Record]:
        return list(await self.conn.fetch(_numbered(sql), *params))


class Transaction:
    """The statements of one open transaction."""

    def __init__(self, statements: Statements, dialect: str) -> None:
        self._statements = statements
        self.dialect = dialect
        self.locks_rows = dialect == POSTGRESQL
        """Concurrent write transactions are possible: a read-then-write must lock rows."""
        self.committed: list[Callable[[], None]] = []
        """Called once the transaction has committed (never if it rolls back)."""

    def after_commit(self, callback: Callable[[], None]) -> None:
        self.committed.append(callback)

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> None:
        await self._statements.fetch_all(sql, params)

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run an INSERT into a table with an `id` column; returns the new row's id."""
        row = await self.fetch_one(f"{sql} RETURNING id", params)
        return int(row[0]) if row else 0

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> Record | None:
        rows = await self._statements.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Record]:
        return await self._statements.fetch_all(sql, params)
