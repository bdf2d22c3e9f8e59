from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.storage.accounts import AccountRepo, LedgerRepo
from services.storage.db import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "test.sqlite3")
    await database.connect()
    yield database
    await database.close()


@pytest.fixture
def accounts(db: Database) -> AccountRepo:
    return AccountRepo(db)


@pytest.fixture
def ledger_repo(db: Database) -> LedgerRepo:
    return LedgerRepo(db)
