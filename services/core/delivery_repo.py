"""Deliveries: one row per campaign and user, the record that makes a push or a broadcast
exactly-once (claimed before sending, finished with how it went)."""

from __future__ import annotations

import time

from services.infra.db import Database


class DeliveryRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

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
