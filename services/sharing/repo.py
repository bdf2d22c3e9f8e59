"""Share cards made for images, the analytics events (share, download, favourite, view)
and referrals. Events are append-only; a unique key makes a repeated one (a replayed
update, a second favourite) a no-op."""

from __future__ import annotations

import time
from dataclasses import dataclass

from services.infra.db import Database


@dataclass(frozen=True, slots=True)
class StoredCard:
    id: int
    image_id: int
    user_id: int
    format: str
    path: str
    file_id: str | None


class CardRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, image_id: int, card_format: str, locale: str) -> StoredCard | None:
        row = await self._db.fetch_one(
            "SELECT id, image_id, user_id, format, path, file_id FROM cards"
            " WHERE image_id = ? AND format = ? AND locale = ?",
            (image_id, card_format, locale),
        )
        return StoredCard(*row) if row else None

    async def add(
        self, image_id: int, user_id: int, card_format: str, locale: str, path: str
    ) -> StoredCard:
        row = await self._db.execute_atomic(
            "INSERT INTO cards (image_id, user_id, format, locale, path, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (image_id, format, locale)"
            " DO UPDATE SET path = excluded.path"
            " RETURNING id, image_id, user_id, format, path, file_id",
            (image_id, user_id, card_format, locale, path, time.time()),
        )
        assert row is not None
        return StoredCard(*row)

    async def set_file_id(self, card_id: int, file_id: str) -> None:
        await self._db.execute_atomic(
            "UPDATE cards SET file_id = ? WHERE id = ? RETURNING id", (file_id, card_id)
        )

    async def owned(self, user_id: int, card_id: int) -> StoredCard | None:
        row = await self._db.fetch_one(
            "SELECT id, image_id, user_id, format, path, file_id FROM cards"
            " WHERE id = ? AND user_id = ?",
            (card_id, user_id),
        )
        return StoredCard(*row) if row else None

    async def sent_for(self, image_ids: list[int]) -> list[StoredCard]:
        """Cards of these images that Telegram already has, newest first."""
        if not image_ids:
            return []
        marks = ", ".join("?" * len(image_ids))
        rows = await self._db.fetch_all(
            "SELECT id, image_id, user_id, format, path, file_id FROM cards"
            f" WHERE image_id IN ({marks}) AND file_id IS NOT NULL ORDER BY id DESC",
            image_ids,
        )
        return [StoredCard(*row) for row in rows]

    async def paths(self) -> set[str]:
        """The files of every card (relative to the media directory)."""
        return {row[0] for row in await self._db.fetch_all("SELECT path FROM cards")}


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
