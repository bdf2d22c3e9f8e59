"""The admins' /report: cost, usage and the seed-003 KPIs over the last N days, plus the
daily series the chart is drawn from. Read-only queries over the records."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as day_time

import aiosqlite

from services.core.db import Database
from services.core.tiers import Clock

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


def _percentile(values: list[int], q: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Reports:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def build(self, days: int, cache_stats: tuple[int, int] = (0, 0)) -> Report:
        end = self._clock.today()
        start = end - timedelta(days=days - 1)
        since = datetime.combine(start, day_time(0), tzinfo=self._clock.zone).timestamp()
        one = self._one
        gens = await self._db.fetch_all(
            "SELECT kind, provider, model, status, duration_ms, cost_usd, post_id, created_at"
            " FROM generations WHERE created_at >= ?",
            (since,),
        )
        images = sum(1 for g in gens if g["kind"] == "image" and g["status"] == "ok")
        cost = sum(g["cost_usd"] for g in gens)
        image_cost = sum(g["cost_usd"] for g in gens if g["kind"] == "image")
        post_cost = sum(g["cost_usd"] for g in gens if g["post_id"] is not None)
        posts = await one(
            "SELECT COUNT(*) FROM posts WHERE status = 'done' AND created_at >= ?", since
        )
        models: dict[str, tuple[int, float]] = {}
        for g in gens:
            name = f"{g['provider']}:{g['model']}"
            calls, spent = models.get(name, (0, 0.0))
            models[name] = (calls + 1, spent + g["cost_usd"])
        durations = [g["duration_ms"] for g in gens if g["status"] == "ok"]
        hits, misses = cache_stats
        categories = await self._db.fetch_all(
            "SELECT category, COUNT(*) FROM images WHERE created_at >= ? AND shared = 0"
            " GROUP BY category ORDER BY 2 DESC",
            (since,),
        )
        return Report(
            days=days,
            start=start,
            end=end,
            images=images,
            posts=posts,
            cost=cost,
            cost_per_image=image_cost / images if images else 0.0,
            cost_per_post=post_cost / posts if posts else 0.0,
            by_category={row[0]: row[1] for row in categories},
            by_model=sorted(((n, c, s) for n, (c, s) in models.items()), key=lambda m: -m[2]),
            cache_hit_rate=hits / (hits + misses) if hits + misses else None,
            monthly_estimate=cost / days * 30,
            tokens_granted=await one(
                "SELECT COALESCE(SUM(bonus_delta), 0) FROM ledger WHERE"
                " kind = 'grant' AND bonus_delta > 0 AND created_at >= ?",
                since,
            ),
            tokens_spent=await one(
                "SELECT COALESCE(SUM(allowance_amount + bonus_amount), 0)"
                " FROM reservations WHERE status = 'committed'"
                " AND settled_at >= ?",
                since,
            ),
            success_rate=sum(1 for g in gens if g["status"] == "ok") / len(gens) if gens else None,
            p50_ms=_percentile(durations, 0.5),
            p95_ms=_percentile(durations, 0.95),
            shares=await one(
                "SELECT COUNT(*) FROM events WHERE kind = 'share' AND created_at >= ?", since
            ),
            viral=await one("SELECT COUNT(*) FROM viral WHERE flagged_at >= ?", since),
            paying_active_share=await self._paying_active_share(),
            conversions=await one(
                "SELECT COUNT(*) FROM (SELECT user_id, MIN(created_at) AS"
                " first FROM payments GROUP BY user_id) WHERE first >= ?",
                since,
            ),
            daily=self._daily(gens, start, days),
        )

    async def _one(self, sql: str, *params: object) -> int:
        row = await self._db.fetch_one(sql, params)
        return int(row[0] or 0) if row else 0

    async def _paying_active_share(self) -> float | None:
        """Of the users on a paid plan now, the share who made an image this week."""
        week = datetime.combine(
            self._clock.week_start(), day_time(0), tzinfo=self._clock.zone
        ).timestamp()
        now = time.time()
        paying = await self._one(
            "SELECT COUNT(*) FROM accounts WHERE tier != 'free'"
            " AND (tier_expires_at IS NULL OR tier_expires_at > ?)",
            now,
        )
        if not paying:
            return None
        active = await self._one(
            "SELECT COUNT(DISTINCT a.user_id) FROM accounts a JOIN images i USING (user_id)"
            " WHERE a.tier != 'free' AND (a.tier_expires_at IS NULL OR a.tier_expires_at > ?)"
            " AND i.shared = 0 AND i.created_at >= ?",
            now,
            week,
        )
        return active / paying

    def _daily(
        self, gens: list[aiosqlite.Row], start: date, days: int
    ) -> list[tuple[date, float, int]]:
        series = {start + timedelta(days=n): [0.0, 0] for n in range(days)}
        for g in gens:
            day = datetime.fromtimestamp(g["created_at"], self._clock.zone).date()
            if day in series:
                series[day][0] += g["cost_usd"]
                series[day][1] += 1
        return [(day, float(cost), int(count)) for day, (cost, count) in series.items()]
