"""Tidings: a Redis channel on which each message names a key (a job, a hold), and the
waiters of this process for the next message naming theirs. One subscriber per process
and channel, running while anyone waits here (its connection goes back to the pool when
the last waiter leaves), so any number of waiters costs one connection.

A message only wakes its waiters, who then look at the state itself (a stream, a key):
one lost (the subscription broke) costs a waiter at most its own wait, and on a broken
subscription every waiter is woken to look again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
RESUBSCRIBE_SECONDS = 1.0


class Tidings:
    def __init__(self, redis: Redis, channel: str) -> None:
        self._redis = redis
        self.channel = channel
        self._waiting: dict[str, set[asyncio.Event]] = {}
        self._listener: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    @property
    def readers(self) -> int:
        """Waiters in this process now."""
        return sum(len(waiters) for waiters in self._waiting.values())

    async def tell(self, key: str) -> None:
        """Wakes every process's waiters of `key` (the state they look at is written
        first)."""
        await self._redis.publish(self.channel, key)

    @contextlib.asynccontextmanager
    async def watching(self, key: str) -> AsyncIterator[asyncio.Event]:
        """An event set at the next message naming `key`, from the moment this is entered
        (waiting up to a second for the subscription, so a message just after is not
        missed)."""
        news = asyncio.Event()
        self._waiting.setdefault(key, set()).add(news)
        if self._listener is None or self._listener.done():
            self._subscribed.clear()
            self._listener = asyncio.create_task(self._listen(), name=f"tidings:{self.channel}")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(RESUBSCRIBE_SECONDS):
                await self._subscribed.wait()
        try:
            yield news
        finally:
            waiters = self._waiting.get(key, set())
            waiters.discard(news)
            if not waiters:
                self._waiting.pop(key, None)

    async def _listen(self) -> None:
        while self._waiting:
            try:
                await self._relay()
            except (RedisError, OSError) as error:
                logger.warning("%s subscription lost (%r); subscribing again", self.channel, error)
                self._subscribed.clear()
                self._wake_all()  # whatever was told meanwhile, they look at it now
                await asyncio.sleep(RESUBSCRIBE_SECONDS)
        self._subscribed.clear()

    async def _relay(self) -> None:
        async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
            await pubsub.subscribe(self.channel)
            self._subscribed.set()
            while self._waiting:
                message = await pubsub.get_message(timeout=RESUBSCRIBE_SECONDS)
                if message is not None:
                    data = message["data"]
                    key = data.decode() if isinstance(data, bytes) else str(data)
                    for news in self._waiting.get(key, ()):
                        news.set()

    def _wake_all(self) -> None:
        for waiters in self._waiting.values():
            for news in waiters:
                news.set()
