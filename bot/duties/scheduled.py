"""The scheduled jobs, wired to the services (see bot/duties/scheduler.py for how they run). The
two long ones, the nightly batch and the daily push, are handed to the job queue: a worker
runs them (in process without Redis), never the web process that happens to lead."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from aiogram import Bot
from aiogram.utils.i18n import I18n

from bot.duties.pushes import DailyPush
from bot.duties.scheduler import Job
from bot.jobs.broker import JobQueue
from bot.jobs.runner import JobRun
from services.admin.reports import Reports
from services.core.ledger import Ledger
from services.cosmic.batch import NightlyBatch, upcoming_day
from services.cosmic.service import CosmicService
from services.sharing.card_repo import CardRepo
from ui.admin.reporting import send_report

logger = logging.getLogger(__name__)

KEEP_FILES_DAYS = 3
"""A date's shared image is in use for up to 51 hours (painted the day before UTC+14
reaches the date, kept until UTC−12 has finished it)."""


@dataclass(frozen=True)
class ScheduledWork:
    """What each scheduled job does, wired to the services."""

    bot: Bot
    i18n: I18n
    locale: str
    batch: NightlyBatch
    push: DailyPush
    reports: Reports
    cosmic: CosmicService
    cards: CardRepo
    ledger: Ledger
    admin_ids: frozenset[int]
    queue: JobQueue

    async def nightly(self, at: datetime) -> str:
        return (await self.batch.run(upcoming_day(at))).summary()

    async def cleanup(self, at: datetime) -> str:
        cosmic = self.cosmic
        expired = await cosmic.cache.purge()
        referenced = await cosmic.images.paths() | await self.cards.paths()
        return f"{expired} cache entries expired, {clean_media(referenced, cosmic.media.root)}"

    async def weekly_report(self, at: datetime) -> str:
        with self.i18n.context(), self.i18n.use_locale(self.locale):
            for admin_id in self.admin_ids:
                await send_report(self.bot, admin_id, self.reports, self.cosmic, 7)
        return f"sent to {len(self.admin_ids)} admins"

    async def monthly_reset(self, at: datetime) -> str:
        return f"{await self.ledger.monthly_reset(date(at.year, at.month, 1))} partners reset"

    async def pushes(self, at: datetime) -> str:
        report = await self.push.run(at)  # each subscriber at their local hour, once per date
        return (
            f"sent {report.sent}, blocked {report.blocked}, failed {report.failed},"
            f" skipped {report.skipped}"
        )

    def queued(self, name: str, within: timedelta) -> JobRun:
        """Hands the job to the queue: a worker runs it (by name, bot/jobs/runner.py)."""

        async def run(at: datetime) -> str:
            return await self.queue.scheduled(name, at, at + within)

        return run


def build_jobs(work: ScheduledWork) -> tuple[list[Job], dict[str, JobRun]]:
    """The scheduler's jobs, and the work of those it queues (by name: bot/jobs/runner.py)."""
    jobs = [
        Job(
            "nightly_batch",
            {"hour": 9, "minute": 0},
            lambda at: upcoming_day(at).isoformat(),
            work.queued("nightly_batch", timedelta(days=1)),
            timezone="UTC",
        ),
        Job("cache_cleanup", {"hour": 2, "minute": 0}, _day, work.cleanup),
        Job(
            "weekly_report",
            {"day_of_week": "mon", "hour": 9, "minute": 0},
            lambda at: f"{at.isocalendar().year}-W{at.isocalendar().week:02d}",
            work.weekly_report,
            catch_up_within=timedelta(days=2),
        ),
        Job(
            "monthly_reset",
            {"day": 1, "hour": 0, "minute": 5},
            lambda at: f"{at:%Y-%m}",
            work.monthly_reset,
            catch_up_within=timedelta(days=3),
        ),
        Job(
            "daily_push",
            {"minute": "*/15"},  # whole, half and three-quarter-hour zones on time
            lambda at: f"{at.astimezone(UTC):%Y-%m-%dT%H:%M}",
            work.queued("daily_push", timedelta(hours=1)),
            catch_up_within=timedelta(hours=1),
            timezone="UTC",
        ),
    ]
    return jobs, {"nightly_batch": work.nightly, "daily_push": work.pushes}


def _day(at: datetime) -> str:
    return at.date().isoformat()


def clean_media(referenced: set[str], root: Path) -> str:
    """Deletes generated files no image or card references (`referenced`, relative to
    `root`) that are older than KEEP_FILES_DAYS."""
    cutoff = time.time() - KEEP_FILES_DAYS * 86_400
    removed = 0
    # Thumbnails are never referenced: they are made again on request.
    for folder, pattern in (("cosmic", "*.png"), ("cards", "*.png"), ("thumbs", "*.jpg")):
        for path in (root / folder).glob(pattern) if (root / folder).exists() else ():
            relative = path.relative_to(root).as_posix()
            if relative not in referenced and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
    return f"{removed} unreferenced files removed"
