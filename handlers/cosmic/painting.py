"""Painting one Cosmic Coach image from a button: one tap is one request, the picture is
sent by its known file_id (uploaded when there is none), and what went wrong is told.
Shared by the /daily, /match, /moon, /avatar routers and the "generate again" button; the
painting itself is a job (bot/jobs/cosmic_image.py)."""

from __future__ import annotations

import hashlib
import logging

from aiogram import Bot
from aiogram.types import CallbackQuery, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import get_i18n

from services.core.jobs import JobQueue
from services.core.models import Account
from services.cosmic.kinds import CosmicParams
from services.cosmic.service import CosmicService, CosmicStatus
from ui.common.chat import where_of
from ui.cosmic.replies import photo_sender, tell_outcome

logger = logging.getLogger(__name__)


def tap_key(query: CallbackQuery) -> str:
    """The same button on the same message is one request, however often it is tapped."""
    message_id = query.message.message_id if query.message else 0
    return hashlib.sha256(f"{message_id}:{query.data}".encode()).hexdigest()[:20]


async def make_art(
    message: Message,
    bot: Bot,
    account: Account,
    cosmic: CosmicService,
    request: CosmicParams,
    key: str,
    text: str,
    jobs: JobQueue,
) -> None:
    """The quick part of an image: the tier, an identical image made today (sent at once)
    or one weekly use held and the job that paints it queued (bot/jobs/cosmic_image.py)."""
    where = where_of(message, account.user_id, get_i18n().current_locale)
    async with ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id):
        deliver = photo_sender(message, text, cosmic)
        outcome = await cosmic.queue_image(account, request, key, deliver, jobs, where, text)
    if outcome.status is not CosmicStatus.QUEUED:
        await tell_outcome(message, outcome, request.category)
