"""Who leads: the one process that runs the scheduler and the sweeper. With Redis a lease
(`SET key token NX PX ttl`), renewed by its holder only while the value is still its own
token and given back the same way, so a process that stalled past the lease can neither
renew nor delete the lease another process took since. In process: always the leader."""

from __future__ import annotations

import math
import uuid
from typing import Protocol

from redis.asyncio import Redis

LEASE_KEY = "leader:scheduler"

# Extends the lease only if it is still ours (it may have expired and been taken since).
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# Deletes the lease only if it is still ours.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class LeaderLease(Protocol):
    ttl: float
    """Seconds a lease lasts unless renewed."""

    async def acquire(self) -> bool:
        """Takes the lease if nobody holds it (True also if this process already does)."""
        ...

    async def renew(self) -> bool:
        """Extends the lease by `ttl`; False if it is no longer ours."""
        ...

    async def release(self) -> None:
        """Gives the lease back at once, if it is still ours."""
        ...


class LocalLease:
    """One process, no Redis: it is always the leader."""

    def __init__(self, ttl: float = 30.0) -> None:
        self.ttl = ttl

    async def acquire(self) -> bool:
        return True

    async def renew(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class RedisLease:
    def __init__(
        self, redis: Redis, *, ttl: float, key: str = LEASE_KEY, token: str | None = None
    ) -> None:
        self.ttl = ttl
        self.key = key
        self.token = token or uuid.uuid4().hex
        """This holder's mark in the lease: unique per process (and per start)."""
        self._redis = redis
        self._renew = redis.register_script(RENEW)
        self._release = redis.register_script(RELEASE)

    @property
    def _ms(self) -> int:
        return max(1, math.ceil(self.ttl * 1000))

    async def acquire(self) -> bool:
        if await self._redis.set(self.key, self.token, nx=True, px=self._ms):
            return True
        return await self.renew()  # ours already (a second acquire renews it)

    async def renew(self) -> bool:
        return bool(await self._renew(keys=[self.key], args=[self.token, self._ms]))

    async def release(self) -> None:
        await self._release(keys=[self.key], args=[self.token])

    async def holder(self) -> str | None:
        """The token of whoever holds the lease now (None: nobody)."""
        value = await self._redis.get(self.key)
        return value.decode() if isinstance(value, bytes) else value
