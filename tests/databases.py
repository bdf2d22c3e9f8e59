"""The two databases every storage-touching test runs on: a fresh SQLite file, and a fresh
schema of the PostgreSQL at TEST_DATABASE_URL (dropped afterwards). PostgreSQL skips with
its reason when no server answers, except under CI=true, where it must run."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest

TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgresql")
T = TypeVar("T")


@dataclass(frozen=True)
class DatabaseUnderTest:
    url: str
    schema: str | None = None

    @property
    def env(self) -> dict[str, str]:
        """The settings of a bot process on this database."""
        return {"DATABASE_URL": self.url, "DATABASE_SCHEMA": self.schema or ""}


def _in_a_thread(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Runs a coroutine to its end on a loop of its own (the fixtures that need PostgreSQL
    serve sync tests, which may run a loop of theirs, and async ones)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work()).result()


@cache
def _postgresql_problem() -> str | None:
    """Why PostgreSQL cannot be used (asked once per test run), or None."""

    async def probe() -> None:
        conn = await asyncpg.connect(TEST_DATABASE_URL, timeout=3)
        await conn.close()

    try:
        _in_a_thread(probe)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return f"PostgreSQL at {TEST_DATABASE_URL} is unreachable: {error}"
    return None


def require_postgresql() -> None:
    problem = _postgresql_problem()
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{problem} (required under CI)")
    pytest.skip(problem)


def drop_schema(schema: str) -> None:
    async def drop() -> None:
        conn = await asyncpg.connect(TEST_DATABASE_URL)
        try:
            await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        finally:
            await conn.close()

    _in_a_thread(drop)


def database_for(backend: str, folder: Path) -> Iterator[DatabaseUnderTest]:
    if backend == "sqlite":
        yield DatabaseUnderTest(f"sqlite:///{folder / 'bot.sqlite3'}")
        return
    require_postgresql()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    try:
        yield DatabaseUnderTest(TEST_DATABASE_URL, schema)
    finally:
        drop_schema(schema)
