"""Event streams at scale on a real Redis: any number of followers in one process cost a
handful of Redis connections (one subscriber hands the news to every reader), a broken
subscription loses no event, and the process's pool has a ceiling and gives idle
connections back."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from services.infra.redis_pool import IdleDropper, ShrinkingPool, connect_redis
from services.studio.board import RedisJobBoard

FOLLOWERS = 500


async def named_clients(admin: Redis, name: str) -> list[dict[str, Any]]:
    return [c for c in await admin.client_list() if c.get("name") == name]


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "not within the time"
        await asyncio.sleep(0.05)


@pytest.fixture
async def admin(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def name() -> str:
    """The client name of the process under test (this test's own, among the other
    workers' clients on the shared server)."""
    return f"fanout-{secrets.token_hex(4)}"


@pytest.fixture
async def process(redis_url: str, name: str) -> AsyncIterator[Redis]:
    """The web process's Redis client, as bot/shared_state.py makes it, idle connections
    closed after half a second."""
    client = connect_redis(redis_url, max_connections=32, idle_seconds=0.5, client_name=name)
    pool = client.connection_pool
    assert isinstance(pool, ShrinkingPool)
    dropper = IdleDropper([pool])
    dropper.start()
    yield client
    await dropper.stop()
    await client.aclose()


async def test_500_followers_on_one_process_hold_a_handful_of_redis_connections(
    admin: Redis, process: Redis, name: str
):
    writer, reader = RedisJobBoard(admin), RedisJobBoard(process)
    jobs = [f"job{n}" for n in range(FOLLOWERS)]
    for job in jobs:
        await writer.create(job, 7, 1, 1000.0)
    cursors = {job: (await reader.after(job, "", 0)).cursor for job in jobs}

    waiting = [asyncio.create_task(reader.after(job, cursors[job], 20.0)) for job in jobs]
    await until(lambda: _true(reader.news.readers == FOLLOWERS))
    # their first reads' connections are given back once idle for 0.5 s
    deadline = time.monotonic() + 10
    while (held := len(await named_clients(admin, name))) > 2:
        assert time.monotonic() < deadline, f"{held} Redis connections for {FOLLOWERS} followers"
        await asyncio.sleep(0.05)
    assert all(not w.done() for w in waiting)  # nothing written yet: all of them wait

    for job in jobs:
        await writer.emit(job, {"status": "text_ready", "job": job})
    batches = await asyncio.wait_for(asyncio.gather(*waiting), 20)
    assert [b.events for b in batches] == [[{"status": "text_ready", "job": j}] for j in jobs]
    assert len(await named_clients(admin, name)) <= 32  # the pool's ceiling, never more

    # the subscriber leaves with the last reader, the idle pool closes after 0.5 s
    await until(lambda: _none(named_clients(admin, name)))
    pool = process.connection_pool
    assert isinstance(pool, ShrinkingPool) and pool.open_count == 0


async def test_a_broken_subscription_loses_no_event(admin: Redis, process: Redis, name: str):
    writer, reader = RedisJobBoard(admin), RedisJobBoard(process)
    await writer.create("j", 7, 1, 1000.0)
    first = await reader.after("j", "", 0)
    waiting = asyncio.create_task(reader.after("j", first.cursor, 30.0))
    await until(lambda: _true(reader.news.readers == 1))
    await asyncio.sleep(0.2)
    [subscriber] = [c for c in await named_clients(admin, name) if int(c["sub"]) == 1]
    await admin.client_kill_filter(_id=subscriber["id"])
    await writer.emit("j", {"status": "done"})  # announced while nobody listens
    batch = await asyncio.wait_for(waiting, 5)  # not the 30 s wait: the reader re-reads
    assert batch.events == [{"status": "done"}]


async def test_the_pool_has_a_ceiling(redis_url: str, admin: Redis, name: str):
    client = connect_redis(
        redis_url, max_connections=2, idle_seconds=60, wait_seconds=5, client_name=name
    )
    try:
        started = time.monotonic()
        # three commands that each hold a connection for 0.4 s: the third waits its turn
        await asyncio.gather(*(client.blpop([f"empty{n}"], timeout=0.4) for n in range(3)))
        assert time.monotonic() - started >= 0.75
        assert len(await named_clients(admin, name)) == 2
    finally:
        await client.aclose()


async def _true(value: bool) -> bool:
    return value


async def _none(found: Awaitable[list[Any]]) -> bool:
    return not await found
