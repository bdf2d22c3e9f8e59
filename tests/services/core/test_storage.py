from __future__ import annotations

from pathlib import Path

from services.core.accounts import AccountRepo
from services.core.db import Database
from services.core.migrations import MIGRATIONS


async def test_reopening_keeps_data_and_does_not_migrate_twice(tmp_path: Path):
    path = tmp_path / "bot.sqlite3"
    first = Database(path)
    await first.connect()
    await AccountRepo(first).get_or_create(42, "es")
    await first.close()

    again = Database(path)
    await again.connect()
    account = await AccountRepo(again).get(42)
    version = await again.fetch_one("PRAGMA user_version")
    mode = await again.fetch_one("PRAGMA journal_mode")
    await again.close()
    assert account is not None and account.language == "es"
    assert version[0] == len(MIGRATIONS)
    assert mode[0] == "wal"


async def test_a_failed_transaction_leaves_nothing_behind(tmp_path: Path):
    db = Database(tmp_path / "bot.sqlite3")
    await db.connect()
    try:
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO accounts (user_id, created_at, updated_at) VALUES (7, 0, 0)"
            )
            raise RuntimeError("crash in the middle")
    except RuntimeError:
        pass
    assert await AccountRepo(db).get(7) is None
    await db.close()
