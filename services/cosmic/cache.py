"""The shared image cache: each date's image of each sign, made once and reused by
everyone until no time zone is on that date any more, and identical personal requests,
until the next midnight in BOT_TIMEZONE. In process by default, in Redis when REDIS_URL is
set, so several bot processes share it."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from datetime import time as clock_time
from typing import Protocol

from redis.asyncio import Redis

LAST_ZONE = timezone(timedelta(hours=-12))
"""UTC−12: the last time zone to finish a date (36 hours after UTC+14 reached it)."""
DATE_GRACE = timedelta(hours=1)
"""A push run still sending when the date ends keeps finding its image."""


def date_expiry(day: date) -> float:
    """When a date's shared images may go: once the date is over in UTC−12 (midnight there
    is 12:00 UTC of the next day), plus DATE_GRACE."""
    midnight = datetime.combine(day + timedelta(days=1), clock_time(0), tzinfo=LAST_ZONE)
    return (midnight + DATE_GRACE).timestamp()


@dataclass(frozen=True, slots=True)
class CachedImage:
    path: str
    """Relative to MEDIA_DIR."""
    prompt: str
    provider: str
    model: str
    quality: str
    cost_usd: float = 0.0
    file_id: str | None = None
    """Telegram's id for the uploaded photo: later sends upload nothing."""


class ImageCache(Protocol):
    async def get(self, key: str) -> CachedImage | None: ...

    async def peek(self, key: str) -> CachedImage | None:
        """`get` without counting a hit or a miss (a sender waiting for a file_id)."""
        ...

    async def put(self, key: str, entry: CachedImage, expires_at: float) -> None: ...

    async def set_file_id(self, key: str, file_id: str) -> None: ...

    async def stats(self) -> tuple[int, int]:
        """(hits, misses) since the counters began."""
        ...

    async def purge(self) -> int:
        """Drops expired entries; returns how many."""
        ...


class MemoryImageCache:
    def __init__(self) -> None:
        self._entries: dict[str, tuple[CachedImage, float]] = {}
        self._hits = self._misses = 0

    async def get(self, key: str) -> CachedImage | None:
        found = self._entries.get(key)
        if found is None or found[1] <= time.time():
            self._entries.pop(key, None)
            self._misses += 1
            return None
        self._hits += 1
        return found[0]

    async def peek(self, key: str) -> CachedImage | None:
        found = self._entries.get(key)
        return found[0] if found is not None and found[1] > time.time() else None

    async def put(self, key: str, entry: CachedImage, expires_at: float) -> None:
        self._entries[key] = (entry, expires_at)

    async def set_file_id(self, key: str, file_id: str) -> None:
        found = self._entries.get(key)
        if found is not None:
            self._entries[key] = (
                CachedImage(**{**asdict(found[0]), "file_id": file_id}),
                found[1],
            )

    async def stats(self) -> tuple[int, int]:
        return self._hits, self._misses

    async def purge(self) -> int:
        now = time.time()
        expired = [key for key, (_, until) in self._entries.items() if until <= now]
        for key in expired:
            del self._entries[key]
        return len(expired)


class RedisImageCache:
    PREFIX = "cosmic:cache:"

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def get(self, key: str) -> CachedImage | None:
        raw = await self._redis.get(self.PREFIX + key)
        await self._redis.incr(f"{self.PREFIX}{'hits' if raw else 'misses'}")
        return CachedImage(**json.loads(raw)) if raw else None

    async def peek(self, key: str) -> CachedImage | None:
        raw = await self._redis.get(self.PREFIX + key)
        return CachedImage(**json.loads(raw)) if raw else None

    async def put(self, key: str, entry: CachedImage, expires_at: float) -> None:
        ttl = max(1, int(expires_at - time.time()))
        await self._redis.set(self.PREFIX + key, json.dumps(asdict(entry)), ex=ttl)

    async def set_file_id(self, key: str, file_id: str) -> None:
        raw = await self._redis.get(self.PREFIX + key)
        if raw is None:
            return
        entry = {**json.loads(raw), "file_id": file_id}
        await self._redis.set(self.PREFIX + key, json.dumps(entry), keepttl=True)

    async def stats(self) -> tuple[int, int]:
        hits, misses = await self._redis.mget(self.PREFIX + "hits", self.PREFIX + "misses")
        return int(hits or 0), int(misses or 0)

    async def purge(self) -> int:
        return 0  # Redis expires entries itself (every entry is set with its TTL)
