"""The Cosmic Coach button the sweeper leaves in place of an interrupted image
(ui/interrupted.py): it paints the image again, once per tap."""

from __future__ import annotations

import contextlib

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message

from handlers.cosmic.painting import make_art
from services.core.jobs import JobQueue
from services.core.models import Account
from services.core.sweep import Sweep
from services.cosmic.again import request_again
from services.cosmic.service import CosmicService
from ui.common.texts import expired_text
from ui.cosmic.callbacks import ArtAgainCallback
from ui.cosmic.texts import caption


async def process_art_again(
    query: CallbackQuery,
    callback_data: ArtAgainCallback,
    bot: Bot,
    account: Account,
    cosmic: CosmicService,
    sweep: Sweep,
    jobs: JobQueue,
) -> None:
    message = query.message
    request = await request_again(sweep, query.from_user.id, callback_data.use_id)
    if request is None or not isinstance(message, Message):
        await query.answer(expired_text(), show_alert=True)
        return
    await query.answer()
    with contextlib.suppress(TelegramBadRequest):  # a second tap finds the button gone
        await message.edit_reply_markup(reply_markup=None)
    key = f"again:{callback_data.use_id}:{callback_data.nonce}"
    text = caption(request)
    await make_art(message, bot, account, cosmic, request, key, text, jobs)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(process_art_again, ArtAgainCallback.filter())
    return router
