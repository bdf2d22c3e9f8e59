"""Rolling deploys, on a real Redis and real databases (SQLite and PostgreSQL). A worker of
the older release that reads a job of a kind it does not know (a newer release's) neither
runs, holds nor acknowledges it: the job stays pending, its own claims pass it over, and a
worker that knows the kind takes it at once. A worker never migrates: it refuses, in one
line, a database behind the revision it needs, and says so when the database is ahead."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from alembic.script import ScriptDirectory
from redis.asyncio import Redis
from taskiq import BrokerMessage
from taskiq.receiver import Receiver

from bot.jobs.broker import CLAIM_SCAN, GROUP, STREAM, HeldStreamBroker
from services.infra.schema import SchemaState, alembic_config
from tests.databases import DatabaseUnderTest
from tests.fakes.botapi_http import BotAPIServer
from tests.test_e2e import STARTUP, TOKEN, stop
from tests.test_ops import answering
from tests.test_queue import REDELIVERY, next_message, worker
from tests.test_startup import clean_env, one_line
from tests.test_web import unused_port

OLD, NEW = "studio.post", "studio.newer_kind"


def job(task_id: str, name: str) -> BrokerMessage:
    data = json.dumps({"task_id": task_id, "task_name": name, "labels": {}, "args": []})
    return BrokerMessage(task_id=task_id, task_name=name, message=data.encode(), labels={})


@pytest.fixture
async def sender(redis_url: str) -> AsyncIterator[HeldStreamBroker]:
    broker = HeldStreamBroker(redis_url, redelivery=REDELIVERY)
    await broker.startup()  # the consumer group exists before anything is queued
    yield broker
    await broker.shutdown()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def pending(redis: Redis) -> list[dict[str, Any]]:
    return list(await redis.xpending_range(STREAM, GROUP, "-", "+", 1000))


async def test_an_unknown_kind_is_left_pending_for_a_worker_that_knows_it(
    redis_url: str, sender: HeldStreamBroker, redis: Redis, caplog: pytest.LogCaptureFixture
):
    old = await worker(redis_url, OLD)
    new = await worker(redis_url, OLD, NEW)
    try:
        await sender.kick(job("n1", NEW))
        # The old worker reads it, says so once, and yields nothing: for many claim rounds.
        assert await next_message(old, 6 * REDELIVERY) is None
        assert [r.message for r in caplog.records].count(
            f"job {(await pending(redis))[0]['message_id'].decode()} is of a kind this worker "
            f"does not know ({NEW}): left for a worker that does"
        ) == 1
        left = await pending(redis)
        assert len(left) == 1  # not acknowledged: not lost
        assert left[0]["consumer"].decode() == old.consumer_name
        assert left[0]["times_delivered"] == 1  # its own claims passed it over
        assert old._held == {}  # not held: its heartbeat keeps nothing from going idle

        started = time.monotonic()
        taken = await next_message(new, 10 * REDELIVERY)
        assert taken is not None
        assert json.loads(taken.data)["task_id"] == "n1"
        assert time.monotonic() - started < 3  # at once: it was left idle on purpose
        assert (await pending(redis))[0]["consumer"].decode() == new.consumer_name
        await taken.ack()
        assert await pending(redis) == []
    finally:
        await old.shutdown()
        await new.shutdown()


async def test_a_dead_workers_known_job_is_claimed_past_many_unknown_ones(
    redis_url: str, sender: HeldStreamBroker, redis: Redis
):
    for n in range(CLAIM_SCAN + 30):  # more than one claim looks at
        await sender.kick(job(f"n{n}", NEW))
    await sender.kick(job("known", OLD))
    # A worker of the newer release reads them all and dies.
    await redis.xreadgroup(GROUP, "dead", {STREAM: ">"}, count=1000)
    await asyncio.sleep(REDELIVERY)
    old = await worker(redis_url, OLD)
    try:
        taken = await next_message(old, 20 * REDELIVERY)
        assert taken is not None
        assert json.loads(taken.data)["task_id"] == "known"
        await taken.ack()
        owners = {entry["consumer"].decode() for entry in await pending(redis)}
        assert owners == {"dead"}  # the newer jobs: still pending, for a newer worker
        assert len(await pending(redis)) == CLAIM_SCAN + 30
    finally:
        await old.shutdown()


async def receive(broker: HeldStreamBroker, seconds: float) -> None:
    """taskiq's receiver on `broker`, as `python -m bot worker` runs it, for `seconds`."""
    stop = asyncio.Event()
    receiver = Receiver(broker, max_async_tasks=4, max_prefetch=0, run_startup=False)
    listening = asyncio.create_task(receiver.listen(stop))
    await asyncio.sleep(seconds)
    stop.set()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(listening, 5)


def recorder(done: list[str], name: str) -> Callable[[], Awaitable[None]]:
    async def task() -> None:
        done.append(name)

    return task


async def test_through_taskiqs_receiver_the_newer_job_runs_once_on_the_newer_worker(
    redis_url: str, redis: Redis
):
    done: list[str] = []
    newer = HeldStreamBroker(redis_url, redelivery=REDELIVERY)
    queued = newer.register_task(recorder(done, "new"), NEW)  # acknowledged once it ran
    older = HeldStreamBroker(redis_url, redelivery=REDELIVERY)
    older.register_task(recorder(done, "old"), OLD)
    for broker in (newer, older):
        broker.is_worker_process = True
        await broker.startup()
    try:
        await queued.kiq()
        await receive(older, 5 * REDELIVERY)
        assert done == []  # not run ...
        assert len(await pending(redis)) == 1  # ... and not acknowledged
        await receive(newer, 5 * REDELIVERY)
        assert done == ["new"]
        assert await pending(redis) == []
    finally:
        await older.shutdown()
        await newer.shutdown()


# ----- the schema a worker needs ------------------------------------------------------------


def head() -> str:
    found = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert found is not None
    return found


def worker_env(tmp_path: Path, database: DatabaseUnderTest, redis_url: str, **extra: str):
    return clean_env(
        tmp_path,
        BOT_TOKEN=TOKEN,
        REDIS_URL=redis_url,
        LOG_LEVEL="WARNING",
        SCHEDULER_ENABLED="false",
        OPS_PORT=str(unused_port()),
        **database.env,
        **extra,
    )


def bot(command: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=STARTUP,
        check=False,
    )


async def sql(database: DatabaseUnderTest, statement: str) -> list[tuple[Any, ...]]:
    """One statement on the database under test (its schema on PostgreSQL)."""
    if database.schema is None:
        with sqlite3.connect(database.url.removeprefix("sqlite:///")) as db:
            return list(db.execute(statement))
    conn = await asyncpg.connect(database.url, server_settings={"search_path": database.schema})
    try:
        return [tuple(row) for row in await conn.fetch(statement)]
    finally:
        await conn.close()


async def test_a_worker_refuses_an_empty_database_in_one_line(
    tmp_path: Path, database: DatabaseUnderTest, redis_url: str
):
    env = worker_env(tmp_path, database, redis_url)
    result = await asyncio.to_thread(bot, "worker", env, tmp_path)
    assert result.returncode == 1
    assert one_line(result) == (
        f"error: the database schema is at revision none (empty) but this worker needs "
        f"{head()}: run `python -m bot migrate` first (workers never migrate)"
    )
    tables = (
        "SELECT name FROM sqlite_master WHERE type = 'table'"
        if database.schema is None
        else "SELECT table_name FROM information_schema.tables WHERE table_schema = "
        f"'{database.schema}'"
    )
    assert await sql(database, tables) == []  # it migrated nothing

    assert bot("migrate", env, tmp_path).returncode == 0  # what the line says to do
    assert await sql(database, "SELECT version_num FROM alembic_version") == [(head(),)]


async def test_a_worker_on_a_newer_schema_says_so_once_and_works(
    tmp_path: Path, database: DatabaseUnderTest, redis_url: str, server: BotAPIServer
):
    env = worker_env(tmp_path, database, redis_url, TELEGRAM_API_BASE=server.base_url)
    assert (await asyncio.to_thread(bot, "migrate", env, tmp_path)).returncode == 0
    newer = "ffff_of_a_newer_release"
    await sql(database, f"UPDATE alembic_version SET version_num = '{newer}'")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "worker",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        ops = f"http://127.0.0.1:{env['OPS_PORT']}/readyz"
        status, _ = await answering(ops)  # it serves: it took its jobs
        assert status == 200
    finally:
        stderr = (await stop(process)).decode()
    assert process.returncode == 0, stderr
    said = [line for line in stderr.splitlines() if "newer than this release knows" in line]
    assert len(said) == 1, stderr
    assert newer in said[0] and head() in said[0]
    assert await sql(database, "SELECT version_num FROM alembic_version") == [(newer,)]


def test_behind_and_ahead_are_told_by_this_releases_revisions():
    assert SchemaState(None, head(), known=True).behind
    assert SchemaState("0000_older", head(), known=True).behind
    assert not SchemaState(head(), head(), known=True).behind
    newer = SchemaState("ffff", head(), known=False)
    assert newer.ahead and not newer.behind
