"""The two databases every storage-touching test runs on: a fresh SQLite file, and a fresh
schema of the PostgreSQL at TEST_DATABASE_URL (dropped afterwards). PostgreSQL skips with
its reason when no server answers, except under CI=true, where it must run."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgresql")


@dataclass(frozen=True)
class DatabaseUnderTest:
    url: str
    schema: str | None = None

    @property
    def env(self) -> dict[str, str]:
        """The settings of a bot process on this database."""
        return {"DATABASE_URL": self.url, "DATABASE_SCHEMA": self.schema or ""}


_probed: list[str | None] = []


async def _postgresql_problem() -> str | None:
    """Why PostgreSQL cannot be used (asked once per test run), or None."""
    if not _probed:
        try:
            conn = await asyncpg.connect(TEST_DATABASE_URL, timeout=3)
            await conn.close()
            _probed.append(None)
        except (OSError, asyncpg.PostgresError, TimeoutError) as error:
            _probed.append(f"PostgreSQL at {TEST_DATABASE_URL} is unreachable: {error}")
    return _probed[0]


async def require_postgresql() -> None:
    problem = await _postgresql_problem()
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{problem} (required under CI)")
    pytest.skip(problem)


async def drop_schema(schema: str) -> None:
    conn = await asyncpg.connect(TEST_DATABASE_URL)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        await conn.close()


async def database_for(backend: str, folder: Path) -> AsyncIterator[DatabaseUnderTest]:
    if backend == "sqlite":
        yield DatabaseUnderTest(f"sqlite:///{folder / 'bot.sqlite3'}")
        return
    await require_postgresql()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    try:
        yield DatabaseUnderTest(TEST_DATABASE_URL, schema)
    finally:
        await drop_schema(schema)
