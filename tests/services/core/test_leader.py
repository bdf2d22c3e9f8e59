"""The leader lease against the real Redis server, and in process: one leader at a time,
another within the lease time after it dies, its duties started and stopped to match."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis

from bot.duties.leadership import Leadership
from services.infra.leader import LocalLease, RedisLease


class Clock:
    """A duty that notes when it runs (what the scheduler and the sweeper would do)."""

    def __init__(self) -> None:
        self.running = False
        self.starts = 0
        self.stops = 0

    async def start(self) -> None:
        self.running = True
        self.starts += 1

    async def stop(self) -> None:
        self.running = False
        self.stops += 1


@pytest.fixture
async def clients(redis_url: str) -> AsyncIterator[tuple[Redis, Redis]]:
    """Two connections, as two processes would have."""
    first, second = Redis.from_url(redis_url), Redis.from_url(redis_url)
    yield first, second
    await first.aclose()
    await second.aclose()


async def wait_until(condition: Callable[[], bool], timeout: float) -> float:
    """Seconds until `condition()` held (fails after `timeout`)."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "timed out"
        await asyncio.sleep(0.01)
    return time.monotonic() - started


async def test_two_leases_on_one_redis_make_exactly_one_leader(clients):
    first, second = RedisLease(clients[0], ttl=5), RedisLease(clients[1], ttl=5)
    assert await first.acquire() is True
    assert await second.acquire() is False
    assert await first.acquire() is True  # ours already: renewed
    assert await first.renew() is True and await second.renew() is False
    await second.release()  # not its lease: nothing happens
    assert await first.holder() == first.token
    await first.release()
    assert await first.holder() is None
    assert await second.acquire() is True


async def test_a_holder_that_outlived_its_lease_cannot_renew_or_release_the_next_one(clients):
    stale, fresh = RedisLease(clients[0], ttl=0.2), RedisLease(clients[1], ttl=5)
    assert await stale.acquire()
    await asyncio.sleep(0.3)  # stalled past its lease
    assert await fresh.acquire()
    assert await stale.renew() is False
    await stale.release()
    assert await fresh.holder() == fresh.token
    assert 4000 < await clients[0].pttl(fresh.key) <= 5000


async def test_when_the_leader_dies_the_other_leads_within_the_lease_time(clients):
    ttl = 1.0
    clocks = Clock(), Clock()
    first = Leadership(RedisLease(clients[0], ttl=ttl), [clocks[0]])
    second = Leadership(RedisLease(clients[1], ttl=ttl), [clocks[1]])
    await first.start()
    await second.start()
    try:
        assert first.leading and not second.leading
        assert clocks[0].running and not clocks[1].running
        await asyncio.sleep(2 * ttl)  # renewed all along: the lead stays where it is
        assert first.leading and not second.leading and not clocks[1].running
        # Death: the renewals stop, nothing is released, nothing stops.
        assert first._task is not None
        first._task.cancel()
        taken_over = await wait_until(lambda: clocks[1].running, 3 * ttl)
        # The lease runs out at most `ttl` after the last renewal; the other tries every
        # third of it.
        assert taken_over <= ttl * 4 / 3 + 0.2
        assert second.leading and clocks[1].starts == 1
    finally:
        await second.stop()
    assert not clocks[1].running and clocks[1].stops == 1
    assert await RedisLease(clients[0], ttl=ttl).acquire()  # given back at stop, not expired


async def test_a_leader_that_stops_hands_over_at_once(clients):
    clocks = Clock(), Clock()
    first = Leadership(RedisLease(clients[0], ttl=30), [clocks[0]], every=0.05)
    second = Leadership(RedisLease(clients[1], ttl=30), [clocks[1]], every=0.05)
    await first.start()
    await second.start()
    try:
        await first.stop()  # releases: no waiting for 30 s
        assert not clocks[0].running and clocks[0].stops == 1
        await wait_until(lambda: clocks[1].running, 1)
    finally:
        await second.stop()


async def test_a_leader_that_cannot_reach_redis_steps_down_before_its_lease_ends():
    unreachable = Redis.from_url("redis://127.0.0.1:1/0")  # nothing listens on port 1
    clock = Clock()
    leadership = Leadership(RedisLease(unreachable, ttl=1), [clock])
    try:
        await leadership.start()
        assert not leadership.leading and not clock.running  # never led
    finally:
        await leadership.stop()
        await unreachable.aclose()


async def test_in_process_the_only_process_is_the_leader():
    clock = Clock()
    leadership = Leadership(LocalLease(ttl=0.3), [clock])
    await leadership.start()
    assert leadership.leading and clock.running
    await asyncio.sleep(0.5)  # renewals change nothing
    assert clock.starts == 1
    await leadership.stop()
    assert not clock.running and clock.stops == 1


class FreezingProxy:
    """A TCP proxy to Redis that can stop answering without closing its connections, as a
    Redis behind a dead network path does."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.frozen = asyncio.Event()
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []
        self.pipes: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.writers += [writer, up_writer]
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self.pipes.add(task)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        while data := await source.read(65536):
            if not self.frozen.is_set():  # frozen: swallow everything, close nothing
                sink.write(data)
                await sink.drain()

    async def close(self) -> None:
        for task in self.pipes:
            task.cancel()
        await asyncio.gather(*self.pipes, return_exceptions=True)
        for writer in self.writers:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def test_a_leader_whose_redis_stops_answering_steps_down(redis_url: str):
    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    proxy = FreezingProxy(port)
    silent = Redis.from_url(redis_url.replace(f":{port}", f":{await proxy.start()}"))
    clock = Clock()
    leadership = Leadership(RedisLease(silent, ttl=0.9), [clock])
    try:
        await leadership.start()
        assert leadership.leading and clock.running
        proxy.frozen.set()  # connections stay open; nothing comes back
        await wait_until(lambda: not clock.running, timeout=0.9 + 0.5)
        assert not leadership.leading
    finally:
        await leadership.stop()
        await proxy.close()
        await silent.aclose()
