"""The admins' /stats: today's images, shares, downloads and cost, and this week's viral
images, most shared images and categories."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from datetime import time as day_time

from services.admin.report_repo import ReportRepo
from services.admin.reports import cost_of, images_made
from services.infra.clock import Clock
from services.sharing.event_repo import EventRepo

DAY = 86_400


@dataclass(frozen=True, slots=True)
class Dashboard:
    images_today: int
    shares_today: int
    downloads_today: int
    cost_today: float
    viral_week: list[tuple[int, int]]
    top_week: list[tuple[int, int]]
    categories_week: dict[str, int]


class Stats:
    def __init__(self, repo: ReportRepo, events: EventRepo, clock: Clock) -> None:
        self._repo = repo
        self._events = events
        self._clock = clock

    async def dashboard(self) -> Dashboard:
        zone = self._clock.zone
        midnight = datetime.combine(self._clock.today(), day_time(0), tzinfo=zone).timestamp()
        week = datetime.combine(self._clock.week_start(), day_time(0), tzinfo=zone).timestamp()
        today = await self._repo.generations(midnight)
        return Dashboard(
            images_today=images_made(today),
            shares_today=await self._events.count("share", midnight),
            downloads_today=await self._events.count("download", midnight),
            cost_today=float(cost_of(today)),
            viral_week=await self._events.viral_since(time.time() - 7 * DAY),
            top_week=await self._events.top_shared(week, 5),
            categories_week=await self._repo.categories(week),
        )
