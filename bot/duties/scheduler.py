"""The clock of the bot (APScheduler 3): the daily batch at 09:00 UTC (the next date's
images, before UTC+14 reaches it) and the pushes every quarter of an hour (each
subscriber at their local hour), both on UTC; cache clean-up at 02:00, the weekly report
on Mondays at 09:00 and the PRO monthly reset on the 1st at 00:05, in BOT_TIMEZONE. Every
job records the period it ran for, so a second run of the same period does nothing; at
start-up the periods missed while the bot was down run once. It runs in one process at a
time, the leader (bot/duties/leadership.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.jobs.runner import JobRun
from bot.logs import JOB
from services.core.run_repo import RunRepo

logger = logging.getLogger(__name__)


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
    def __init__(self, jobs: list[Job], runs: RunRepo, timezone: str) -> None:
        self.jobs = {job.name: job for job in jobs}
        self._runs = runs
        self._timezone = timezone
        self._scheduler: AsyncIOScheduler | None = None
        self._catching_up: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Starts the clock (in the leader only: bot/duties/leadership.py) and catches up."""
        if self._scheduler is not None:
            return
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
        try:
            summary = await job.run(moment)
        except Exception:
            logger.exception(
                "job %s for %s failed; it will be retried at its next run", name, period
            )
            return None
        await self._runs.record_run(name, period, summary)
        logger.info("job %s for %s: %s", name, period, summary)
        return summary

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
