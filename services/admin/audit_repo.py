"""The admins' audit log: who did what, append-only."""

from __future__ import annotations

import time

from services.infra.db import Database


class AuditRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def audit(self, actor_id: int, action: str, detail: str = "") -> None:
        await self._db.execute_atomic(
            "INSERT INTO audit (actor_id, action, detail, created_at) VALUES (?, ?, ?, ?)"
            " RETURNING id",
            (actor_id, action, detail, time.time()),
        )
