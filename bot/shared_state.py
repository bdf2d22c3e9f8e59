"""State several processes must share: in Redis when `REDIS_URL` is set, else in this
process (one process is then the whole bot). Connecting also installs this process's
metrics observer (bot/metrics.py), whose counters Prometheus sums over the processes."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import cast

from redis.asyncio import ConnectionPool, Redis

from bot import metrics
from bot.config import Settings
from services.core.stops import MemoryStops, RedisStops, StopSignals
from services.cosmic.cache import ImageCache, MemoryImageCache, RedisImageCache
from services.infra.leader import LeaderLease, LocalLease, RedisLease
from services.infra.locks import (
    KeyLocks,
    MemoryKeyLocks,
    MemoryUserLocks,
    RedisKeyLocks,
    RedisUserLocks,
    UserLocks,
)
from services.infra.pacing import MemoryRates, RateStore, RedisRates
from services.infra.redis_pool import client_name, connect_redis
from services.studio.board import JobBoard, MemoryJobBoard, RedisJobBoard


@dataclass
class SharedState:
    redis: Redis | None = None
    rates: RateStore = field(default_factory=MemoryRates)
    """Token buckets and pauses: the broadcast pace, the flood limit."""
    lease: LeaderLease = field(default_factory=LocalLease)
    """Who runs the scheduler and the sweeper."""
    locks: UserLocks = field(default_factory=MemoryUserLocks)
    """One generation in flight per user."""
    key_locks: KeyLocks = field(default_factory=MemoryKeyLocks)
    """Short named locks: one sender uploads each push image."""
    images: ImageCache = field(default_factory=MemoryImageCache)
    """The shared daily images."""
    board: JobBoard = field(default_factory=MemoryJobBoard)
    """The Mini App's studio jobs and their events."""
    stops: StopSignals = field(default_factory=MemoryStops)
    """Stop requests for runs in flight (the chat's Stop button, the Mini App's)."""

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()


async def open_connections(pool: ConnectionPool, count: int) -> None:
    """Opens `count` of the pool's connections now (pings at once each take one): each
    costs a few round trips (connect, HELLO, the client's name), which a burst of updates
    on a cold pool waits for."""
    client = Redis(connection_pool=pool)  # the pool's own: nothing to close here
    pings = (cast(Awaitable[bool], client.ping()) for _ in range(count))
    answers = await asyncio.gather(*pings, return_exceptions=True)
    if failed := next((a for a in answers if isinstance(a, BaseException)), None):
        raise failed


def connect_shared_state(settings: Settings, owner: str = "bot") -> SharedState:
    """`owner` (the process's incarnation) names its connections in Redis's CLIENT LIST."""
    metrics.install()
    if not settings.redis_url:
        return SharedState(lease=LocalLease(settings.leader_lease_seconds))
    redis = connect_redis(
        settings.redis_url,
        max_connections=settings.redis_max_connections,
        idle_seconds=settings.redis_idle_seconds,
        client_name=client_name(owner, "shared"),
    )
    # A crashed run's lock expires by the time the sweep refunds its hold.
    lock_ttl = math.ceil(settings.generation_timeout + settings.sweep_margin)
    return SharedState(
        redis=redis,
        rates=RedisRates(redis),
        lease=RedisLease(redis, ttl=settings.leader_lease_seconds),
        locks=RedisUserLocks(redis, ttl_seconds=lock_ttl),
        key_locks=RedisKeyLocks(redis),
        images=RedisImageCache(redis),
        board=RedisJobBoard(redis),
        stops=RedisStops(redis),
    )
