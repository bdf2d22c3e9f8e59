"""The admins' /report: cost, usage and the seed-003 KPIs over the last N days, plus the
daily series the chart is drawn from. Read-only, over services/admin/report_repo.py and the
sharing events."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as day_time

from services.admin.costs import per_model
from services.admin.report_repo import Generation, ReportRepo
from services.infra.clock import Clock
from services.sharing.event_repo import EventRepo

DAY = 86_400


@dataclass(frozen=True, slots=True)
class Report:
    days: int
    start: date
    end: date
    images: int
    posts: int
    cost: float
    cost_per_image: float
    cost_per_post: float
    by_category: dict[str, int]
    by_model: list[tuple[str, int, float]]
    cache_hit_rate: float | None
    monthly_estimate: float
    tokens_granted: int
    tokens_spent: int
    success_rate: float | None
    p50_ms: int | None
    p95_ms: int | None
    shares: int
    viral: int
    paying_active_share: float | None
    conversions: int
    daily: list[tuple[date, float, int]]
    """(day, cost, generations) for the chart."""

    @property
    def images_per_day(self) -> float:
        return self.images / self.days

    @property
    def shares_per_day(self) -> float:
        return self.shares / self.days

    @property
    def viral_per_week(self) -> float:
        return self.viral / (self.days / 7)


def images_made(gens: Sequence[Generation]) -> int:
    """Images the models painted (failed calls are not images)."""
    return sum(1 for g in gens if g.kind == "image" and g.status == "ok")


def cost_of(gens: Sequence[Generation]) -> float:
    return sum(g.cost_usd for g in gens)


def _percentile(values: list[int], q: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Reports:
    def __init__(self, repo: ReportRepo, events: EventRepo, clock: Clock) -> None:
        self._repo = repo
        self._events = events
        self._clock = clock

    async def build(self, days: int, cache_stats: tuple[int, int] = (0, 0)) -> Report:
        end = self._clock.today()
        start = end - timedelta(days=days - 1)
        since = datetime.combine(start, day_time(0), tzinfo=self._clock.zone).timestamp()
        repo = self._repo
        gens = await repo.generations(since)
        images = images_made(gens)
        cost = cost_of(gens)
        image_cost = cost_of([g for g in gens if g.kind == "image"])
        post_cost = cost_of([g for g in gens if g.post_id is not None])
        posts = await repo.posts_done(since)
        durations = [g.duration_ms for g in gens if g.status == "ok"]
        hits, misses = cache_stats
        return Report(
            days=days,
            start=start,
            end=end,
            images=images,
            posts=posts,
            cost=cost,
            cost_per_image=image_cost / images if images else 0.0,
            cost_per_post=post_cost / posts if posts else 0.0,
            by_category=await repo.categories(since),
            by_model=per_model(await repo.cost_by_model(since)),
            cache_hit_rate=hits / (hits + misses) if hits + misses else None,
            monthly_estimate=cost / days * 30,
            tokens_granted=await repo.tokens_granted(since),
            tokens_spent=await repo.tokens_spent(since),
            success_rate=sum(1 for g in gens if g.status == "ok") / len(gens) if gens else None,
            p50_ms=_percentile(durations, 0.5),
            p95_ms=_percentile(durations, 0.95),
            shares=await self._events.count("share", since),
            viral=len(await self._events.viral_since(since)),
            paying_active_share=await self._paying_active_share(),
            conversions=await repo.conversions(since),
            daily=self._daily(gens, start, days),
        )

    async def daily(self, days: int) -> list[tuple[date, float, int]]:
        """(day, cost, generations) of the last `days` days, today last: the chart alone."""
        end = self._clock.today()
        start = end - timedelta(days=days - 1)
        since = datetime.combine(start, day_time(0), tzinfo=self._clock.zone).timestamp()
        return self._daily(await self._repo.generations(since), start, days)

    async def _paying_active_share(self) -> float | None:
        """Of the users on a paid plan now, the share who made an image this week."""
        week = datetime.combine(
            self._clock.week_start(), day_time(0), tzinfo=self._clock.zone
        ).timestamp()
        now = time.time()
        paying = await self._repo.paying(now)
        if not paying:
            return None
        return await self._repo.paying_active(now, week) / paying

    def _daily(
        self, gens: Sequence[Generation], start: date, days: int
    ) -> list[tuple[date, float, int]]:
        series = {start + timedelta(days=n): [0.0, 0] for n in range(days)}
        for g in gens:
            day = datetime.fromtimestamp(g.created_at, self._clock.zone).date()
            if day in series:
                series[day][0] += g.cost_usd
                series[day][1] += 1
        return [(day, float(cost), int(count)) for day, (cost, count) in series.items()]
