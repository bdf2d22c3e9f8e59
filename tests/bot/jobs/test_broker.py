"""The Redis job stream claims by owner, on a real Redis: a consumer is named after its
process's incarnation, and the jobs of a consumer whose incarnation is dead are claimed at
once (long before the idle-time redelivery), only of kinds the claimer knows; a live
incarnation's jobs are never taken; dead consumers that hold nothing leave the group; a
consumer with no incarnation (an older release's) is left to the idle time. With a real
database: a worker whose heartbeat lapses loses its jobs after OWNER_TIMEOUT, not before."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Collection
from typing import Any

import pytest
from redis.asyncio import Redis
from taskiq import BrokerMessage

from bot.jobs import broker as broker_module
from bot.jobs.broker import GROUP, STREAM, HeldStreamBroker, Liveness
from services.core.incarnation_repo import Incarnation, IncarnationRepo
from services.core.owners import Owners
from services.infra.db import Database
from tests.test_queue import next_message

REDELIVERY = 30.0
"""Far longer than any wait here: only a death frees a job."""
CHECK = 0.2
OLD, NEW = "studio.post", "studio.newer_kind"


class Registry:
    """Who is alive, as the incarnations table would say."""

    def __init__(self) -> None:
        self.alive: dict[str, bool] = {}
        self.unreachable = False

    def incarnation(self, name: str) -> Incarnation_:
        self.alive[name] = True
        return Incarnation_(self, name)


class Incarnation_:  # noqa: N801 - a stand-in for Owners, named for what it is
    def __init__(self, registry: Registry, name: str) -> None:
        self.registry = registry
        self.name = name

    @property
    def id(self) -> str:
        return self.name

    async def alive(self, ids: Collection[str]) -> dict[str, bool]:
        if self.registry.unreachable:
            raise OSError("the database does not answer")
        return {i: self.registry.alive[i] for i in ids if i in self.registry.alive}


async def worker(url: str, owners: Liveness | None, *kinds: str) -> HeldStreamBroker:
    broker = HeldStreamBroker(url, redelivery=REDELIVERY, owners=owners, check_every=CHECK)
    for name in kinds or (OLD,):
        broker.register_task(_nothing, name)
    broker.is_worker_process = True
    await broker.startup()
    return broker


async def _nothing() -> None:
    """The work of a job known by name only (these tests run no job)."""


def job(task_id: str, name: str = OLD) -> BrokerMessage:
    data = json.dumps({"task_id": task_id, "task_name": name, "labels": {}, "args": []})
    return BrokerMessage(task_id=task_id, task_name=name, message=data.encode(), labels={})


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def sender(redis_url: str) -> AsyncIterator[HeldStreamBroker]:
    broker = HeldStreamBroker(redis_url, redelivery=REDELIVERY)
    await broker.startup()  # the group exists before anything is queued
    yield broker
    await broker.shutdown()


async def holders(redis: Redis) -> list[str]:
    pending = await redis.xpending_range(STREAM, GROUP, "-", "+", 1000)
    return [entry["consumer"].decode() for entry in pending]


async def consumers(redis: Redis) -> set[str]:
    found: Any = await redis.xinfo_consumers(STREAM, GROUP)
    return {c["name"].decode() for c in found}


async def test_a_dead_incarnations_jobs_are_claimed_at_once_and_it_leaves_the_group(
    redis_url: str, redis: Redis, sender: HeldStreamBroker
):
    registry = Registry()
    first = await worker(redis_url, registry.incarnation("here:1:first"))
    second = await worker(redis_url, registry.incarnation("here:2:second"))
    try:
        await sender.kick(job("t1"))
        taken = await next_message(first, 5)
        assert taken is not None
        assert await holders(redis) == ["here:1:first"]  # the consumer is the incarnation
        # Alive, however long it runs: the other worker takes nothing.
        assert await next_message(second, 8 * CHECK) is None

        registry.alive["here:1:first"] = False  # its heartbeat lapsed (or it stopped)
        started = time.monotonic()
        again = await next_message(second, 10)
        assert again is not None and again.data == taken.data
        assert time.monotonic() - started < 3  # not the 30 s of the idle time
        assert await holders(redis) == ["here:2:second"]
        assert await consumers(redis) == {"here:2:second"}  # the dead one left the group
        await again.ack()
        assert await next_message(second, 3 * CHECK) is None
    finally:
        await first.shutdown()
        await second.shutdown()


async def test_a_dead_consumers_unknown_kinds_wait_for_a_worker_that_knows_them(
    redis_url: str, redis: Redis, sender: HeldStreamBroker
):
    registry = Registry()
    dying = registry.incarnation("here:1:newer")
    await sender.kick(job("known", OLD))
    await sender.kick(job("newer", NEW))
    # A worker of the newer release reads both and dies.
    await redis.xreadgroup(GROUP, dying.id, {STREAM: ">"}, count=10)
    registry.alive[dying.id] = False
    older = await worker(redis_url, registry.incarnation("here:2:older"), OLD)
    try:
        taken = await next_message(older, 5)
        assert taken is not None and json.loads(taken.data)["task_id"] == "known"
        assert await next_message(older, 8 * CHECK) is None  # the newer kind: not here
        assert sorted(await holders(redis)) == ["here:1:newer", "here:2:older"]
        assert "here:1:newer" in await consumers(redis)  # it still holds one: kept
        await taken.ack()
    finally:
        await older.shutdown()
    newer = await worker(redis_url, registry.incarnation("here:3:newer"), OLD, NEW)
    try:
        taken = await next_message(newer, 5)
        assert taken is not None and json.loads(taken.data)["task_id"] == "newer"
        assert await holders(redis) == ["here:3:newer"]
        assert "here:1:newer" not in await consumers(redis)
        await taken.ack()
    finally:
        await newer.shutdown()


async def test_a_worker_claims_no_more_of_a_dead_ones_jobs_than_it_has_slots(
    redis_url: str, redis: Redis, sender: HeldStreamBroker
):
    registry = Registry()
    dead = registry.incarnation("here:1:dead")
    for n in range(3):
        await sender.kick(job(f"t{n}"))
    await redis.xreadgroup(GROUP, dead.id, {STREAM: ">"}, count=10)
    registry.alive[dead.id] = False
    one_slot = await worker(redis_url, registry.incarnation("here:2:one"))
    try:
        assert await next_message(one_slot, 5) is not None
        assert sorted(await holders(redis)) == ["here:1:dead", "here:1:dead", "here:2:one"]
    finally:
        await one_slot.shutdown()


async def test_without_an_incarnation_the_idle_time_rules_and_an_empty_one_is_forgotten(
    redis_url: str,
    redis: Redis,
    sender: HeldStreamBroker,
    monkeypatch: pytest.MonkeyPatch,
):
    """An older release's consumer (no incarnation) is never taken for dead: its job
    waits for the idle time; once it holds nothing and has not read for an hour, it is
    deleted from the group."""
    monkeypatch.setattr(broker_module, "FORGET_IDLE_MS", 300)  # an hour, made short
    monkeypatch.setattr(broker_module, "FORGET_CHECK_SECONDS", 0.0)
    registry = Registry()
    await sender.kick(job("t1"))
    await redis.xreadgroup(GROUP, "old-host:7:abc", {STREAM: ">"}, count=1)
    claimer = await worker(redis_url, registry.incarnation("here:2:new"))
    try:
        assert await next_message(claimer, 8 * CHECK) is None  # 30 s idle time: not yet
        assert await holders(redis) == ["old-host:7:abc"]
        [entry] = await redis.xpending_range(STREAM, GROUP, "-", "+", 1)
        await redis.xack(STREAM, GROUP, entry["message_id"])  # it ended after all
        await asyncio.sleep(0.4)  # idle past the (shortened) hour
        assert await next_message(claimer, 4 * CHECK + 1.2) is None
        assert "old-host:7:abc" not in await consumers(redis)
    finally:
        await claimer.shutdown()


async def test_nothing_is_claimed_while_the_database_cannot_say_who_is_dead(
    redis_url: str, redis: Redis, sender: HeldStreamBroker, caplog: pytest.LogCaptureFixture
):
    registry = Registry()
    dead = registry.incarnation("here:1:dead")
    await sender.kick(job("t1"))
    await redis.xreadgroup(GROUP, dead.id, {STREAM: ">"}, count=1)
    registry.alive[dead.id] = False
    registry.unreachable = True
    claimer = await worker(redis_url, registry.incarnation("here:2:new"))
    try:
        assert await next_message(claimer, 8 * CHECK) is None
        assert "could not ask who is dead among the workers" in caplog.text
        registry.unreachable = False
        assert await next_message(claimer, 5) is not None
    finally:
        await claimer.shutdown()


async def test_with_owners_a_job_moves_once_its_holders_heartbeat_lapses(
    redis_url: str, redis: Redis, sender: HeldStreamBroker, db: Database
):
    """The real incarnations table: the holder is on another host (so its process cannot be
    looked at) and beat last just now; its job moves after OWNER_TIMEOUT, not before."""
    timeout = 1.5
    repo = IncarnationRepo(db)
    now = time.time()
    holder = Incarnation("there:1:holder", "worker", "there", 1, now, now)
    await repo.register(holder)
    await sender.kick(job("t1"))
    await redis.xreadgroup(GROUP, holder.id, {STREAM: ">"}, count=1)
    me = Owners(repo, "worker", timeout=timeout, interval=0.5, host="here")
    await me.start()
    claimer = await worker(redis_url, me)
    try:
        assert claimer.consumer_name == me.id
        taken = await next_message(claimer, 10)
        moved = time.time() - now
        assert taken is not None
        assert timeout <= moved < timeout + 2.5, moved
        assert await holders(redis) == [me.id]
        assert holder.id not in await consumers(redis)
    finally:
        await claimer.shutdown()
        await me.stop()
