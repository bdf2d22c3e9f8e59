"""Scheduled periods claimed before they run, on the real PostgreSQL and Redis: two
schedulers racing for one period (an old leader that has not noticed it lost its lease and
the new one) run it once; a leader whose lease was taken starts nothing more; a claim left
by a dead runner is taken over once its beats have stopped for the claim's expiry, and a
slow but live one never is."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from redis.asyncio import Redis

from bot.config import Settings
from bot.duties.leadership import Leadership
from bot.duties.scheduler import Job, Scheduler
from bot.duties.sweeper import Sweeper
from services.core.run_repo import RunRepo
from services.core.sweep import Sweep, SweepReport
from services.infra.db import Database
from services.infra.leader import RedisLease
from tests.conftest import ADMIN_ID, Driver, make_driver
from tests.databases import DatabaseUnderTest, database_for
from tests.fakes.telegram import FakeTelegram

CLAIM = 1.2
"""The claims' expiry here: beats every 0.4 s (loose enough for a loaded machine)."""
AT = datetime(2026, 6, 17, 10, 45, tzinfo=UTC)


@pytest.fixture
def postgresql(tmp_path: Path) -> Iterator[DatabaseUnderTest]:
    yield from database_for("postgresql", tmp_path)


@pytest.fixture
async def databases(postgresql: DatabaseUnderTest) -> AsyncIterator[tuple[Database, Database]]:
    """One schema, a connection pool each: two processes' views of one database."""
    opened = []
    for _ in range(2):
        db = Database(postgresql.url, schema=postgresql.schema)
        await db.connect()
        opened.append(db)
    yield opened[0], opened[1]
    for db in opened:
        await db.close()


class Work:
    """A job's body: counts its runs, each taking `seconds` (or until `release` is set)."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.runs: list[datetime] = []
        self.release: asyncio.Event | None = None

    async def __call__(self, at: datetime) -> str:
        self.runs.append(at)
        if self.release is not None:
            await self.release.wait()
        await asyncio.sleep(self.seconds)
        return f"run {len(self.runs)}"


def scheduler(
    db: Database, work: Work, owner: str, catch_up: timedelta = timedelta(days=1)
) -> Scheduler:
    job = Job(
        "nightly_batch",
        {"hour": 9, "minute": 0},
        lambda at: at.date().isoformat(),
        work,
        catch_up_within=catch_up,
        timezone="UTC",
    )
    return Scheduler([job], RunRepo(db), "UTC", owner=owner, claim_seconds=CLAIM)


async def runs_recorded(db: Database) -> list[str]:
    rows = await db.fetch_all("SELECT result FROM job_runs WHERE job = 'nightly_batch'")
    return [row[0] for row in rows]


async def test_two_schedulers_racing_for_one_period_run_it_once(databases):
    work = Work(seconds=0.3)  # long enough for every racer to arrive while it runs
    old, new = scheduler(databases[0], work, "old"), scheduler(databases[1], work, "new")
    # Both believe they lead (fired by hand: no lease is asked), several times at once.
    results = await asyncio.gather(*(s.fire("nightly_batch", AT) for s in (old, new) * 4))
    assert len(work.runs) == 1
    assert [r for r in results if r is not None] == ["run 1"]
    assert await runs_recorded(databases[0]) == ["run 1"]
    # Later fires and catch-ups of the period, from either, change nothing.
    assert await new.fire("nightly_batch", AT + timedelta(hours=1)) is None
    await asyncio.gather(old.catch_up(AT), new.catch_up(AT))
    assert len(work.runs) == 1
    await asyncio.gather(old.stop(), new.stop())


@pytest.fixture
async def two_processes(
    settings: Settings,
    telegram: FakeTelegram,
    redis_url: str,
    postgresql: DatabaseUnderTest,
    tmp_path: Path,
) -> AsyncIterator[tuple[Driver, Driver]]:
    made = []
    for name in ("one", "two"):
        own = settings.model_copy(
            update={
                "redis_url": redis_url,
                "database_url": postgresql.url,
                "database_schema": postgresql.schema,
                "media_dir": tmp_path / name / "media",
            }
        )
        made.append(await make_driver(own, telegram))
    yield made[0], made[1]
    for driver in made:
        await driver.app.close()


async def test_two_bot_processes_send_the_weekly_report_once(two_processes):
    """The wiring as it runs: two processes on one PostgreSQL and one Redis fire the same
    report period at once (as an old and a new leader could): the admin gets one report."""
    first, second = two_processes
    monday = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
    results = await asyncio.gather(
        *(d.app.scheduler.fire("weekly_report", monday) for d in (first, second, first, second))
    )
    assert [r for r in results if r is not None] == ["sent to 1 admins"]
    reports = [c for c in first.telegram.sent("sendPhoto") if c.params["chat_id"] == ADMIN_ID]
    assert len(reports) == 1
    rows = await first.app.services.db.fetch_all(
        "SELECT owner, finished_at FROM duty_claims WHERE job = 'weekly_report'"
    )
    assert len(rows) == 1 and rows[0][1] is not None
    assert rows[0][0] in {first.app.scheduler.owner, second.app.scheduler.owner}


@pytest.fixture
async def clients(redis_url: str) -> AsyncIterator[tuple[Redis, Redis]]:
    first, second = Redis.from_url(redis_url), Redis.from_url(redis_url)
    yield first, second
    await first.aclose()
    await second.aclose()


async def test_a_leader_whose_lease_was_taken_starts_nothing_more(databases, clients):
    work = Work()
    # No catching up at start: the test fires the period itself.
    old_clock = scheduler(databases[0], work, "old", catch_up=timedelta(0))
    new_clock = scheduler(databases[1], work, "new", catch_up=timedelta(0))
    # The old leader renews only every 60 s: it will not notice on its own in this test.
    old = Leadership(RedisLease(clients[0], ttl=0.5), [old_clock], every=60)
    new = Leadership(RedisLease(clients[1], ttl=30), [new_clock], every=60)
    old_clock.still_leading, new_clock.still_leading = old.confirm, new.confirm
    await old.start()
    try:
        assert old.leading
        await asyncio.sleep(0.7)  # it stalled past its lease…
        await new.start()  # …and another process took it
        assert new.leading and old.leading  # the old one has not noticed yet
        # Its clock fires: the lease is asked first, found taken, and nothing starts.
        assert await old_clock.fire("nightly_batch", AT) is None
        assert work.runs == [] and not old.leading
        assert await runs_recorded(databases[0]) == []
        assert await databases[0].fetch_all("SELECT 1 FROM duty_claims") == []
        # It stepped down at once: its clock stopped, and it starts nothing more.
        deadline = time.monotonic() + 2
        while old_clock._scheduler is not None:
            assert time.monotonic() < deadline, "the old leader's clock never stopped"
            await asyncio.sleep(0.01)
        assert await old_clock.fire("nightly_batch", AT) is None
        assert work.runs == []
        # The new leader runs the period.
        assert await new_clock.fire("nightly_batch", AT) == "run 1"
        assert len(work.runs) == 1
    finally:
        await new.stop()
        await old.stop()


class CountingSweep:
    """A sweep that only counts its runs."""

    def __init__(self) -> None:
        self.runs = 0

    async def run(self, now: float | None = None) -> SweepReport:
        self.runs += 1
        return SweepReport(0, 0)

    async def untold(self) -> list[Any]:
        return []


async def test_a_leader_whose_lease_was_taken_sweeps_no_more(clients):
    sweep = CountingSweep()
    sweeper = Sweeper(
        cast(Any, None), cast(Any, None), cast(Sweep, sweep), interval=0.1, post_cost=2
    )
    lease = RedisLease(clients[0], ttl=30)
    old = Leadership(lease, [sweeper], every=60)  # it will not notice on its own here
    sweeper.still_leading = old.confirm
    await old.start()
    try:
        assert sweep.runs == 1  # at once when it leads
        await asyncio.sleep(0.5)
        assert sweep.runs >= 2  # then every interval, the lease renewed each time
        await clients[0].delete(lease.key)  # it stalled past its lease…
        taker = RedisLease(clients[1], ttl=30)
        assert await taker.acquire()  # …and another process took it
        swept = sweep.runs
        await asyncio.sleep(0.3)  # its next sweep asks first, and stops
        assert sweep.runs == swept and not old.leading
    finally:
        await old.stop()


async def test_a_claim_left_by_a_dead_runner_is_taken_over_after_its_expiry(databases):
    dead_work, work = Work(), Work()
    dead_work.release = asyncio.Event()  # never set: it hangs until killed
    dying = scheduler(databases[0], dead_work, "dying")
    heir = scheduler(databases[1], work, "heir")
    run = asyncio.create_task(dying.fire("nightly_batch", AT))
    while not dead_work.runs:  # claimed and running
        await asyncio.sleep(0.01)
    await asyncio.sleep(CLAIM)  # beating all along: still its claim
    assert await heir.fire("nightly_batch", AT) is None
    assert work.runs == []
    run.cancel()  # the runner dies: no more beats, no release
    killed = time.monotonic()
    with contextlib.suppress(asyncio.CancelledError):
        await run
    # The heir looks again once the claim can be stale, and takes it over.
    while not work.runs:
        assert time.monotonic() - killed < 3 * CLAIM + 1, "the dead runner's claim was kept"
        await asyncio.sleep(0.02)
    # Not before its expiry (counted from its last beat, at most a third of it before).
    assert time.monotonic() - killed >= CLAIM * 2 / 3 - 0.05
    while not await runs_recorded(databases[0]):
        await asyncio.sleep(0.02)
    assert await runs_recorded(databases[0]) == ["run 1"]
    claim = await RunRepo(databases[0]).holder("nightly_batch", AT.date().isoformat())
    assert claim is not None and claim.owner == "heir" and claim.finished
    await asyncio.gather(dying.stop(), heir.stop())


async def test_a_slow_but_live_runner_keeps_its_claim(databases):
    slow_work, work = Work(seconds=3 * CLAIM), Work()
    slow = scheduler(databases[0], slow_work, "slow")
    other = scheduler(databases[1], work, "other")
    run = asyncio.create_task(slow.fire("nightly_batch", AT))
    while not slow_work.runs:
        await asyncio.sleep(0.01)
    assert await other.fire("nightly_batch", AT) is None  # looks again later
    assert await run == "run 1"
    await asyncio.sleep(2 * CLAIM)  # its look again finds the period done
    assert work.runs == []
    assert await runs_recorded(databases[0]) == ["run 1"]
    await asyncio.gather(slow.stop(), other.stop())


async def test_a_failed_run_gives_its_claim_back_for_the_next_start(databases):
    class Failing(Work):
        async def __call__(self, at: datetime) -> str:
            await super().__call__(at)
            if len(self.runs) == 1:
                raise RuntimeError("the provider is down")
            return "run 2"

    work = Failing()
    first, second = scheduler(databases[0], work, "first"), scheduler(databases[1], work, "second")
    assert await first.fire("nightly_batch", AT) is None  # failed: nothing recorded
    assert await runs_recorded(databases[0]) == []
    assert await second.fire("nightly_batch", AT) == "run 2"  # no waiting for an expiry
    assert await runs_recorded(databases[0]) == ["run 2"]
    await asyncio.gather(first.stop(), second.stop())
