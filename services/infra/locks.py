"""'One post in flight per user': an in-process set, or Redis keys when several bot
processes share the work; and short named locks (KeyLocks), in process or in Redis."""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from redis.asyncio import Redis

from services.infra.patience import UNREACHED, patiently

logger = logging.getLogger(__name__)


class UserLocks(Protocol):
    async def acquire(self, user_id: int) -> bool: ...

    async def release(self, user_id: int) -> None: ...


class MemoryUserLocks:
    def __init__(self) -> None:
        self._held: set[int] = set()

    async def acquire(self, user_id: int) -> bool:
        if user_id in self._held:
            return False
        self._held.add(user_id)
        return True

    async def release(self, user_id: int) -> None:
        self._held.discard(user_id)


class RedisUserLocks:
    """SET NX with an expiry, so a crashed process cannot block a user for ever. A release
    outlasts a short Redis outage (tried again for a while); one that still cannot reach
    Redis is logged, and the lock expires by itself."""

    def __init__(self, redis: Redis, ttl_seconds: int, prefix: str = "studio:busy") -> None:
        self._redis = redis
        self._ttl = ttl_seconds
        self._prefix = prefix

    async def acquire(self, user_id: int) -> bool:
        return bool(await self._redis.set(f"{self._prefix}:{user_id}", 1, nx=True, ex=self._ttl))

    async def release(self, user_id: int) -> None:
        key = f"{self._prefix}:{user_id}"
        try:
            await patiently(lambda: self._redis.delete(key), f"releasing {key}")
        except UNREACHED as error:
            logger.warning("%s not released (it expires in %d s): %s", key, self._ttl, error)


@asynccontextmanager
async def hold(locks: UserLocks, user_id: int) -> AsyncIterator[bool]:
    """Yields False (and holds nothing) when the user already has work in flight."""
    acquired = await locks.acquire(user_id)
    try:
        yield acquired
    finally:
        if acquired:
            await locks.release(user_id)


class KeyLocks(Protocol):
    """Short named locks (a sender's upload of a push image): held by one holder at a time,
    for at most the seconds asked, so a holder that died frees them by itself."""

    async def acquire(self, key: str, seconds: float) -> str | None:
        """The holder's token if `key` was free (it is now held), else None."""
        ...

    async def release(self, key: str, token: str) -> None:
        """Frees `key` if it is still held with `token` (not once it expired and was taken)."""
        ...


class MemoryKeyLocks:
    def __init__(self) -> None:
        self._held: dict[str, tuple[str, float]] = {}

    async def acquire(self, key: str, seconds: float) -> str | None:
        now = time.monotonic()
        held = self._held.get(key)
        if held is not None and held[1] > now:
            return None
        token = uuid.uuid4().hex
        self._held[key] = (token, now + seconds)
        return token

    async def release(self, key: str, token: str) -> None:
        held = self._held.get(key)
        if held is not None and held[0] == token:
            del self._held[key]


# Deletes the lock only if it is still the caller's.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisKeyLocks:
    """SET NX PX with a token per holder; released by a compare-and-delete script (tried
    again through a short Redis outage; then left to expire)."""

    def __init__(self, redis: Redis, prefix: str = "lock") -> None:
        self._redis = redis
        self._prefix = prefix
        self._release = redis.register_script(_RELEASE)

    async def acquire(self, key: str, seconds: float) -> str | None:
        token = uuid.uuid4().hex
        ms = max(1, math.ceil(seconds * 1000))
        taken = await self._redis.set(f"{self._prefix}:{key}", token, nx=True, px=ms)
        return token if taken else None

    async def release(self, key: str, token: str) -> None:
        name = f"{self._prefix}:{key}"
        try:
            await patiently(lambda: self._release(keys=[name], args=[token]), f"releasing {name}")
        except UNREACHED as error:
            logger.warning("%s not released (it expires by itself): %s", name, error)
