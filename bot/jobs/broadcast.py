"""The job of an admin's confirmed /broadcast (services/admin/jobs.py `BroadcastJob`): the
message to every recipient of its segment at Telegram's pace, its progress shown on the
admin's message. Run again (a worker died), it goes on where it stopped."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from services.admin.jobs import BroadcastJob
from services.admin.service import AdminService
from services.core.broadcast import Broadcaster, BroadcastReport
from ui.admin.texts import progress_text
from ui.common.chat import message_at

logger = logging.getLogger(__name__)


async def run_broadcast(
    job: BroadcastJob, bot: Bot, admin: AdminService, broadcaster: Broadcaster
) -> BroadcastReport:
    recipients = await admin.audience(job.segment) or []
    data = {"text": job.text, "copy": list(job.copy) if job.copy else None}
    queued = progress_text(BroadcastReport(total=len(recipients)))  # what the handler showed
    return await broadcaster.run(
        job.campaign,
        recipients,
        sender(bot, data, paid=broadcaster.paid),
        on_progress=progress_shower(message_at(job.where, bot), queued),
    )


def sender(bot: Bot, data: dict[str, Any], *, paid: bool) -> Callable[[int], Awaitable[None]]:
    """Sends the campaign's message to one user: a copy of the replied-to message, or the
    text (escaped: it is shown as typed)."""

    async def send(user_id: int) -> None:
        if data["copy"]:
            await bot.copy_message(
                user_id, data["copy"][0], data["copy"][1], allow_paid_broadcast=paid or None
            )
        else:
            await bot.send_message(
                user_id, escape(data["text"]), allow_paid_broadcast=paid or None
            )

    return send


def progress_shower(
    message: Message, shown_first: str | None = None
) -> Callable[[BroadcastReport], Awaitable[None]]:
    """Edits `message` into the progress, only when the text changes (`shown_first`: what
    it says already). Best effort: an edit Telegram refuses (the message deleted, the same
    text again after a restart, a flood limit) is logged and never stops the broadcast."""
    shown: list[str] = [shown_first] if shown_first else []

    async def progress(report: BroadcastReport) -> None:
        text = progress_text(report)
        if not shown or shown[-1] != text:
            shown.append(text)
            try:
                await message.edit_text(text)
            except TelegramAPIError as error:
                logger.warning("broadcast progress not shown: %s", error)

    return progress
