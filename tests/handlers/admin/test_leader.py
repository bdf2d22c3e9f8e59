"""Two bot processes on one Redis, each with a scheduler of its own: the jobs run in the
leader only, and in the other one once the leader dies. Each has its own database here, so
only the lease (not the record of runs) can keep a job from running twice. The queue is
shared too: so that each run is recorded where its leader looks, the second process works
the queue only once the first is dead."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from tests.conftest import Driver, make_driver, work_here
from tests.fakes.telegram import FakeTelegram

LEASE = 2.0


async def batch_runs(driver: Driver) -> int:
    rows = await driver.app.services.db.fetch_all(
        "SELECT period FROM job_runs WHERE job = 'nightly_batch'"
    )
    return len(rows)


async def wait_for_batch(driver: Driver, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not await batch_runs(driver):
        assert time.monotonic() < deadline, "the nightly batch never ran"
        await asyncio.sleep(0.1)


@pytest.fixture
async def processes(
    settings: Settings, telegram: FakeTelegram, redis_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Driver, Driver]]:
    made = []
    for name, work in (("one", True), ("two", False)):
        own = settings.model_copy(
            update={
                "redis_url": redis_url,
                "leader_lease_seconds": LEASE,
                "database_url": f"sqlite:///{tmp_path / name}.sqlite3",
                "media_dir": tmp_path / name / "media",
            }
        )
        made.append(await make_driver(own, telegram, work=work))
    first, second = made
    yield first, second
    for driver in (first, second):  # bounded: a close that never ends fails the test
        await asyncio.wait_for(driver.app.close(), 60)


async def test_the_batch_runs_in_the_leader_only_then_in_the_next_leader(processes):
    first, second = processes
    for driver in (first, second):  # both start up as `run` or `web` would
        await driver.app.dispatcher.emit_startup(bot=driver.app.bot)
    # The leader catches up this morning's batch (09:00 UTC; the clock says 11:00).
    await wait_for_batch(first, 60)
    await asyncio.sleep(3 * LEASE)  # renewed all along: the other never leads
    assert await batch_runs(first) == 1 and await batch_runs(second) == 0
    assert first.app.leadership and first.app.leadership.leading
    assert second.app.leadership and not second.app.leadership.leading

    # The leader dies: no more renewals, and its clock stops with it.
    assert first.app.leadership._task is not None
    first.app.leadership._task.cancel()
    await first.app.scheduler.stop()
    await first.app.queue.stop_working()
    work_here(second.app)
    await wait_for_batch(second, 60)  # the next leader runs it
    assert second.app.leadership.leading
    assert await batch_runs(first) == 1 and await batch_runs(second) == 1
