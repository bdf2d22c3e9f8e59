"""Claims of scheduled periods, on SQLite and PostgreSQL: one claimant per period however
many ask at once, a finished period never claimed again, a stale claim taken over once."""

from __future__ import annotations

import asyncio
import time

from services.core.run_repo import RunRepo
from services.infra.db import Database


async def test_of_many_claimants_at_once_exactly_one_gets_the_period(db: Database):
    repos = [RunRepo(db) for _ in range(8)]
    won = await asyncio.gather(
        *(
            repo.claim("nightly_batch", "2026-06-18", f"p{n}", stale_after=60)
            for n, repo in enumerate(repos)
        )
    )
    assert sum(won) == 1
    holder = await repos[0].holder("nightly_batch", "2026-06-18")
    assert holder is not None and holder.owner == f"p{won.index(True)}"
    assert not holder.finished and holder.claimed_at <= time.time()
    # Another period, or another job, is a claim of its own.
    assert await repos[0].claim("nightly_batch", "2026-06-19", "p1", stale_after=60)
    assert await repos[0].claim("weekly_report", "2026-06-18", "p1", stale_after=60)


async def test_a_live_claim_is_kept_and_a_stale_one_is_taken_over_once(db: Database):
    runs = RunRepo(db)
    assert await runs.claim("daily_push", "T08:00", "dead", stale_after=0.2)
    assert not await runs.claim("daily_push", "T08:00", "new", stale_after=0.2)  # alive
    await asyncio.sleep(0.3)  # no beat since: stale
    takers = await asyncio.gather(
        *(runs.claim("daily_push", "T08:00", f"new{n}", stale_after=0.2) for n in range(4))
    )
    assert sum(takers) == 1
    owner = f"new{takers.index(True)}"
    holder = await runs.holder("daily_push", "T08:00")
    assert holder is not None and holder.owner == owner
    assert not await runs.beat("daily_push", "T08:00", "dead")  # no longer its claim
    assert await runs.beat("daily_push", "T08:00", owner)


async def test_beats_keep_a_slow_run_its_claim(db: Database):
    runs = RunRepo(db)
    assert await runs.claim("monthly_reset", "2026-06", "slow", stale_after=1.0)
    for _ in range(3):  # 1.2 s in all, more than the claim's expiry
        await asyncio.sleep(0.4)
        assert await runs.beat("monthly_reset", "2026-06", "slow")
        assert not await runs.claim("monthly_reset", "2026-06", "other", stale_after=1.0)


async def test_a_finished_period_is_never_claimed_again_and_a_failed_one_is(db: Database):
    runs = RunRepo(db)
    assert await runs.claim("weekly_report", "2026-W25", "a", stale_after=0.1)
    await runs.record_run("weekly_report", "2026-W25", "sent to 1 admins")
    await asyncio.sleep(0.2)  # however old its last beat
    assert not await runs.claim("weekly_report", "2026-W25", "b", stale_after=0.1)
    holder = await runs.holder("weekly_report", "2026-W25")
    assert holder is not None and holder.finished and await runs.ran("weekly_report", "2026-W25")

    assert await runs.claim("cache_cleanup", "2026-06-17", "a", stale_after=60)
    await runs.release("cache_cleanup", "2026-06-17", "b")  # not b's: nothing happens
    assert not await runs.claim("cache_cleanup", "2026-06-17", "b", stale_after=60)
    await runs.release("cache_cleanup", "2026-06-17", "a")  # its run failed
    assert await runs.claim("cache_cleanup", "2026-06-17", "b", stale_after=60)
