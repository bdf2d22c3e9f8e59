"""PostgreSQL connections ended under the bot (a restart, a failover, an administrator's
`pg_terminate_backend`): each test ends only the backends of its own Database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from services.core.account_repo import AccountRepo
from services.infra import db as db_module
from services.infra.db import UNREACHABLE, Database, DatabaseError
from tests.databases import TEST_DATABASE_URL, DatabaseUnderTest, database_for


@pytest.fixture
def postgresql(tmp_path: Path) -> Iterator[DatabaseUnderTest]:
    yield from database_for("postgresql", tmp_path)


@pytest.fixture
async def db(postgresql: DatabaseUnderTest) -> AsyncIterator[Database]:
    opened = Database(postgresql.url, schema=postgresql.schema, pool_size=1)
    await opened.connect()
    yield opened
    await opened.close()


async def end_backend(pid: int, after: float = 0.0) -> None:
    await asyncio.sleep(after)
    admin = await asyncpg.connect(TEST_DATABASE_URL)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def backend_of(db: Database) -> int:
    row = await db.fetch_one("SELECT pg_backend_pid() AS pid")
    assert row is not None
    return int(row["pid"])


async def test_a_connection_ended_in_the_pool_is_replaced(db: Database):
    await end_backend(await backend_of(db))
    assert await AccountRepo(db).get_or_create(7, "en")  # a write: no error, no repeat
    assert await backend_of(db)


async def test_a_read_whose_connection_is_ended_under_it_is_asked_again(db: Database):
    pid = await backend_of(db)
    ending = asyncio.create_task(end_backend(pid, after=0.3))
    row = await db.fetch_one("SELECT pg_backend_pid() AS pid, pg_sleep(1)")
    await ending
    assert row is not None and row["pid"] != pid  # answered on another connection


async def test_a_transaction_whose_connection_is_ended_fails_as_a_database_error(db: Database):
    pid = await backend_of(db)
    with pytest.raises(DatabaseError) as raised:
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO accounts (user_id, language, created_at, updated_at)"
                " VALUES (8, 'en', 0, 0)"
            )
            await end_backend(pid)
            await tx.fetch_one("SELECT 1")
    assert isinstance(raised.value, UNREACHABLE)  # what heartbeats and sweeps outlast
    assert await AccountRepo(db).get(8) is None  # rolled back by the server
    assert await AccountRepo(db).get_or_create(8, "en")  # and the pool serves again


async def test_a_connection_unused_for_a_while_is_pinged_and_served(
    db: Database, monkeypatch: pytest.MonkeyPatch
):
    """One unused longer than PING_AFTER_IDLE is pinged as it is handed out (in
    SQLAlchemy's greenlet, where the ping awaits the driver): it answers, and serves."""
    pid = await backend_of(db)
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE", 0.0)
    await asyncio.sleep(0.01)
    assert await backend_of(db) == pid  # the same connection, pinged, not replaced
    await end_backend(pid)
    assert await AccountRepo(db).get_or_create(9, "en")  # a dead one is replaced
