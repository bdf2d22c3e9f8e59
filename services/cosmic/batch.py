"""The daily batch: a date's shared image and one-line horoscope of all twelve signs, made
with bounded concurrency and retried per sign before the first time zone (UTC+14) reaches
that date, so every subscriber's push on their local date, and free users' /daily, find
everything ready. Twelve images per date, whatever the time zones."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

from services.cosmic.astro import SIGNS, daily_reading
from services.cosmic.horoscope import HoroscopeChain
from services.cosmic.horoscope_repo import HoroscopeRepo
from services.cosmic.service import CosmicService
from services.cosmic.subscription_repo import SubscriptionRepo

logger = logging.getLogger(__name__)

FIRST_ZONE = timezone(timedelta(hours=14))
"""UTC+14 (Pacific/Kiritimati): the first time zone to reach a date, at 10:00 UTC before."""
LEAD = timedelta(hours=1)
"""The batch for a date runs this long before UTC+14 reaches it (from 09:00 UTC)."""


def upcoming_day(at: datetime | None = None) -> date:
    """The date a batch run at `at` (now) prepares: the one UTC+14 is on, or reaches within
    LEAD. From 09:00 UTC that is tomorrow's UTC date; before, today's."""
    return ((at or datetime.now(UTC)).astimezone(FIRST_ZONE) + LEAD).date()


@dataclass
class BatchReport:
    day: str
    success: int = 0
    failed: int = 0
    cached: int = 0
    horoscopes: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.day}: {self.success} painted, {self.cached} cached, {self.failed} failed,"
            f" {self.horoscopes} horoscopes, ${self.cost_usd:.4f}, {self.seconds:.1f}s"
        )


class NightlyBatch:
    def __init__(
        self,
        cosmic: CosmicService,
        horoscopes: HoroscopeChain,
        subscriptions: SubscriptionRepo,
        written: HoroscopeRepo,
        *,
        concurrency: int = 4,
        attempts: int = 3,
        retry_delay: float = 2.0,
    ) -> None:
        self._cosmic = cosmic
        self._horoscopes = horoscopes
        self._subscriptions = subscriptions
        self._written = written
        self._concurrency = concurrency
        self._attempts = attempts
        self._retry_delay = retry_delay

    async def run(self, day: date | None = None) -> BatchReport:
        """Prepares `day` (by default the upcoming date, see `upcoming_day`)."""
        started = time.perf_counter()
        day = day or upcoming_day()
        report = BatchReport(day=day.isoformat())
        languages = sorted({"en", *await self._subscriptions.languages_in_use()})
        slots = asyncio.Semaphore(self._concurrency)

        async def one(sign_key: str) -> None:
            async with slots:
                await self._sign(sign_key, day, languages, report)

        await asyncio.gather(*(one(sign.key) for sign in SIGNS))
        report.seconds = time.perf_counter() - started
        logger.info("nightly batch %s", report.summary())
        return report

    async def _sign(
        self, sign_key: str, day: date, languages: list[str], report: BatchReport
    ) -> None:
        for attempt in range(1, self._attempts + 1):
            try:
                entry, cached = await self._cosmic.prepare_daily(sign_key, day)
                break
            except Exception as error:
                logger.warning("batch: %s attempt %d failed: %r", sign_key, attempt, error)
                if attempt == self._attempts:
                    report.failed += 1
                    report.failures.append(sign_key)
                    return
                await asyncio.sleep(random.uniform(0, self._retry_delay * 2 ** (attempt - 1)))
        if cached:
            report.cached += 1
        else:
            report.success += 1
            report.cost_usd += entry.cost_usd
        reading = daily_reading(sign_key, day)
        for language in languages:
            if await self._written.horoscope(day.isoformat(), sign_key, language) is not None:
                continue
            text, model = await self._horoscopes.write(reading, language)
            await self._written.save_horoscope(day.isoformat(), sign_key, language, text, model)
            report.horoscopes += 1
