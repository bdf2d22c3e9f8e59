"""Share cards made for images: one row per image, format and person, with the file and
Telegram's file_id once sent."""

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
