"""Referrals: who brought whom, recorded once."""

from __future__ import annotations

from services.infra.db import Database


class ReferralRepo:
    """Who invited whom (accounts.referred_by)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def link(self, user_id: int, referrer_id: int) -> bool:
        """True when `user_id` had no referrer and `referrer_id` has an account."""
        row = await self._db.execute_atomic(
            "UPDATE accounts SET referred_by = ? WHERE user_id = ? AND referred_by IS NULL"
            " AND EXISTS (SELECT 1 FROM accounts WHERE user_id = ?) RETURNING user_id",
            (referrer_id, user_id, referrer_id),
        )
        return row is not None

    async def count(self, user_id: int) -> int:
        """How many people `user_id` invited."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*) FROM accounts WHERE referred_by = ?", (user_id,)
        )
        return int(row[0]) if row else 0
