"""What admins do from the chat besides reading reports: whom a broadcast segment reaches,
and the audit of what they ran."""

from __future__ import annotations

from services.core.db import Database
from services.core.schedules import ScheduleRepo, audience


class AdminService:
    def __init__(self, db: Database, schedules: ScheduleRepo) -> None:
        self._db = db
        self._schedules = schedules

    async def audience(self, segment: str) -> list[int] | None:
        """User ids of a broadcast segment (see services/core/schedules.py `audience`);
        None for a segment we do not know."""
        return await audience(self._db, segment)

    async def audit(self, actor_id: int, action: str, detail: str = "") -> None:
        await self._schedules.audit(actor_id, action, detail)
