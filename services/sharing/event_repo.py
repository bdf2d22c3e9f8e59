"""The analytics events (share, download, favourite, view). Events are append-only; a unique
key makes a repeated one (a replayed update, a second favourite) a no-op."""

from __future__ import annotations

import time

from services.infra.db import Database


class EventRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, kind: str, image_id: int, user_id: int, detail: str = "", key: str | None = None
    ) -> bool:
        """True when recorded; False when `key` was recorded before."""
        row = await self._db.execute_atomic(
            "INSERT INTO events (kind, image_id, user_id, detail, unique_key, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (unique_key) DO NOTHING RETURNING id",
            (kind, image_id, user_id, detail, key, time.time()),
        )
        return row is not None

    async def count(
        self, kind: str, since: float, *, image_id: int | None = None, user_id: int | None = None
    ) -> int:
        sql = "SELECT COUNT(*) FROM events WHERE kind = ? AND created_at >= ?"
        params: list[object] = [kind, since]
        if image_id is not None:
            sql += " AND image_id = ?"
            params.append(image_id)
        if user_id is not None:
            sql += " AND user_id = ?"
            params.append(user_id)
        row = await self._db.fetch_one(sql, params)
        return int(row[0]) if row else 0

    async def flag_viral(self, image_id: int, shares: int) -> bool:
        """True the first time an image is flagged."""
        row = await self._db.execute_atomic(
            "INSERT INTO viral (image_id, shares, flagged_at) VALUES (?, ?, ?)"
            " ON CONFLICT (image_id) DO NOTHING RETURNING image_id",
            (image_id, shares, time.time()),
        )
        return row is not None

    async def top_shared(self, since: float, limit: int) -> list[tuple[int, int]]:
        rows = await self._db.fetch_all(
            "SELECT image_id, COUNT(*) AS shares FROM events WHERE kind = 'share'"
            " AND created_at >= ? GROUP BY image_id ORDER BY shares DESC, image_id LIMIT ?",
            (since, limit),
        )
        return [(row[0], row[1]) for row in rows]

    async def viral_since(self, since: float) -> list[tuple[int, int]]:
        rows = await self._db.fetch_all(
            "SELECT image_id, shares FROM viral WHERE flagged_at >= ? ORDER BY flagged_at DESC",
            (since,),
        )
        return [(row[0], row[1]) for row in rows]
