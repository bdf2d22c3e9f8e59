"""Work a dead run left behind: what the sweeper shows in its place (bot/duties/sweeper.py). A
post's button is the studio's own regenerate button (handlers/studio/post.py); an image's
is handled by handlers/cosmic/again.py. Not a router: texts and keyboards only."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.studio.drafts import Action
from services.studio.service import new_draft_key
from ui.common.texts import generate_label
from ui.cosmic.callbacks import ArtAgainCallback, ArtEditCallback
from ui.studio.callbacks import RegenerateCallback


def interrupted_post_text(tokens: int, balance: int) -> str:
    return ngettext(
        "⚠️ This post was interrupted: the bot restarted while making it.\n"
        "Your {tokens} token is back. Balance: {balance}.",
        "⚠️ This post was interrupted: the bot restarted while making it.\n"
        "Your {tokens} tokens are back. Balance: {balance}.",
        tokens,
    ).format(tokens=tokens, balance=balance)


def interrupted_action_text(action: str, tokens: int, balance: int) -> str:
    """More pictures, a new text, an edit or a 4K picture of a delivered post: its buttons
    are still under the post, so nothing more is offered here."""
    said: dict[str, str] = {
        Action.REWRITE: _("⚠️ Writing the new text was interrupted: the bot restarted."),
        Action.VARIANTS: _("⚠️ Painting more pictures was interrupted: the bot restarted."),
        Action.EDIT: _("⚠️ Editing the picture was interrupted: the bot restarted."),
        Action.FOUR_K: _("⚠️ Making the 4K picture was interrupted: the bot restarted."),
    }
    what = said.get(action, _("⚠️ This was interrupted: the bot restarted while making it."))
    back = ngettext(
        "Your {tokens} token is back. Balance: {balance}.",
        "Your {tokens} tokens are back. Balance: {balance}.",
        tokens,
    ).format(tokens=tokens, balance=balance)
    return f"{what}\n{back}\n" + _("The buttons under the post still work.")


def interrupted_app_action_text(balance: int) -> str:
    """A Mini App action whose job died: whether it was done before is not known here."""
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
        text=generate_label(cost),
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


def interrupted_art_edit_text() -> str:
    return _(
        "⚠️ This edit was interrupted: the bot restarted while making it.\nYour weekly use is back."
    )


def art_edit_again(image_id: int) -> InlineKeyboardMarkup:
    """Asks again what to change in the image the interrupted edit was editing."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✏️ Edit again"), callback_data=ArtEditCallback(image_id=image_id))
    return builder.as_markup()
