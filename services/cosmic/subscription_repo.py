"""Subscriptions to the daily push and each person's time zone: who is due at this hour
in their own zone, and whether today's push reached them (deliveries are claimed per
campaign, `push:<the subscriber's local date>`: services/core/delivery_repo.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

from services.infra.db import Database


@dataclass(frozen=True, slots=True)
class Subscription:
    user_id: int
    sign: str
    hour: int
    """The delivery hour, in the subscriber's time zone."""
    language: str
    zone: str | None = None
    """The person's time zone name (see services/zones.py); None: the bot's."""


@dataclass(frozen=True, slots=True)
class ZoneClock:
    """What the clock says in one time zone now: its local date and hour."""

    zone: str | None
    day: str
    hour: int


def push_campaign(day: str) -> str:
    """The daily push of one local date (ISO): its deliveries are claimed under this name."""
    return f"push:{day}"


_PUSHED_SINCE = "d.user_id = s.user_id AND d.campaign IN (c.push0, c.push1, c.push2)"
"""A push for the date `c.day` or later reached `s.user_id` (`c.push0..2`: the campaigns of
that date and the two after it, see `_campaigns_from`). At any moment the dates in use on
Earth span at most three days (UTC−12 to UTC+14), so no later date can have been pushed;
the three lookups use the deliveries' primary key (campaign, user_id)."""


def _campaigns_from(day: str) -> list[str]:
    first = date.fromisoformat(day)
    return [push_campaign((first + timedelta(days=n)).isoformat()) for n in range(3)]


_SUBSCRIPTION = (
    "SELECT s.user_id, s.sign, s.hour, a.language, z.zone FROM subscriptions s"
    " JOIN accounts a USING (user_id) LEFT JOIN time_zones z USING (user_id)"
)


class SubscriptionRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def subscribe(self, user_id: int, sign: str, hour: int) -> None:
        await self._db.execute_atomic(
            "INSERT INTO subscriptions (user_id, sign, hour, active, updated_at)"
            " VALUES (?, ?, ?, 1, ?) ON CONFLICT (user_id) DO UPDATE SET sign = excluded.sign,"
            " hour = excluded.hour, active = 1, updated_at = excluded.updated_at RETURNING 1",
            (user_id, sign, hour, time.time()),
        )

    async def unsubscribe(self, user_id: int) -> bool:
        row = await self._db.execute_atomic(
            "UPDATE subscriptions SET active = 0, updated_at = ? WHERE user_id = ? AND active = 1"
            " RETURNING 1",
            (time.time(), user_id),
        )
        return row is not None

    async def subscription(self, user_id: int) -> Subscription | None:
        row = await self._db.fetch_one(
            f"{_SUBSCRIPTION} WHERE s.user_id = ? AND s.active = 1", (user_id,)
        )
        return Subscription(*row) if row else None

    async def due(self, clocks: list[ZoneClock], window: int) -> dict[str, list[Subscription]]:
        """Active subscribers whose delivery hour has come on their local date, at most
        `window` hours ago, and who got no push for that date (nor a later one: a person
        who moved west is not sent an earlier date). `clocks`: every zone in use. By date."""
        if not clocks:
            return {}
        values = ", ".join(["(?, ?, ?, ?, ?, CAST(? AS INTEGER))"] * len(clocks))
        params = [
            value
            for c in clocks
            for value in (c.zone or "", c.day, *_campaigns_from(c.day), c.hour)
        ]
        rows = await self._db.fetch_all(
            f"WITH clocks (zone, day, push0, push1, push2, hour) AS (VALUES {values})"
            " SELECT s.user_id, s.sign, s.hour, a.language, z.zone, c.day FROM subscriptions s"
            " JOIN accounts a USING (user_id) LEFT JOIN time_zones z USING (user_id)"
            " JOIN clocks c ON c.zone = COALESCE(z.zone, '')"
            " WHERE s.active = 1 AND s.hour <= c.hour AND s.hour > c.hour - ?"
            f" AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE {_PUSHED_SINCE})"
            " ORDER BY s.user_id",
            (*params, window),
        )
        due: dict[str, list[Subscription]] = {}
        for *subscription, day in rows:
            due.setdefault(day, []).append(Subscription(*subscription))
        return due

    async def pushed_since(self, user_id: int, day: str) -> bool:
        """Whether this person got the push of `day` (or of a later date) already."""
        row = await self._db.fetch_one(
            "WITH s (user_id) AS (VALUES (CAST(? AS BIGINT))),"
            " c (push0, push1, push2) AS (VALUES (?, ?, ?))"
            f" SELECT 1 FROM deliveries d, s, c WHERE {_PUSHED_SINCE}",
            (user_id, *_campaigns_from(day)),
        )
        return row is not None

    async def zones_in_use(self) -> list[str | None]:
        """The time zones of active subscribers (None: the bot's)."""
        rows = await self._db.fetch_all(
            "SELECT DISTINCT z.zone FROM subscriptions s LEFT JOIN time_zones z"
            " USING (user_id) WHERE s.active = 1"
        )
        return [row[0] for row in rows]

    async def zone(self, user_id: int) -> str | None:
        row = await self._db.fetch_one("SELECT zone FROM time_zones WHERE user_id = ?", (user_id,))
        return row[0] if row else None

    async def set_zone(self, user_id: int, zone: str) -> None:
        await self._db.execute_atomic(
            "INSERT INTO time_zones (user_id, zone, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET zone = excluded.zone,"
            " updated_at = excluded.updated_at RETURNING 1",
            (user_id, zone, time.time()),
        )

    async def languages_in_use(self) -> list[str]:
        rows = await self._db.fetch_all(
            "SELECT DISTINCT a.language FROM subscriptions s JOIN accounts a USING (user_id)"
            " WHERE s.active = 1 ORDER BY 1"
        )
        return [row[0] for row in rows]
