"""Stop requests for runs in flight, by the key of what they hold ("tokens:<hold id>",
"use:<weekly use id>"): a person's Stop reaches the run on whichever process or worker
holds it. A request is kept for an hour, so a run that starts (or resumes) after it stops
at once. In Redis when
`REDIS_URL` is set (a key per request, and the tidings channel that wakes the run's
process), else in this process."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Protocol, TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.infra.tidings import Tidings

KEEP = 3600
"""Seconds a stop request is remembered."""
RECHECK_SECONDS = 5.0
"""A watching run looks at its request this often even without a message (one lost)."""
CHANNEL = "bot:stops"
T = TypeVar("T")


def hold_key(reservation_id: int) -> str:
    return f"tokens:{reservation_id}"


def use_key(use_id: int) -> str:
    return f"use:{use_id}"


class Stopped(Exception):
    """The person asked the run to stop before its result was shown."""


class StopSignals(Protocol):
    async def request(self, key: str) -> None:
        """Asks the run holding `key` to stop (now, or as soon as it starts)."""

    def watching(self, key: str) -> contextlib.AbstractAsyncContextManager[asyncio.Event]:
        """An event set once a stop of `key` is requested (at once if it was already)."""


class MemoryStops:
    def __init__(self) -> None:
        self._requested: dict[str, float] = {}
        self._waiting: dict[str, set[asyncio.Event]] = {}

    async def request(self, key: str) -> None:
        now = time.monotonic()
        self._requested = {k: at for k, at in self._requested.items() if at > now - KEEP}
        self._requested[key] = now
        for stopped in self._waiting.get(key, ()):
            stopped.set()

    @contextlib.asynccontextmanager
    async def watching(self, key: str) -> AsyncIterator[asyncio.Event]:
        stopped = asyncio.Event()
        if key in self._requested:
            stopped.set()
        self._waiting.setdefault(key, set()).add(stopped)
        try:
            yield stopped
        finally:
            waiters = self._waiting.get(key, set())
            waiters.discard(stopped)
            if not waiters:
                self._waiting.pop(key, None)


class RedisStops:
    PREFIX = "bot:stop:"

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._tidings = Tidings(redis, CHANNEL)

    async def request(self, key: str) -> None:
        await self._redis.set(f"{self.PREFIX}{key}", 1, ex=KEEP)
        await self._tidings.tell(key)

    @contextlib.asynccontextmanager
    async def watching(self, key: str) -> AsyncIterator[asyncio.Event]:
        stopped = asyncio.Event()
        async with self._tidings.watching(key) as news:
            looking = asyncio.create_task(self._look(key, news, stopped), name=f"stop:{key}")
            try:
                yield stopped
            finally:
                looking.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await looking

    async def _look(self, key: str, news: asyncio.Event, stopped: asyncio.Event) -> None:
        while True:
            with contextlib.suppress(RedisError, OSError):  # a Redis away: look again later
                if await self._redis.exists(f"{self.PREFIX}{key}"):
                    stopped.set()
                    return
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(RECHECK_SECONDS):
                    await news.wait()
            news.clear()


async def unless_stopped(work: Awaitable[T], stop: asyncio.Event | None) -> T:
    """`work`'s result, or Stopped (the work cancelled: its provider calls abandoned) as
    soon as `stop` is set."""
    if stop is None:
        return await work
    if stop.is_set():
        if asyncio.iscoroutine(work):
            work.close()
        raise Stopped
    working = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({working, stopping}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        working.cancel()  # the run itself is cancelled: nothing of it may go on
        raise
    finally:
        stopping.cancel()
    if working.done():
        return working.result()
    working.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await working
    raise Stopped
