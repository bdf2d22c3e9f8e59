"""The Mini App's studio jobs as every process sees them: the job's owner and hold, and its
events in order (queued → text_ready → image_ready → done, or failed). The worker that
makes the post writes them; whichever web process a browser reaches reads and follows
them. In Redis when `REDIS_URL` is set (a stream per job; each event is also announced on
one channel, which a single subscriber per process hands to the readers waiting there,
so any number of followers costs that one connection), else in this process (one process
is then the whole bot).

Once a job has ended (done or failed), nothing more is added: a late writer (a job
delivered twice, or a stale check racing the worker) cannot change the outcome shown."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from redis.asyncio import Redis

from services.core.jobs import JobQueue, QueuedJob
from services.infra.tidings import Tidings

FINAL = frozenset({"done", "failed"})
KEEP = 3600
"""Seconds a job stays readable after its last event."""
IMAGE_KEEP = 900
"""Seconds the picture stays readable between "image ready" and the stored post."""

Event = dict[str, Any]


@dataclass(frozen=True, slots=True)
class BoardJob:
    """A job as it stands: who asked, for which hold (made at `held_at`), and what has
    happened so far."""

    id: str
    user_id: int
    reservation_id: int
    held_at: float
    events: tuple[Event, ...]

    @property
    def status(self) -> str:
        return str(self.events[-1]["status"]) if self.events else "queued"

    @property
    def finished(self) -> bool:
        return self.status in FINAL

    @property
    def action(self) -> str | None:
        """The action on a delivered post this job is (services/studio/post_actions.py);
        None: a post."""
        action = self.events[0].get("action") if self.events else None
        return str(action) if action is not None else None

    def latest(self, status: str) -> Event | None:
        return next((e for e in reversed(self.events) if e["status"] == status), None)


@dataclass(frozen=True, slots=True)
class Batch:
    """The events after a cursor, and the cursor to read on from."""

    events: list[Event]
    cursor: str


class JobBoard(Protocol):
    async def create(
        self,
        job_id: str,
        user_id: int,
        reservation_id: int,
        held_at: float,
        queued: Event | None = None,
    ) -> None:
        """Opens the job with its first event, "queued" (with what `queued` adds: an action
        on a delivered post says which, and its price)."""

    async def emit(self, job_id: str, event: Event) -> bool:
        """Adds `event` (with its "status"); False when the job has ended or is unknown."""

    async def get(self, job_id: str) -> BoardJob | None: ...

    async def after(self, job_id: str, cursor: str, wait: float) -> Batch:
        """The events after `cursor` ("" = from the first), waiting up to `wait` seconds
        for one when there are none yet."""

    async def put_image(self, job_id: str, png: bytes) -> None: ...

    async def image(self, job_id: str) -> bytes | None: ...


@runtime_checkable
class OnBoard(Protocol):
    """A Mini App job: its owner, its hold (None: a free one) and when it was made."""

    @property
    def job_id(self) -> str: ...

    @property
    def user_id(self) -> int: ...

    @property
    def reservation_id(self) -> int | None: ...

    @property
    def held_at(self) -> float: ...


class BoardedQueue:
    """The queue, with a Mini App job put on the board first (so a follower can never ask
    for a job the board does not know); `queued` is what its first event adds."""

    def __init__(self, queue: JobQueue, board: JobBoard, queued: Event | None = None) -> None:
        self._queue, self._board, self._queued = queue, board, queued

    async def enqueue(self, job: QueuedJob) -> None:
        if isinstance(job, OnBoard):
            await self._board.create(
                job.job_id, job.user_id, job.reservation_id or 0, job.held_at, self._queued
            )
        await self._queue.enqueue(job)


@dataclass
class _Kept:
    job: BoardJob
    touched: float = field(default_factory=time.monotonic)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    image: bytes | None = None


class MemoryJobBoard:
    def __init__(self) -> None:
        self._jobs: dict[str, _Kept] = {}

    async def create(
        self,
        job_id: str,
        user_id: int,
        reservation_id: int,
        held_at: float,
        queued: Event | None = None,
    ) -> None:
        self._forget_old()
        first = {**(queued or {}), "status": "queued"}
        job = BoardJob(job_id, user_id, reservation_id, held_at, (first,))
        self._jobs[job_id] = _Kept(job)

    async def emit(self, job_id: str, event: Event) -> bool:
        kept = self._jobs.get(job_id)
        if kept is None or kept.job.finished:
            return False
        job = kept.job
        kept.job = BoardJob(
            job.id, job.user_id, job.reservation_id, job.held_at, (*job.events, event)
        )
        kept.touched = time.monotonic()
        kept.changed.set()
        kept.changed = asyncio.Event()
        if kept.job.finished:
            kept.image = None  # the stored post has the picture now
        return True

    async def get(self, job_id: str) -> BoardJob | None:
        kept = self._jobs.get(job_id)
        return kept.job if kept is not None else None

    async def after(self, job_id: str, cursor: str, wait: float) -> Batch:
        kept = self._jobs.get(job_id)
        if kept is None:
            return Batch([], cursor)
        seen = int(cursor or 0)
        if seen >= len(kept.job.events) and not kept.job.finished:
            waiting = kept.changed
            # asyncio.timeout, not wait_for: Python 3.11's wait_for loses a cancellation
            # that comes as the event is set (a reader that left would read on).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await waiting.wait()
        events = list(kept.job.events[seen:])
        return Batch(events, str(seen + len(events)))

    async def put_image(self, job_id: str, png: bytes) -> None:
        if (kept := self._jobs.get(job_id)) is not None:
            kept.image = png

    async def image(self, job_id: str) -> bytes | None:
        kept = self._jobs.get(job_id)
        return kept.image if kept is not None else None

    def _forget_old(self) -> None:
        cutoff = time.monotonic() - KEEP
        for key in [k for k, kept in self._jobs.items() if kept.touched < cutoff]:
            del self._jobs[key]


NEWS = "bot:appjob:news"
"""The channel that names each job as an event is added to it."""

# Appends an event unless the job is unknown (expired) or its last event was final, and
# names the job on the news channel.
# KEYS: meta hash, event stream; ARGV: status, event JSON, 1 if final, seconds to keep,
# the channel, the job id.
_EMIT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'final') == '1' then return 0 end
redis.call('XADD', KEYS[2], '*', 's', ARGV[1], 'e', ARGV[2])
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'final', '1') end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1
"""


class RedisJobBoard:
    PREFIX = "bot:appjob:"

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._emit = redis.register_script(_EMIT)
        self.news = Tidings(redis, NEWS)

    def _keys(self, job_id: str) -> tuple[str, str, str]:
        base = f"{self.PREFIX}{job_id}"
        return f"{base}:meta", f"{base}:events", f"{base}:png"

    async def create(
        self,
        job_id: str,
        user_id: int,
        reservation_id: int,
        held_at: float,
        queued: Event | None = None,
    ) -> None:
        meta, events, _ = self._keys(job_id)
        fields = {"user_id": user_id, "reservation_id": reservation_id, "held_at": held_at}
        first = json.dumps({**(queued or {}), "status": "queued"}, ensure_ascii=False)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(meta, mapping=fields)
            pipe.xadd(events, {"s": "queued", "e": first})
            pipe.expire(meta, KEEP)
            pipe.expire(events, KEEP)
            await pipe.execute()

    async def emit(self, job_id: str, event: Event) -> bool:
        meta, events, _ = self._keys(job_id)
        status = str(event["status"])
        data = json.dumps(event, ensure_ascii=False)
        final = "1" if status in FINAL else "0"
        added = await self._emit(
            keys=[meta, events], args=[status, data, final, KEEP, NEWS, job_id]
        )
        return bool(added)

    async def get(self, job_id: str) -> BoardJob | None:
        meta, events, _ = self._keys(job_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(meta)
            pipe.xrange(events)
            fields, entries = await pipe.execute()
        if not fields:
            return None
        return BoardJob(
            job_id,
            int(fields[b"user_id"]),
            int(fields[b"reservation_id"]),
            float(fields[b"held_at"]),
            tuple(json.loads(data[b"e"]) for _, data in entries),
        )

    async def after(self, job_id: str, cursor: str, wait: float) -> Batch:
        """Reads the stream (no connection is held while waiting: the news desk wakes
        this reader when the job has news)."""
        async with self.news.watching(job_id) as news:
            batch = await self._read(job_id, cursor)
            if batch.events or wait <= 0:
                return batch
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await news.wait()
            return await self._read(job_id, cursor)

    async def _read(self, job_id: str, cursor: str) -> Batch:
        _, events, _ = self._keys(job_id)
        found: Any = await self._redis.xrange(events, min=f"({cursor}" if cursor else "-")
        if not found:
            return Batch([], cursor)
        last = found[-1][0]
        return Batch(
            [json.loads(data[b"e"]) for _, data in found],
            last.decode() if isinstance(last, bytes) else str(last),
        )

    async def put_image(self, job_id: str, png: bytes) -> None:
        await self._redis.set(self._keys(job_id)[2], png, ex=IMAGE_KEEP)

    async def image(self, job_id: str) -> bytes | None:
        data: bytes | None = await self._redis.get(self._keys(job_id)[2])
        return data
