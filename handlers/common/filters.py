"""Who may use what: admins only, by their Telegram id."""

from __future__ import annotations

from aiogram.filters import BaseFilter
from aiogram.types import TelegramObject, User

ADMIN_COMMANDS = (
    "grant",
    "pro",
    "tier",
    "refund_payment",
    "stats",
    "report",
    "batch",
    "broadcast",
)
"""Commands only admins have: anyone else gets no reaction at all (handlers/common/errors.py)."""


class AdminFilter(BaseFilter):
    """Passes only for the Telegram ids listed in ADMIN_IDS (injected as `admin_ids`)."""

    async def __call__(
        self, event: TelegramObject, event_from_user: User | None, admin_ids: frozenset[int]
    ) -> bool:
        return event_from_user is not None and event_from_user.id in admin_ids
