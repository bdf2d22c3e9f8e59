"""The bot's idea of "today" and "this week", in BOT_TIMEZONE (weeks start on Monday 00:00)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


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
