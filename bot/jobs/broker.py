"""The job queue (taskiq): with `REDIS_URL`, a Redis stream that `python -m bot worker`
processes read (taskiq-redis's RedisStreamBroker: a job is acknowledged after it ends, and
one whose worker died is claimed by another); without Redis, taskiq's in-memory broker,
which runs each job as a task of this process. Both run the same job code (bot/jobs/runner.py).

Redelivery by owner: each worker reads the stream as a consumer named after its process's
incarnation (services/core/owners.py). Every second or so (while another consumer holds
jobs) a worker asks the database which consumers' incarnations are dead — stopped, silent
past OWNER_TIMEOUT, or, on this host, their process gone — and claims their jobs at once
(XCLAIM, min-idle 0: the `_CLAIM_DEAD` script), then deletes a dead consumer from the
group once it holds nothing (XGROUP DELCONSUMER). A slow job of a live worker is never
taken: its owner beats.

Redelivery by age, the last resort: a message read but not acknowledged is claimed by
another worker once it has been idle `redelivery` seconds (the `_CLAIM_KNOWN` script, in
place of XAUTOCLAIM). It takes the jobs of consumers with no incarnation (an older
release's) and the jobs a live worker handed back (one that raised goes back to the queue).
A live worker keeps the messages it holds from going idle (a heartbeat every third of that
time re-claims them for itself). `redelivery` is shorter than GENERATION_TIMEOUT +
SWEEP_MARGIN (bot/config.py): a job runs again well before the sweeper would take its hold
for abandoned, and the run keeps the hold's own deadline.

Rolling deploys: a worker that reads a job of a kind it does not know (a newer release's)
neither runs, holds nor acknowledges it; it leaves it pending and idle, its own claims pass
it over (both scripts claim only known task names), and the next worker that knows the
kind claims it within a second or so."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Collection, Coroutine
from datetime import datetime
from typing import Any, Protocol

from redis.asyncio import ConnectionPool, Redis
from redis.exceptions import RedisError
from taskiq import (
    AckableMessage,
    AsyncBroker,
    AsyncTaskiqDecoratedTask,
    BrokerMessage,
    InMemoryBroker,
)
from taskiq_redis import RedisStreamBroker

from bot.config import Settings
from bot.metrics import JOBS_QUEUED
from services.core.job_journal import JobJournal
from services.core.jobs import Hold, QueuedJob, hold_of
from services.core.sweep import Sweep
from services.core.work_repo import WorkKind
from services.infra.db import UNREACHABLE
from services.infra.patience import patiently
from services.infra.redis_pool import (
    ANSWER_SECONDS,
    CONNECT_SECONDS,
    POOL_WAIT_SECONDS,
    ShrinkingPool,
    client_name,
)

logger = logging.getLogger(__name__)

UNFINISHED = frozenset({"error", "failed", "handed_back", "rejected", "skipped"})
"""What a job that did not end (or never ran) reports (bot/jobs/runner.py run_job)."""
STREAM = "bot:jobs"
GROUP = "workers"

# Re-claims (for the same consumer, resetting the idle time) the messages this consumer
# still owns; returns the ids it no longer owns (another worker took them).
_HEARTBEAT = """
local lost = {}
for i = 3, #ARGV do
  local entry = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if #entry == 1 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
  else
    table.insert(lost, ARGV[i])
  end
end
return lost
"""


# The task name of stream entry `id` (taskiq's JSON), or false; an entry trimmed away is
# acknowledged (dropped from the pending list, as XAUTOCLAIM does). Both claim scripts
# start with it.
_TASK_NAME = """
local function task_name(stream, group, id)
  local found = redis.call('XRANGE', stream, id, id)
  if #found == 0 then
    redis.call('XACK', stream, group, id)
    return false
  end
  local fields = found[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 'data' then
      local ok, job = pcall(cjson.decode, fields[i + 1])
      if ok and type(job) == 'table' and type(job['task_name']) == 'string' then
        return job['task_name']
      end
    end
  end
  return false
end
"""


# Claims for ARGV[2] up to ARGV[5] entries of group ARGV[1]'s pending list that are idle at
# least ARGV[3] ms and whose task name is one of ARGV[7..] (the jobs this worker knows),
# scanning at most ARGV[6] entries from ARGV[4]. An entry of another kind (a newer release's,
# during a rolling deploy) is left where it is, for a worker that knows it; an entry trimmed
# away is dropped from the list (as XAUTOCLAIM does). Returns {next start, claimed entries}:
# "0-0" once the whole list has been scanned.
_CLAIM_KNOWN = (
    _TASK_NAME
    + """
local known = {}
for i = 7, #ARGV do known[ARGV[i]] = true end
local group, me, idle, want, scan = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[5]), ARGV[6]
local pending = redis.call('XPENDING', KEYS[1], group, 'IDLE', idle, ARGV[4], '+', scan)
local claimed = {}
for n, entry in ipairs(pending) do
  local id = entry[1]
  if known[task_name(KEYS[1], group, id)] then
    local got = redis.call('XCLAIM', KEYS[1], group, me, idle, id)
    if #got == 1 then table.insert(claimed, got[1]) end
  end
  if #claimed >= want and n < #pending then return {'(' .. id, claimed} end
end
if #pending < tonumber(scan) then return {'0-0', claimed} end
return {'(' .. pending[#pending][1], claimed}
"""
)
CLAIM_SCAN = 100
"""Pending entries one claim looks at (entries of unknown kinds are passed over)."""
REREAD_MIN, REREAD_MAX = 0.5, 5.0
"""Seconds between two tries to read the queue while Redis cannot be reached."""

# Claims for ARGV[2] up to ARGV[4] of the entries that consumer ARGV[3] of group ARGV[1]
# holds (its incarnation is dead: min-idle 0) whose task name is one of ARGV[5..], looking
# at no more than 1000 of them; entries of other kinds are left where they are (a worker
# that knows them claims them), an entry trimmed away is dropped from the list. Then the
# consumer is deleted from the group if it holds nothing (with ARGV[4] = 0: only that).
# Atomic: of two workers claiming one dead consumer's entries, each entry goes to one.
# Returns the claimed entries.
_CLAIM_DEAD = (
    _TASK_NAME
    + """
local known = {}
for i = 5, #ARGV do known[ARGV[i]] = true end
local group, me, dead, want = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local claimed, start, seen = {}, '-', 0
while #claimed < want and seen < 1000 do
  local pending = redis.call('XPENDING', KEYS[1], group, start, '+', 100, dead)
  for _, entry in ipairs(pending) do
    local id = entry[1]
    if known[task_name(KEYS[1], group, id)] then
      local got = redis.call('XCLAIM', KEYS[1], group, me, 0, id)
      if #got == 1 then table.insert(claimed, got[1]) end
    end
    if #claimed >= want then break end
  end
  seen = seen + #pending
  if #pending < 100 then break end
  start = '(' .. pending[#pending][1]
end
if #redis.call('XPENDING', KEYS[1], group, '-', '+', 1, dead) == 0 then
  redis.call('XGROUP', 'DELCONSUMER', KEYS[1], group, dead)
end
return claimed
"""
)
DEAD_CHECK_SECONDS = 1.0
"""How often a worker asks who among the consumers holding jobs is dead."""
FORGET_CHECK_SECONDS = 10.0
"""How often it looks for dead consumers that hold nothing (to delete them) when no other
consumer holds anything."""
FORGET_IDLE_MS = 3_600_000
"""A consumer with no incarnation (an older release's) that holds nothing and has not read
for this long is deleted from the group."""


class Liveness(Protocol):
    """This process's incarnation, and whether others are alive (services/core/owners.py
    `Owners`)."""

    @property
    def id(self) -> str: ...

    async def alive(self, ids: Collection[str]) -> dict[str, bool]:
        """Whether each of `ids` that names a known incarnation is alive; others left out."""
        ...


class HeldStreamBroker(RedisStreamBroker):
    """RedisStreamBroker that keeps what this worker holds (read, not yet acknowledged or
    handed back) from being claimed by another one while it is alive."""

    def __init__(
        self,
        url: str,
        *,
        redelivery: float,
        capacity: int = 1,
        owners: Liveness | None = None,
        check_every: float = DEAD_CHECK_SECONDS,
        max_connections: int = 32,
        idle_seconds: float = 30.0,
    ) -> None:
        # Who holds a job, as XPENDING and XINFO CONSUMERS show it: this process's
        # incarnation (host, process, a few random bytes), whose death frees its jobs.
        name = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        consumer = owners.id if owners is not None else name
        super().__init__(
            url,
            queue_name=STREAM,
            consumer_group_name=GROUP,
            consumer_name=consumer,
            consumer_id="0",  # a group made now still sees what was queued before
            idle_timeout=max(int(redelivery * 1000), 1),
            xread_block=1000,
            maxlen=100_000,  # acknowledged jobs are trimmed away, approximately
        )
        # taskiq-redis's own pool has no ceiling and keeps every connection it ever opened
        # (a burst of 500 enqueues left 20 open); it has not connected yet.
        self.connection_pool = ShrinkingPool.from_url(
            url,
            max_connections=max_connections,
            timeout=POOL_WAIT_SECONDS,
            idle_seconds=idle_seconds,
            client_name=client_name(consumer, "queue"),
            socket_timeout=ANSWER_SECONDS,
            socket_connect_timeout=CONNECT_SECONDS,
        )
        self.redis = Redis(connection_pool=self.connection_pool)
        """One client on the pool for the queue's own commands: taskiq-redis made one per
        message queued and per acknowledgement (redis-py builds ~80 answer callbacks for
        each client)."""
        self.redelivery = redelivery
        self.capacity = capacity
        """Jobs this worker runs at once (WORKER_CONCURRENCY): it reads no more than that."""
        self._held: dict[str, bytes] = {}
        """task id → stream message id, of what this worker holds."""
        self._beating: asyncio.Task[None] | None = None
        self.owners = owners
        """Who is dead among the consumers (None: only the idle time frees a job)."""
        self.check_every = check_every
        self._forgot_at = 0.0

    async def kick(self, message: BrokerMessage) -> None:
        """taskiq-redis's `kick` (XADD to the stream, trimmed approximately), on `redis`."""
        queue_name = message.labels.get("queue_name") or self.queue_name
        await self.redis.xadd(
            queue_name,
            {b"data": message.message},
            maxlen=self.maxlen,
            approximate=self.approximate,
        )

    def _acknowledgement(self, message_id: str) -> Callable[[], Awaitable[None]]:
        """taskiq-redis's acknowledgement of a message (XACK), on `redis`."""

        async def ack() -> None:
            await self.redis.xack(self.queue_name, self.consumer_group_name, message_id)

        return ack

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        """What `_read` reads, through Redis outages: a read or a claim that cannot reach
        Redis (a restart, a failover) is tried again after a pause growing to
        `REREAD_MAX` seconds, with the consumer group declared again (a Redis that came
        back empty has none). The jobs running here go on meanwhile; the worker never stops
        taking jobs because Redis was away for a while."""
        pause, failed_at = 0.0, 0.0
        while True:
            try:
                async for message in self._read():
                    yield message
            except (RedisError, OSError) as error:
                if time.monotonic() - failed_at > 2 * REREAD_MAX:
                    pause = 0.0  # a new outage: start again from the shortest pause
                pause, failed_at = min(max(pause * 2, REREAD_MIN), REREAD_MAX), time.monotonic()
                logger.warning("cannot read the job queue (again in %.1f s): %s", pause, error)
                await asyncio.sleep(pause)
                with contextlib.suppress(RedisError, OSError):
                    await self._declare_consumer_group()

    async def _read(self) -> AsyncGenerator[AckableMessage, None]:
        """New jobs, as many at a time as this worker has free slots (taskiq's receiver asks
        for the next job only once a slot is free, so a read never takes more than it can
        start: a job never waits here while another worker is idle); and, every third of
        `redelivery` or when the queue is idle, the jobs other workers held and left idle
        for `redelivery` seconds: claimed here (the scripts are atomic: two workers never
        claim the same one). Every `check_every` seconds, too, the jobs of consumers whose
        incarnation is dead, at once. taskiq-redis's own listen claims only after a read
        that found new jobs, so an idle queue would never take a dead worker's job."""
        claimed_at, checked_at, cursor = 0.0, 0.0, "0-0"
        async with Redis(connection_pool=self.connection_pool) as redis:
            while True:
                fetched: Any = await redis.xreadgroup(
                    self.consumer_group_name,
                    self.consumer_name,
                    {self.queue_name: ">"},
                    block=self.block,
                    count=self._free(),
                )
                for _, entries in fetched or []:
                    for message_id, fields in entries:
                        if await self._left_unknown(redis, message_id, fields):
                            continue
                        yield self._hold(message_id, fields)
                if self.owners is not None and time.monotonic() - checked_at >= self.check_every:
                    checked_at = time.monotonic()
                    for message_id, fields, dead in await self._claim_dead(redis):
                        logger.info(
                            "taking over job %s from %s, whose process died",
                            message_id.decode(),
                            dead,
                        )
                        yield self._hold(message_id, fields)
                if fetched and time.monotonic() - claimed_at < self.redelivery / 3:
                    continue
                claimed_at = time.monotonic()
                # The scan goes on from where the last one stopped ("0-0" once it has been
                # through the pending list): live workers' long jobs at its head never hide
                # a dead worker's jobs behind them.
                cursor, taken = await self._claim_known(redis, cursor)
                for message_id, fields in taken:
                    logger.info("taking over job %s from a worker that stopped", message_id)
                    yield self._hold(message_id, fields)
                if taken or cursor != "0-0":
                    claimed_at = 0.0  # more may be waiting: look again after the next read

    async def _claim_known(
        self, redis: Redis, cursor: str
    ) -> tuple[str, list[tuple[bytes, dict[bytes, bytes]]]]:
        """XAUTOCLAIM, but only of jobs this worker knows (the `_CLAIM_KNOWN` script):
        the next cursor, and the (message id, fields) claimed."""
        answer: Any = await redis.register_script(_CLAIM_KNOWN)(
            keys=[self.queue_name],
            args=[
                self.consumer_group_name,
                self.consumer_name,
                self.idle_timeout,
                cursor,
                self._free(),
                CLAIM_SCAN,
                *self.get_all_tasks(),
            ],
        )
        following, entries = answer
        taken = [(m, dict(zip(f[::2], f[1::2], strict=True))) for m, f in entries]
        return following.decode() if isinstance(following, bytes) else following, taken

    async def _claim_dead(self, redis: Redis) -> list[tuple[bytes, dict[bytes, bytes], str]]:
        """The jobs of the consumers whose incarnation is dead (of the kinds this worker
        knows, as many as it has free slots), claimed here at once: (message id, fields,
        the dead consumer). Dead consumers that hold nothing are deleted from the group, and
        so are consumers with no incarnation that hold nothing and have long stopped
        reading. Nothing is claimed while the database cannot say who is dead."""
        assert self.owners is not None
        try:
            consumers: Any = await redis.xinfo_consumers(self.queue_name, self.consumer_group_name)
        except RedisError as error:  # no group yet, or Redis away: the next check
            logger.debug("could not list the stream's consumers: %s", error)
            return []
        others = {
            _text(c["name"]): (int(c["pending"]), int(c["idle"]))
            for c in consumers
            if _text(c["name"]) != self.consumer_name
        }
        now = time.monotonic()
        holding = any(pending for pending, _ in others.values())
        if not holding and now - self._forgot_at < FORGET_CHECK_SECONDS:
            return []
        self._forgot_at = now
        try:
            alive = await self.owners.alive(others)
        except UNREACHABLE as error:
            logger.warning("could not ask who is dead among the workers: %s", error)
            return []
        script = redis.register_script(_CLAIM_DEAD)
        taken: list[tuple[bytes, dict[bytes, bytes], str]] = []
        for name, (_, idle) in others.items():
            if name in alive:
                if alive[name]:
                    continue
                want = max(self._free() - len(taken), 0)
            elif idle >= FORGET_IDLE_MS:  # no incarnation: deleted only if it holds nothing
                want = 0
            else:
                continue
            entries: Any = await script(
                keys=[self.queue_name],
                args=[
                    self.consumer_group_name,
                    self.consumer_name,
                    name,
                    want,
                    *self.get_all_tasks(),
                ],
            )
            taken += [(m, dict(zip(f[::2], f[1::2], strict=True)), name) for m, f in entries]
        return taken

    async def _left_unknown(
        self, redis: Redis, message_id: bytes, fields: dict[bytes, bytes]
    ) -> bool:
        """Whether the job just read is of a kind this worker does not know (a newer
        release's, in a rolling deploy): then it is neither run, held nor acknowledged, but
        left pending and made idle at once, so that the next claim of a worker that knows
        it takes it (this worker's own claims pass it over)."""
        name = _task_name(fields.get(b"data"))
        if name is None or self.find_task(name) is not None:
            return False  # ours (or unreadable: taskiq's receiver says so and skips it)
        logger.warning(
            "job %s is of a kind this worker does not know (%s): left for a worker that does",
            message_id.decode(),
            name,
        )
        await redis.xclaim(
            self.queue_name,
            self.consumer_group_name,
            self.consumer_name,
            min_idle_time=0,
            message_ids=[message_id],
            idle=self.idle_timeout,
            justid=True,
        )
        return True

    def _free(self) -> int:
        """Jobs this worker can start now (at least one is asked for: taskiq's receiver
        asks only when a slot is free)."""
        return max(self.capacity - len(self._held), 1)

    def _hold(self, message_id: bytes, fields: dict[bytes, bytes]) -> AckableMessage:
        data = fields[b"data"]
        with contextlib.suppress(ValueError, KeyError, TypeError):
            self._held[str(json.loads(data)["task_id"])] = message_id
        ack = self._acknowledgement(message_id.decode())
        return AckableMessage(data=data, ack=_through_outages(ack, message_id))

    def forget(self, task_id: str) -> None:
        """The job ended (acknowledged) or is handed back: stop keeping it. A job handed
        back unacknowledged is claimed by another worker once `redelivery` has passed."""
        self._held.pop(task_id, None)

    async def startup(self) -> None:
        await super().startup()
        if self.is_worker_process and self._beating is None:
            self._beating = asyncio.create_task(self._heartbeat())

    async def shutdown(self) -> None:
        if self._beating is not None:
            self._beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beating
            self._beating = None
        await self.redis.aclose()  # the client only: the pool is closed by taskiq-redis
        await super().shutdown()

    async def _heartbeat(self) -> None:
        async with Redis(connection_pool=self.connection_pool) as redis:
            script = redis.register_script(_HEARTBEAT)
            while True:
                await asyncio.sleep(self.redelivery / 3)
                held = dict(self._held)
                if not held:
                    continue
                try:
                    lost = set(
                        await script(
                            keys=[self.queue_name],
                            args=[self.consumer_group_name, self.consumer_name, *held.values()],
                        )
                    )
                except (RedisError, OSError) as error:
                    logger.warning("job heartbeat failed (retrying): %s", error)
                    continue
                for task_id, message_id in held.items():
                    if message_id in lost:
                        self._held.pop(task_id, None)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _through_outages(
    ack: Callable[[], Awaitable[None]], message_id: bytes
) -> Callable[[], Awaitable[None]]:
    """An acknowledgement (XACK: idempotent) tried again through a short Redis outage. One
    that still fails (or finds no group: a Redis that came back empty) is logged: the job
    stays pending, and whoever claims it finds its work settled and acknowledges it then."""

    async def acknowledge() -> None:
        try:
            await patiently(ack, f"acknowledging job {message_id.decode()}")
        except (RedisError, OSError) as error:
            logger.warning("job %s not acknowledged (done): %s", message_id.decode(), error)

    return acknowledge


def _task_name(data: bytes | None) -> str | None:
    """The task name a queued message carries (taskiq's JSON), None when unreadable."""
    try:
        name = json.loads(data or b"")["task_name"]
    except (ValueError, KeyError, TypeError):
        return None
    return name if isinstance(name, str) else None


def _hold_label(labels: dict[str, Any]) -> Hold | None:
    """The hold a job's message names (JobQueue._kick), if any."""
    try:
        kind, ref, held_at = str(labels["hold"]).split(":")
        return Hold(WorkKind(kind), int(ref), float(held_at))
    except (KeyError, ValueError):
        return None


async def _drained(redis: Redis) -> bool:
    try:
        groups: Any = await redis.xinfo_groups(STREAM)
    except RedisError:  # no stream yet: nothing was ever queued
        return True
    return all(
        g["pending"] == 0 and not g.get("lag") for g in groups if g["name"] == GROUP.encode()
    )


def build_broker(settings: Settings, owners: Liveness | None = None) -> AsyncBroker:
    """The Redis stream (with `REDIS_URL`; its consumer named after `owners`' incarnation,
    whose death frees its jobs at once) or the in-memory broker."""
    if settings.redis_url:
        return HeldStreamBroker(
            settings.redis_url,
            redelivery=settings.redelivery_seconds,
            capacity=settings.worker_concurrency,
            owners=owners,
            max_connections=settings.redis_max_connections,
            idle_seconds=settings.redis_idle_seconds,
        )
    return InMemoryBroker(max_async_tasks=settings.worker_concurrency)


JobTask = AsyncTaskiqDecoratedTask[Any, Any]


class JobQueue:
    """The queue the services and front ends get (the `JobQueue` port of
    services/core/jobs.py): `enqueue` puts one job on it, by its kind. `in_process`: the
    jobs run in this process (no Redis)."""

    def __init__(self, broker: AsyncBroker) -> None:
        self.broker = broker
        self.in_process = isinstance(broker, InMemoryBroker)
        self._tasks: dict[str, JobTask] = {}
        self.running: set[asyncio.Task[Any]] = set()
        """The jobs running in this process now."""
        self._stop = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self.journal: JobJournal | None = None
        """Where the in-process queue writes its jobs down (and a Redis worker adopts a
        job's hold); None: nothing is written (tests of the queue alone)."""
        self._sweep: Sweep | None = None

    def keep(self, journal: JobJournal, sweep: Sweep) -> None:
        """Makes the queue durable: in process, every job is written down before it runs
        and crossed out when it ends, and `resume` runs again what a dead incarnation left
        (`sweep` takes it over); on Redis, a worker adopts the hold of each job it starts."""
        self.journal, self._sweep = journal, sweep

    @property
    def redis_pool(self) -> ConnectionPool | None:
        """The Redis stream's connections (None when the queue is in process)."""
        return self.broker.connection_pool if isinstance(self.broker, HeldStreamBroker) else None

    def work_here(self, consume: Callable[[asyncio.Event], Coroutine[Any, Any, None]]) -> None:
        """Works the Redis queue in this process too (`run` with Redis, tests), until close:
        `consume` is bot/worker.py's, bound to the app."""
        if self._worker is None and not self.in_process:
            self._worker = asyncio.create_task(consume(self._stop))

    def register(self, kind: str, task: JobTask) -> None:
        self._tasks[kind] = task

    async def enqueue(self, job: QueuedJob) -> None:
        """Hands `job` to the job registered for its kind (bot/jobs/runner.py); in process,
        once it is written down (a restart, or another process, runs it if this one dies)."""
        data, hold = job.to_json(), hold_of(job)
        task_id = None
        if self.in_process and self.journal is not None:
            task_id = await self.journal.write(job.kind, data, hold)
        await self._kick(job.kind, data, task_id, hold)

    async def resume(self, now: float | None = None) -> int:
        """Runs again, here, the in-process jobs a dead incarnation left (taken over by this
        one; those past their deadline are refunded and told instead). How many."""
        if not self.in_process or self._sweep is None:
            return 0
        jobs = await self._sweep.take_over_jobs(now)
        for job in jobs:
            await self._kick(job.kind, job.payload, job.id)
        return len(jobs)

    async def adopted(self, labels: dict[str, Any]) -> bool:
        """On Redis, before a job runs: its hold is taken over by this worker (False: a
        live run owns it, or it is settled: nothing to do). In process: always True (the
        hold is this incarnation's since it was made, or since `resume` took it over)."""
        hold = _hold_label(labels)
        if self.in_process or self.journal is None or hold is None:
            return True
        return await self.journal.adopt(hold)

    async def ended(self, task_id: str, outcome: str, labels: dict[str, Any]) -> None:
        """After a job: in process, it is crossed out unless it was stopped (handed back:
        the next start resumes it); one that raised lets go of its hold. On Redis, a job
        that raised and goes back to the queue lets go of its hold too."""
        if self.journal is None:
            return
        try:
            if self.in_process:
                if outcome != "handed_back":
                    await self.journal.ended(task_id, settled=outcome != "error")
            elif outcome == "error" and (hold := _hold_label(labels)) is not None:
                await self.journal.let_go(hold)
        except UNREACHABLE as error:
            logger.warning("could not write the end of job %s down: %s", task_id, error)

    async def scheduled(self, name: str, at: datetime, until: datetime) -> str:
        """Hands the scheduler's job `name` (for the period of `at`; a worker that gets it
        only after `until` skips it) to the queue. In process it waits for the job and
        returns its summary; with Redis a worker runs it and the summary is in that
        worker's log. Raises when the job failed in process (the scheduler then records
        nothing and tries again at the next run)."""
        data = {"job": name, "at": at.isoformat(), "until": until.isoformat()}
        task = await self._tasks["scheduled"].kiq(data, time.time())
        JOBS_QUEUED.labels("scheduled").inc()
        if not self.in_process:
            return f"queued as job {task.task_id}"
        result = await task.wait_result(check_interval=0.005)
        summary = result.return_value
        if result.is_err or summary is None or summary in UNFINISHED:
            msg = f"{name} did not finish: {summary}"
            raise RuntimeError(msg)
        return str(summary)

    async def _kick(
        self,
        kind: str,
        data: dict[str, Any],
        task_id: str | None = None,
        hold: Hold | None = None,
    ) -> None:
        kicker = self._tasks[kind].kicker()
        if task_id is not None:
            kicker = kicker.with_task_id(task_id)
        if hold is not None:  # the worker that starts it adopts the hold (`adopted`)
            kicker = kicker.with_labels(hold=f"{hold.kind.value}:{hold.ref}:{hold.held_at}")
        await kicker.kiq(data, time.time())
        JOBS_QUEUED.labels(kind).inc()

    async def wait(self) -> None:
        """Until every job queued so far has ended: in process, or (Redis) until the stream
        has nothing undelivered or unacknowledged. For tests and benches."""
        if isinstance(self.broker, InMemoryBroker):
            # Not the broker's wait_all: a task that has ended stays in its set until the
            # loop runs its done callback, and awaiting it again never yields to the loop.
            while pending := [t for t in self.broker._running_tasks if not t.done()]:  # noqa: SLF001
                await asyncio.wait(pending)
        elif isinstance(self.broker, HeldStreamBroker):
            async with Redis(connection_pool=self.broker.connection_pool) as redis:
                while not await _drained(redis):
                    await asyncio.sleep(0.02)

    async def hand_back(self) -> None:
        """Stops the jobs still running (a worker that stops, past its grace): their holds
        stay held and, unacknowledged, they go to another worker."""
        late = set(self.running)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    async def stop_working(self) -> None:
        """Stops working the Redis queue here (`work_here`): no job more is taken, the
        running ones finish (up to WORKER_GRACE) or go back to the queue."""
        if self._worker is not None:
            self._stop.set()
            await self._worker

    async def close(self, grace: float) -> None:
        await self.stop_working()
        await self.drain(grace)
        await self.broker.shutdown()

    async def drain(self, grace: float) -> None:
        """Lets the in-process jobs finish (up to `grace` seconds), then cancels the rest:
        their holds stay held, for the sweeper (as after a crash)."""
        if not isinstance(self.broker, InMemoryBroker):
            return
        running = set(self.broker._running_tasks)  # noqa: SLF001
        if running:
            _, late = await asyncio.wait(running, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
