"""Cosmic Coach tiers: what each one may make, how often, at which quality, and the week
they count in (Monday 00:00 in the bot's timezone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from services.core.categories import COSMIC_CATEGORIES, Category
from services.generation.base import Quality


class Tier(StrEnum):
    FREE = "free"
    COSMIC = "cosmic"
    UNIVERSE = "universe"


@dataclass(frozen=True, slots=True)
class TierPolicy:
    weekly_limit: int | None
    """Personal generations a week; None is unlimited."""
    quality: Quality
    categories: frozenset[Category]


POLICIES: dict[Tier, TierPolicy] = {
    Tier.FREE: TierPolicy(0, Quality.STANDARD, frozenset()),
    Tier.COSMIC: TierPolicy(
        3, Quality.STANDARD, frozenset({Category.DAILY, Category.MATCH, Category.MOON})
    ),
    Tier.UNIVERSE: TierPolicy(None, Quality.HD, COSMIC_CATEGORIES),
}


def effective_tier(tier: str, expires_at: float | None, now: float) -> Tier:
    """The tier in force: a paid tier past its expiry is free again."""
    if tier != Tier.FREE and expires_at is not None and expires_at <= now:
        return Tier.FREE
    return Tier(tier)


@dataclass(frozen=True, slots=True)
class Clock:
    """The bot's idea of "today" and "this week", in BOT_TIMEZONE."""

    zone: ZoneInfo

    def now(self) -> datetime:
        return datetime.now(self.zone)

    def today(self, at: datetime | None = None) -> date:
        return (at or self.now()).astimezone(self.zone).date()

    def week_start(self, at: datetime | None = None) -> date:
        today = self.today(at)
        return today - timedelta(days=today.weekday())

    def next_week_start(self, at: datetime | None = None) -> datetime:
        monday = self.week_start(at) + timedelta(days=7)
        return datetime.combine(monday, time(0), tzinfo=self.zone)

    def next_midnight(self, at: datetime | None = None) -> datetime:
        tomorrow = self.today(at) + timedelta(days=1)
        return datetime.combine(tomorrow, time(0), tzinfo=self.zone)
