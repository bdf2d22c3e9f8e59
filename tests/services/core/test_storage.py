from __future__ import annotations

import pytest
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from services.core.account_repo import AccountRepo
from services.infra.db import Database, DatabaseError, async_url
from services.infra.schema import alembic_config, current_revision
from services.infra.schema.sqlite_legacy import MIGRATIONS
from tests.databases import DatabaseUnderTest


def _head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def _revision(database: DatabaseUnderTest) -> str | None:
    args = {"server_settings": {"search_path": database.schema}} if database.schema else {}
    engine = create_async_engine(async_url(database.url), connect_args=args)
    async with engine.connect() as conn:
        revision = await conn.run_sync(current_revision)
    await engine.dispose()
    return revision


async def test_reopening_keeps_data_and_does_not_migrate_twice(database: DatabaseUnderTest):
    first = Database(database.url, schema=database.schema)
    await first.connect()
    await AccountRepo(first).get_or_create(42, "es")
    await first.close()

    again = Database(database.url, schema=database.schema)
    await again.connect()
    account = await AccountRepo(again).get(42)
    await again.close()
    assert account is not None and account.language == "es"
    assert await _revision(database) == _head()


async def test_sqlite_runs_in_wal_mode(db: Database):
    if db.dialect != "sqlite":
        pytest.skip("a SQLite setting")
    mode = await db.fetch_one("PRAGMA journal_mode")
    assert mode is not None and mode[0] == "wal"


async def test_a_file_made_before_alembic_upgrades_in_place(tmp_path):
    """A release that tracked the schema in PRAGMA user_version left v6 behind: the bot
    opens it, adds v7, keeps the data, and Alembic takes over from there."""
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as old:
        for statements in MIGRATIONS[:6]:
            for statement in statements:
                old.execute(statement)
        old.execute("INSERT INTO accounts (user_id, created_at, updated_at) VALUES (7, 0, 0)")
        old.execute("PRAGMA user_version = 6")
    db = Database(path)
    await db.connect()
    account = await AccountRepo(db).get(7)
    zones = await db.fetch_all("SELECT * FROM time_zones")
    await db.close()
    assert account is not None and zones == []
    assert await _revision(DatabaseUnderTest(f"sqlite:///{path}")) == _head()


async def test_a_failed_transaction_leaves_nothing_behind(db: Database):
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO accounts (user_id, created_at, updated_at) VALUES (7, 0, 0)"
            )
            raise RuntimeError("crash in the middle")
    assert await AccountRepo(db).get(7) is None


_ONE_ROW_EACH = (
    "INSERT INTO accounts (user_id, created_at, updated_at) VALUES (7, 0, 0)",
    "INSERT INTO ledger (user_id, kind, allowance_delta, bonus_delta, balance_after,"
    " created_at) VALUES (7, 'grant', 0, 5, 5, 1)",
    "INSERT INTO uses (user_id, week, kind, delta, category, idempotency_key, created_at)"
    " VALUES (7, '2026-W25', 'reserve', 1, 'daily', 'k', 1)",
    "INSERT INTO audit (actor_id, action, created_at) VALUES (1, 'grant', 1)",
)


@pytest.mark.parametrize("statement", ["UPDATE {} SET created_at = 0", "DELETE FROM {}"])
@pytest.mark.parametrize("table", ["ledger", "uses", "audit"])
async def test_the_ledgers_refuse_to_change_what_they_hold(
    db: Database, table: str, statement: str
):
    async with db.transaction() as tx:
        for row in _ONE_ROW_EACH:
            await tx.execute(row)
    with pytest.raises(DatabaseError, match="append-only"):
        async with db.transaction() as tx:
            await tx.execute(statement.format(table))


async def test_a_migration_that_fails_leaves_the_file_as_it_was(tmp_path):
    """The pre-Alembic versions are applied in one transaction: a file whose v7 cannot be
    applied (its table is in the way) keeps its version, and nothing of the run stays."""
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as old:
        for statements in MIGRATIONS[:5]:
            for statement in statements:
                old.execute(statement)
        old.execute("CREATE TABLE time_zones (x INTEGER)")  # v7's table, made by hand
        old.execute("PRAGMA user_version = 5")
    db = Database(path)
    with pytest.raises(DatabaseError):
        await db.connect()
    with sqlite3.connect(path) as old:
        version = old.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in old.execute("SELECT name FROM sqlite_master")}
    assert version == 5
    assert "work_origins" not in tables  # v6's table was rolled back with the rest


async def test_the_duty_claims_revision_goes_down_and_up_again(database: DatabaseUnderTest):
    from alembic import command

    from services.infra.schema import upgrade

    db = Database(database.url, schema=database.schema)
    await db.connect()  # at the head
    await db.close()
    args = {"server_settings": {"search_path": database.schema}} if database.schema else {}
    engine = create_async_engine(async_url(database.url), connect_args=args)

    def tables(conn: Connection) -> set[str]:
        from sqlalchemy import inspect

        return set(inspect(conn).get_table_names())

    async with engine.connect() as conn:
        await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0001"))
        await conn.commit()
        assert "duty_claims" not in await conn.run_sync(tables)
    async with engine.connect() as conn:
        await conn.run_sync(upgrade, database.schema)
        await conn.commit()
        assert "duty_claims" in await conn.run_sync(tables)
        assert await conn.run_sync(current_revision) == _head()
    await engine.dispose()
