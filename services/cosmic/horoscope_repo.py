"""The day's horoscopes, one per sign and language, written by the nightly batch."""

from __future__ import annotations

import time

from services.infra.db import Database


class HoroscopeRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

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
