"""Work a dead run left behind: what the sweeper shows in its place (bot/duties/sweeper.py). A
post's button is the studio's own regenerate button (handlers/studio/post.py); an image's
is handled by handlers/cosmic/again.py. Not a router: texts and keyboards only."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.studio.service import new_draft_key
from ui.cosmic.callbacks import ArtAgainCallback
from ui.studio.callbacks import RegenerateCallback


def interrupted_post_text(tokens: int, balance: int) -> str:
    return _(
        "⚠️ This post was interrupted: the bot restarted while making it.\n"
        "Your {tokens} tokens are back. Balance: {balance}."
    ).format(tokens=tokens, balance=balance)


def interrupted_action_text(balance: int) -> str:
    return _(
        "⚠️ This was interrupted: the bot restarted while making it. If it was not "
        "finished, its tokens are back. Balance: {balance}."
    ).format(balance=balance)


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
