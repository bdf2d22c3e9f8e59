"""What admins do from the chat besides reading reports: whom a broadcast segment reaches,
and the audit of what they ran."""

from __future__ import annotations

from services.admin.audience_repo import AudienceRepo
from services.admin.audit_repo import AuditRepo


class AdminService:
    def __init__(self, audience: AudienceRepo, audit: AuditRepo) -> None:
        self._audience = audience
        self._audit = audit

    async def audience(self, segment: str) -> list[int] | None:
        """User ids of a broadcast segment; None for a segment we do not know."""
        return await self._audience.audience(segment)

    async def audit(self, actor_id: int, action: str, detail: str = "") -> None:
        await self._audit.audit(actor_id, action, detail)
