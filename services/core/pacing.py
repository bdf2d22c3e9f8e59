"""Rates shared by every process on one Redis, or by this process alone: token buckets
(the broadcast pace, the per-user flood limit), pauses everybody honours (Telegram's 429)
and "at most once per period" marks. Both stores keep the same rules, so the code above
them runs the same with and without Redis.

A bucket holds up to `burst` tokens and refills at `rate` per second; `take` takes one or,
when none is left, says how long until one will be there (and takes nothing). In Redis it
is one Lua script on the server's clock: processes on machines whose clocks differ still
share one pace."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Protocol

from redis.asyncio import Redis

TAKE = """
if KEYS[2] then
    local paused = redis.call('PTTL', KEYS[2])
    if paused > 0 then
        return tostring(paused / 1000)
    end
end
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 - 1e-9 then
    tokens = math.max(0, tokens - 1)
else
    wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""

PAUSE = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
    redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 0
"""


class RateStore(Protocol):
    async def take(
        self, key: str, rate: float, burst: float, *, pause_key: str | None = None
    ) -> float:
        """Takes a token from bucket `key`: 0.0, or the seconds to wait before trying again
        (nothing taken). While `pause_key` is paused, only the rest of the pause."""
        ...

    async def pause(self, key: str, seconds: float) -> None:
        """Pauses `key` for `seconds` from now (a longer pause already on stays)."""
        ...

    async def first_in(self, key: str, seconds: float) -> bool:
        """True for the first call per `key` in `seconds`; False for the others."""
        ...


class MemoryRates:
    """This process only. Buckets that have refilled are forgotten now and then: they are
    the same as new ones."""

    MAX_KEYS = 10_000

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float, float]] = {}
        """key: (tokens, when, seconds to refill completely)."""
        self._until: dict[str, float] = {}

    async def take(
        self, key: str, rate: float, burst: float, *, pause_key: str | None = None
    ) -> float:
        now = time.monotonic()
        if pause_key is not None and (paused := self._until.get(pause_key, 0.0) - now) > 0:
            return paused
        tokens, at, _ = self._buckets.get(key, (burst, now, 0.0))
        tokens = min(burst, tokens + max(0.0, now - at) * rate)
        wait = 0.0
        if tokens >= 1 - 1e-9:
            tokens = max(0.0, tokens - 1)
        else:
            wait = (1 - tokens) / rate
        self._buckets[key] = (tokens, now, burst / rate)
        if len(self._buckets) > self.MAX_KEYS:
            self._forget(now)
        return wait

    async def pause(self, key: str, seconds: float) -> None:
        self._until[key] = max(self._until.get(key, 0.0), time.monotonic() + seconds)

    async def first_in(self, key: str, seconds: float) -> bool:
        now = time.monotonic()
        if self._until.get(key, 0.0) > now:
            return False
        self._until[key] = now + seconds
        if len(self._until) > self.MAX_KEYS:
            self._until = {k: until for k, until in self._until.items() if until > now}
        return True

    def _forget(self, now: float) -> None:
        self._buckets = {
            key: (tokens, at, full)
            for key, (tokens, at, full) in self._buckets.items()
            if now - at < full
        }


class RedisRates:
    """Every process on one Redis: one bucket per key, kept until it has refilled."""

    def __init__(self, redis: Redis, prefix: str = "rate") -> None:
        self._redis = redis
        self._prefix = prefix
        self._take = redis.register_script(TAKE)
        self._pause = redis.register_script(PAUSE)

    async def take(
        self, key: str, rate: float, burst: float, *, pause_key: str | None = None
    ) -> float:
        keys = [self._key(key)] + ([self._key(pause_key)] if pause_key is not None else [])
        wait = await self._take(keys=keys, args=[repr(rate), repr(burst)])
        return float(wait.decode() if isinstance(wait, bytes) else wait)

    async def pause(self, key: str, seconds: float) -> None:
        await self._pause(keys=[self._key(key)], args=[max(1, math.ceil(seconds * 1000))])

    async def first_in(self, key: str, seconds: float) -> bool:
        ms = max(1, math.ceil(seconds * 1000))
        return bool(await self._redis.set(self._key(key), 1, nx=True, px=ms))

    def _key(self, key: str) -> str:
        return f"{self._prefix}:{key}"


BURST_SECONDS = 0.05
"""The broadcast pace lets this much of a second's sends go at once (at least one): slack
for the senders' wake-ups, never a visible burst."""


class Pace:
    """One pace at `rate` for every sender sharing `rates`, and one pause: a sender that
    meets a 429 pauses them all. In a process one sender asks at a time (the others queue
    behind it), so a pace shared by many processes costs about one round trip a send."""

    def __init__(self, rates: RateStore, key: str = "broadcast") -> None:
        self._rates = rates
        self._bucket = f"{key}:bucket"
        self._pause = f"{key}:pause"
        self._turns = asyncio.Lock()

    async def wait_turn(self, rate: float) -> None:
        """Returns when a message may go (now, or after the pace or a pause)."""
        burst = max(1.0, rate * BURST_SECONDS)
        async with self._turns:
            while wait := await self._rates.take(self._bucket, rate, burst, pause_key=self._pause):
                await asyncio.sleep(wait)

    async def pause(self, seconds: float) -> None:
        await self._rates.pause(self._pause, seconds)
