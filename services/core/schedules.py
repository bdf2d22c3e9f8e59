"""Subscriptions and each person's time zone, the day's horoscopes, deliveries (one row per
campaign and user: the record that makes pushes exactly-once; a daily push's campaign is
`push:<the subscriber's local date>`), job runs (idempotent jobs) and the admin audit."""

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


class ScheduleRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- subscriptions -------------------------------------------------------------------
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

    # --- time zones ----------------------------------------------------------------------
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

    # --- horoscopes ----------------------------------------------------------------------
    async def horoscope(self, day: str, sign: str, language: str) -> str | None:
        row = await self._db.fetch_one(
            "SELECT text FROM horoscopes WHERE day = ? AND sign = ? AND language = ?",
            (day, sign, language),
        )
        return row[0] if row else None

    async def save_horoscope(
        self, day: str, sign: str, language: str, text: str, model: str
    ) -> None:
        await self._db.execute_atomic(
            "INSERT INTO horoscopes (day, sign, language, text, model, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1",
            (day, sign, language, text, model, time.time()),
        )

    # --- deliveries ----------------------------------------------------------------------
    async def claim(self, campaign: str, user_id: int) -> bool:
        """Marks a delivery as being sent; False when this user was handled before."""
        row = await self._db.execute_atomic(
            "INSERT INTO deliveries (campaign, user_id, status, updated_at)"
            " VALUES (?, ?, 'sending', ?) ON CONFLICT DO NOTHING RETURNING 1",
            (campaign, user_id, time.time()),
        )
        return row is not None

    async def claim_many(self, campaign: str, user_ids: list[int]) -> list[int]:
        """`claim` for several people in one statement; returns those claimed now."""
        if not user_ids:
            return []
        now = time.time()
        rows = await self._db.execute_all(
            "INSERT INTO deliveries (campaign, user_id, status, updated_at) VALUES "
            + ", ".join(["(?, ?, 'sending', ?)"] * len(user_ids))
            + " ON CONFLICT DO NOTHING RETURNING user_id",
            [value for user_id in user_ids for value in (campaign, user_id, now)],
        )
        claimed = {row[0] for row in rows}
        return [user_id for user_id in user_ids if user_id in claimed]

    async def finish(self, campaign: str, user_id: int, status: str, detail: str = "") -> None:
        await self._db.execute_atomic(
            "UPDATE deliveries SET status = ?, detail = ?, updated_at = ?"
            " WHERE campaign = ? AND user_id = ? RETURNING 1",
            (status, detail, time.time(), campaign, user_id),
        )

    async def finish_many(self, campaign: str, outcomes: list[tuple[int, str, str]]) -> None:
        """Records (user_id, status, detail) outcomes in one transaction."""
        if not outcomes:
            return
        now = time.time()
        async with self._db.transaction() as tx:
            for user_id, status, detail in outcomes:
                await tx.execute(
                    "UPDATE deliveries SET status = ?, detail = ?, updated_at = ?"
                    " WHERE campaign = ? AND user_id = ?",
                    (status, detail, now, campaign, user_id),
                )

    async def delivery_counts(self, campaign: str) -> dict[str, int]:
        rows = await self._db.fetch_all(
            "SELECT status, COUNT(*) FROM deliveries WHERE campaign = ? GROUP BY status",
            (campaign,),
        )
        return {row[0]: row[1] for row in rows}

    # --- broadcast segments ------------------------------------------------------------
    async def audience(self, segment: str) -> list[int] | None:
        """User ids of a broadcast segment: `all`, `tier:<name>`, `sign:<key>` (subscribers
        of that sign) or `lang:<code>`. None for a segment we do not know."""
        kind, _, value = segment.partition(":")
        if kind == "all" and not value:
            rows = await self._db.fetch_all("SELECT user_id FROM accounts ORDER BY user_id")
        elif kind == "tier" and value in {"free", "cosmic", "universe"}:
            rows = await self._db.fetch_all(
                "SELECT user_id FROM accounts WHERE (CASE WHEN tier != 'free' AND tier_expires_at"
                " IS NOT NULL AND tier_expires_at <= ? THEN 'free' ELSE tier END) = ?"
                " ORDER BY user_id",
                (time.time(), value),
            )
        elif kind == "sign" and value:
            rows = await self._db.fetch_all(
                "SELECT user_id FROM subscriptions WHERE active = 1 AND sign = ? ORDER BY user_id",
                (value,),
            )
        elif kind == "lang" and value:
            rows = await self._db.fetch_all(
                "SELECT user_id FROM accounts WHERE language = ? ORDER BY user_id", (value,)
            )
        else:
            return None
        return [row[0] for row in rows]

    # --- job runs and audit --------------------------------------------------------------
    async def ran(self, job: str, period: str) -> bool:
        row = await self._db.fetch_one(
            "SELECT 1 FROM job_runs WHERE job = ? AND period = ?", (job, period)
        )
        return row is not None

    async def record_run(self, job: str, period: str, result: str) -> None:
        await self._db.execute_atomic(
            "INSERT INTO job_runs (job, period, result, finished_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING 1",
            (job, period, result, time.time()),
        )

    async def audit(self, actor_id: int, action: str, detail: str = "") -> None:
        await self._db.execute_atomic(
            "INSERT INTO audit (actor_id, action, detail, created_at) VALUES (?, ?, ?, ?)"
            " RETURNING id",
            (actor_id, action, detail, time.time()),
        )
