"""What admins do from the chat besides reading reports: whom a broadcast segment reaches,
and the audit of what they ran."""

from __future__ import annotations

from services.core.schedules import ScheduleRepo


class AdminService:
    def __init__(self, schedules: ScheduleRepo) -> None:
        self._schedules = schedules

    async def audience(self, segment: str) -> list[int] | None:
        """User ids of a broadcast segment; None for a segment we do not know."""
        return await self._schedules.audience(segment)

    async def audit(self, actor_id: int, action: str, detail: str = "") -> None:
        await self._schedules.audit(actor_id, action, detail)
