"""'One post in flight per user': an in-process set, or Redis keys when several bot
processes share the work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from redis.asyncio import Redis


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
    """SET NX with an expiry, so a crashed process cannot block a user for ever."""

    def __init__(self, redis: Redis, ttl_seconds: int, prefix: str = "studio:busy") -> None:
        self._redis = redis
        self._ttl = ttl_seconds
        self._prefix = prefix

    async def acquire(self, user_id: int) -> bool:
        return bool(await self._redis.set(f"{self._prefix}:{user_id}", 1, nx=True, ex=self._ttl))

    async def release(self, user_id: int) -> None:
        await self._redis.delete(f"{self._prefix}:{user_id}")


@asynccontextmanager
async def hold(locks: UserLocks, user_id: int) -> AsyncIterator[bool]:
    """Yields False (and holds nothing) when the user already has work in flight."""
    acquired = await locks.acquire(user_id)
    try:
        yield acquired
    finally:
        if acquired:
            await locks.release(user_id)
