"""Rates shared by every process on one Redis, or by this process alone: token buckets
(the broadcast pace, the per-user flood limit), pauses everybody honours (Telegram's 429)
and "at most once per period" marks. Both stores keep the same rules, so the code above
them runs the same with and without Redis.

A bucket holds up to `burst` tokens and refills at `rate` per second; `take` takes one or,
when none is left, says how long until one will be there (and takes nothing); `take_up_to`
takes as many as are there, up to a number, in the same one step. In Redis it
is one Lua script on the server's clock: processes on machines whose clocks differ still
share one pace."""

from __future__ import annotations

import asyncio
import math
import random
import time
from typing import Protocol

from redis.asyncio import Redis

TAKE = """
if KEYS[2] then
    local paused = redis.call('PTTL', KEYS[2])
    if paused > 0 then
        return '0 ' .. tostring(paused / 1000)
    end
end
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local granted = 0
local wait = 0
if tokens >= 1 - 1e-9 then
    granted = math.max(1, math.min(want, math.floor(tokens + 1e-9)))
    tokens = math.max(0, tokens - granted)
else
    wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(granted) .. ' ' .. tostring(wait)
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

    async def take_up_to(
        self, key: str, rate: float, burst: float, count: int, *, pause_key: str | None = None
    ) -> tuple[int, float]:
        """Takes between 1 and `count` tokens (as many as the bucket holds): (taken, 0.0),
        or (0, the seconds to wait) as `take` says."""
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
        return (await self.take_up_to(key, rate, burst, 1, pause_key=pause_key))[1]

    async def take_up_to(
        self, key: str, rate: float, burst: float, count: int, *, pause_key: str | None = None
    ) -> tuple[int, float]:
        now = time.monotonic()
        if pause_key is not None and (paused := self._until.get(pause_key, 0.0) - now) > 0:
            return 0, paused
        tokens, at, _ = self._buckets.get(key, (burst, now, 0.0))
        tokens = min(burst, tokens + max(0.0, now - at) * rate)
        granted, wait = 0, 0.0
        if tokens >= 1 - 1e-9:
            granted = max(1, min(count, math.floor(tokens + 1e-9)))
            tokens = max(0.0, tokens - granted)
        else:
            wait = (1 - tokens) / rate
        self._buckets[key] = (tokens, now, burst / rate)
        if len(self._buckets) > self.MAX_KEYS:
            self._forget(now)
        return granted, wait

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
        return (await self.take_up_to(key, rate, burst, 1, pause_key=pause_key))[1]

    async def take_up_to(
        self, key: str, rate: float, burst: float, count: int, *, pause_key: str | None = None
    ) -> tuple[int, float]:
        keys = [self._key(key)] + ([self._key(pause_key)] if pause_key is not None else [])
        answer = await self._take(keys=keys, args=[repr(rate), repr(burst), count])
        granted, wait = (answer.decode() if isinstance(answer, bytes) else answer).split()
        return int(granted), float(wait)

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
GRAIN_SECONDS = 0.005
"""A sender takes up to this much of a second's tokens in one step (5 at 1000/s, one below
200/s) and hands them to its next sends: one shared-store round trip per handful of
messages instead of one per message, within the burst."""


WAKE_JITTER_SECONDS = 0.001
"""Senders that wait for the same token wake up to this much apart, in a random order:
woken together in a fixed order, one of them would take every token and starve the rest."""


class Pace:
    """One pace at `rate` for every sender sharing `rates`, and one pause: a sender that
    meets a 429 pauses them all. In a process one sender asks at a time (the others queue
    behind it) and takes a grain of tokens at once, so a pace shared by many processes
    costs one round trip per grain of sends. Tokens taken are used within the grain's time
    or dropped: a pause another process meets stops this one within GRAIN_SECONDS."""

    def __init__(self, rates: RateStore, key: str = "broadcast") -> None:
        self._rates = rates
        self._bucket = f"{key}:bucket"
        self._pause = f"{key}:pause"
        self._turns = asyncio.Lock()
        self._taken = 0
        self._taken_until = 0.0

    async def wait_turn(self, rate: float) -> None:
        """Returns when a message may go (now, or after the pace or a pause)."""
        burst = max(1.0, rate * BURST_SECONDS)
        grain = max(1, min(math.floor(burst), math.floor(rate * GRAIN_SECONDS)))
        async with self._turns:
            if self._taken and time.monotonic() < self._taken_until:
                self._taken -= 1
                return
            while True:
                taken, wait = await self._rates.take_up_to(
                    self._bucket, rate, burst, grain, pause_key=self._pause
                )
                if taken:
                    break
                await asyncio.sleep(wait + random.uniform(0, WAKE_JITTER_SECONDS))
            self._taken, self._taken_until = taken - 1, time.monotonic() + grain / rate

    async def pause(self, seconds: float) -> None:
        self._taken = 0  # what this process holds goes with the pause
        await self._rates.pause(self._pause, seconds)
