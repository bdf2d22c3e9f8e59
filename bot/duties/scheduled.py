"""The scheduled jobs, wired to the services (see bot/duties/scheduler.py for how they run). The
two long ones, the nightly batch and the daily push, are handed to the job queue: a worker
runs them (in process without Redis), never the web process that happens to lead."""

from __future__ import annotations

import logging
import time
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


def build_jobs(
    *,
    bot: Bot,
    i18n: I18n,
    locale: str,
    batch: NightlyBatch,
    push: DailyPush,
    reports: Reports,
    cosmic: CosmicService,
    cards: CardRepo,
    ledger: Ledger,
    admin_ids: frozenset[int],
    queue: JobQueue,
) -> tuple[list[Job], dict[str, JobRun]]:
    """The scheduler's jobs, and the work of those it queues (by name: bot/jobs/runner.py)."""

    def day(at: datetime) -> str:
        return at.date().isoformat()

    async def nightly(at: datetime) -> str:
        return (await batch.run(upcoming_day(at))).summary()

    async def cleanup(at: datetime) -> str:
        expired = await cosmic.cache.purge()
        referenced = await cosmic.images.paths() | await cards.paths()
        return f"{expired} cache entries expired, {clean_media(referenced, cosmic.media.root)}"

    async def weekly_report(at: datetime) -> str:
        with i18n.context(), i18n.use_locale(locale):
            for admin_id in admin_ids:
                await send_report(bot, admin_id, reports, cosmic, 7)
        return f"sent to {len(admin_ids)} admins"

    async def monthly_reset(at: datetime) -> str:
        return f"{await ledger.monthly_reset(date(at.year, at.month, 1))} partners reset"

    async def pushes(at: datetime) -> str:
        report = await push.run(at)  # each subscriber at their local hour, once per date
        return (
            f"sent {report.sent}, blocked {report.blocked}, failed {report.failed},"
            f" skipped {report.skipped}"
        )

    def queued(name: str, within: timedelta) -> JobRun:
        async def run(at: datetime) -> str:
            return await queue.scheduled(name, at, at + within)

        return run

    jobs = [
        Job(
            "nightly_batch",
            {"hour": 9, "minute": 0},
            lambda at: upcoming_day(at).isoformat(),
            queued("nightly_batch", timedelta(days=1)),
            timezone="UTC",
        ),
        Job("cache_cleanup", {"hour": 2, "minute": 0}, day, cleanup),
        Job(
            "weekly_report",
            {"day_of_week": "mon", "hour": 9, "minute": 0},
            lambda at: f"{at.isocalendar().year}-W{at.isocalendar().week:02d}",
            weekly_report,
            catch_up_within=timedelta(days=2),
        ),
        Job(
            "monthly_reset",
            {"day": 1, "hour": 0, "minute": 5},
            lambda at: f"{at:%Y-%m}",
            monthly_reset,
            catch_up_within=timedelta(days=3),
        ),
        Job(
            "daily_push",
            {"minute": "*/15"},  # whole, half and three-quarter-hour zones on time
            lambda at: f"{at.astimezone(UTC):%Y-%m-%dT%H:%M}",
            queued("daily_push", timedelta(hours=1)),
            catch_up_within=timedelta(hours=1),
            timezone="UTC",
        ),
    ]
    return jobs, {"nightly_batch": nightly, "daily_push": pushes}


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
