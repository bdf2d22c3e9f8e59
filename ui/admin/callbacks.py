"""Admin buttons."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class BroadcastCallback(CallbackData, prefix="bc"):
    """The answer to "send this to N users?": `confirm` sends, else it is cancelled."""

    confirm: bool
