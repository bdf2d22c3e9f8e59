"""The clock of the bot (APScheduler 3): the daily batch at 09:00 UTC (the next date's
images, before UTC+14 reaches it) and the pushes every quarter of an hour (each
subscriber at their local hour), both on UTC; cache clean-up at 02:00, the weekly report
on Mondays at 09:00 and the PRO monthly reset on the 1st at 00:05, in BOT_TIMEZONE. Every
job records the period it ran for, so a second run of the same period does nothing; at
start-up the periods missed while the bot was down run once. It runs in one process at a
time, the leader (bot/duties/leadership.py).

Before a period runs, the leadership is asked (the lease renewed now) and the period is
claimed in the database (services/core/run_repo.py): an old leader that has not noticed
its lease is gone and the new one never both run it. The claimant beats its claim while it
runs; a claim whose beats stopped for `claim_seconds` (its runner died) is taken over, and
a scheduler that finds a period claimed by a live runner looks again when that claim would
go stale (the other finished it by then, or died and it is taken over)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.duties.leadership import Mandate, always
from bot.jobs.runner import JobRun
from bot.logs import JOB
from services.core.run_repo import RunRepo

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 60.0
"""A claim whose runner has not beaten for this long is taken over (DUTY_CLAIM_SECONDS)."""


def process_owner() -> str:
    """Who claims a period: this host, process and start (unique per incarnation)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    cron: dict[str, str | int]
    """CronTrigger fields, e.g. {"hour": 0, "minute": 0}."""
    period: Callable[[datetime], str]
    """The period a run at that local time is for (its idempotency key)."""
    run: JobRun
    catch_up_within: timedelta = timedelta(days=1)
    """A missed run is made up at start-up only if it was due at most this long ago (a new
    installation must not, say, reset allowances in the middle of a month)."""
    timezone: str | None = None
    """The zone of `cron`; None: BOT_TIMEZONE."""


class Scheduler:
    def __init__(
        self,
        jobs: list[Job],
        runs: RunRepo,
        timezone: str,
        *,
        owner: str | None = None,
        claim_seconds: float = CLAIM_SECONDS,
    ) -> None:
        self.jobs = {job.name: job for job in jobs}
        self._runs = runs
        self._timezone = timezone
        self.owner = owner or process_owner()
        """This process's mark on the periods it claims."""
        self.claim_seconds = claim_seconds
        self.still_leading: Mandate = always
        """Asked before each start while the clock runs (bot/app.py: the leadership's)."""
        self._on_duty: bool | None = None
        """None: never started (fired by hand only); then whether the clock runs."""
        self._scheduler: AsyncIOScheduler | None = None
        self._catching_up: asyncio.Task[None] | None = None
        self._looking_again: dict[tuple[str, str], asyncio.Task[None]] = {}

    async def start(self) -> None:
        """Starts the clock (in the leader only: bot/duties/leadership.py) and catches up."""
        if self._scheduler is not None:
            return
        self._on_duty = True
        self._scheduler = AsyncIOScheduler(timezone=self._timezone)
        for job in self.jobs.values():
            self._scheduler.add_job(
                self.fire,
                self.trigger(job),
                args=[job.name],
                id=job.name,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=3600,
            )
        self._scheduler.start()
        # In the background: polling must not wait for a night's worth of catching up.
        self._catching_up = asyncio.create_task(self.catch_up())

    async def stop(self) -> None:
        """Stops the clock (a job under way runs to its end); start() starts it again."""
        if self._on_duty:
            self._on_duty = False
        for task in self._looking_again.values():
            task.cancel()
        await asyncio.gather(*self._looking_again.values(), return_exceptions=True)
        self._looking_again.clear()
        if self._catching_up is not None:
            self._catching_up.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._catching_up
            self._catching_up = None
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None

    async def fire(self, name: str, at: datetime | None = None) -> str | None:
        """Runs `name` for the period of `at` (now) unless that period already ran; its
        log lines (and those of what it calls) name the job."""
        token = JOB.set(name)
        try:
            return await self._fire(name, at)
        finally:
            JOB.reset(token)

    async def _fire(self, name: str, at: datetime | None) -> str | None:
        job = self.jobs[name]
        moment = at or datetime.now(self._zone)
        period = job.period(moment)
        if await self._runs.ran(name, period):
            return None
        if not await self._may_start(name, period):
            return None
        if not await self._runs.claim(name, period, self.owner, stale_after=self.claim_seconds):
            await self._look_again(job, moment, period)
            return None
        if await self._runs.ran(name, period):  # it ran meanwhile, or before claims existed
            await self._runs.record_run(name, period, "")  # (closes the claim)
            return None
        beating = asyncio.create_task(self._beat(name, period))
        try:
            summary = await job.run(moment)
        except Exception:
            logger.exception(
                "job %s for %s failed; it will be retried at its next run", name, period
            )
            try:
                await self._runs.release(name, period, self.owner)
            except Exception as error:  # then it is taken over once its beats are stale
                logger.warning(
                    "job %s for %s: its claim was not given back: %r", name, period, error
                )
            return None
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating
        await self._runs.record_run(name, period, summary)
        logger.info("job %s for %s: %s", name, period, summary)
        return summary

    async def _may_start(self, name: str, period: str) -> bool:
        """A stopped clock starts nothing; a running one asks the leadership first."""
        if self._on_duty is None:
            return True  # fired by hand, never by the clock
        if self._on_duty and await self.still_leading():
            return True
        logger.info("job %s for %s not started: this process no longer leads", name, period)
        return False

    async def _beat(self, name: str, period: str) -> None:
        """While the period runs: its claim renewed every third of `claim_seconds`, so
        nobody takes over a run that is slow but alive."""
        while True:
            await asyncio.sleep(self.claim_seconds / 3)
            try:
                if not await self._runs.beat(name, period, self.owner):
                    logger.warning(
                        "job %s for %s: its claim was taken over (its beats lapsed)", name, period
                    )
                    return
            except Exception as error:
                logger.warning("job %s for %s: its claim's beat failed: %r", name, period, error)

    async def _look_again(self, job: Job, moment: datetime, period: str) -> None:
        """The period is claimed by another runner: looked at again when its claim would
        go stale, for as long as the job's catch-up window lasts."""
        key = (job.name, period)
        holder = await self._runs.holder(job.name, period)
        if holder is None or holder.finished or key in self._looking_again:
            return
        if datetime.now(self._zone) - moment > job.catch_up_within:
            return
        logger.info(
            "job %s for %s is being run by %s; looking again once its claim would be stale",
            job.name,
            period,
            holder.owner,
        )
        delay = max(0.0, holder.beat_at + self.claim_seconds - time.time()) + 0.1

        async def later() -> None:
            await asyncio.sleep(delay)
            self._looking_again.pop(key, None)
            await self.fire(job.name, moment)

        self._looking_again[key] = asyncio.create_task(later())

    async def catch_up(self, at: datetime | None = None) -> None:
        """Runs, once, each job's latest period that should have run by now."""
        moment = at or datetime.now(self._zone)
        for job in self.jobs.values():
            last = _last_fire(self.trigger(job), moment)
            if last is not None and moment - last <= job.catch_up_within:
                await self.fire(job.name, last)

    def trigger(self, job: Job) -> CronTrigger:
        """When `job` fires: its cron in its zone."""
        zone = job.timezone or self._timezone
        return CronTrigger(timezone=zone, **job.cron)

    @property
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self._timezone)


def _last_fire(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The latest time at or before `now` the trigger fires (looking back up to 35 days)."""
    probe = trigger.get_next_fire_time(None, now - timedelta(days=35))
    last = None
    while probe is not None and probe <= now:
        last = probe
        probe = trigger.get_next_fire_time(probe, probe + timedelta(seconds=1))
    return last
