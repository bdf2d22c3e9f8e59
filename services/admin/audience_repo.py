"""Who a broadcast reaches: the user ids of a segment (everyone, PRO partners, a tier, a
sign's subscribers)."""

from __future__ import annotations

import time

from services.infra.db import Database


class AudienceRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

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
