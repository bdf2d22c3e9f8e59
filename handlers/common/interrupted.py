"""Work a dead run left behind: what the sweeper shows in its place (bot/sweeper.py), and
the Cosmic Coach button that paints the image again. A post's button is the studio's own
regenerate button (handlers/post.py)."""

from __future__ import annotations

import contextlib

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.common.callbacks import ArtAgainCallback, RegenerateCallback
from handlers.common.texts import expired_text
from handlers.cosmic.coach import make_art
from handlers.cosmic.texts import caption
from services.core.models import Account
from services.core.sweep import Sweep
from services.cosmic.service import CosmicService
from services.studio.service import new_draft_key


def interrupted_post_text(tokens: int, balance: int) -> str:
    return _(
        "⚠️ This post was interrupted: the bot restarted while making it.\n"
        "Your {tokens} tokens are back. Balance: {balance}."
    ).format(tokens=tokens, balance=balance)


def interrupted_art_text() -> str:
    return _(
        "⚠️ This image was interrupted: the bot restarted while painting it.\n"
        "Your weekly use is back."
    )


def post_again(post_id: int, cost: int) -> InlineKeyboardMarkup:
    """Makes the interrupted post again, under a fresh key (one tap is one post)."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("🚀 Generate ({cost} tokens)").format(cost=cost),
        callback_data=RegenerateCallback(post_id=post_id, nonce=new_draft_key(), confirm=True),
    )
    return builder.as_markup()


def art_again(use_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("🎨 Generate again"),
        callback_data=ArtAgainCallback(use_id=use_id, nonce=new_draft_key()),
    )
    return builder.as_markup()


async def process_art_again(
    query: CallbackQuery, callback_data: ArtAgainCallback, bot: Bot, account: Account,
    cosmic: CosmicService, sweep: Sweep,
) -> None:  # fmt: skip
    message = query.message
    request = await sweep.art_again(query.from_user.id, callback_data.use_id)
    if request is None or not isinstance(message, Message):
        await query.answer(expired_text(), show_alert=True)
        return
    await query.answer()
    with contextlib.suppress(TelegramBadRequest):  # a second tap finds the button gone
        await message.edit_reply_markup(reply_markup=None)
    key = f"again:{callback_data.use_id}:{callback_data.nonce}"
    text = caption(request)
    await make_art(message, bot, account, cosmic, request, key, text)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(process_art_again, ArtAgainCallback.filter())
    return router
