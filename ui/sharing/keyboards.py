"""Share-card keyboards, and the formats menu that the image and post buttons open."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.sharing.cards import CardFormat
from ui.sharing.callbacks import CardFileCallback, CardPhotoCallback

CARD_LABELS = {
    CardFormat.SQUARE: "Instagram ◻",
    CardFormat.STORY: "Story ▯",
    CardFormat.X: "X ▭",
    CardFormat.FACEBOOK: "Facebook ▭",
}


def card_formats(image_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for card, label in CARD_LABELS.items():
        builder.button(text=label, callback_data=CardPhotoCallback(image_id=image_id, card=card))
    for card, label in CARD_LABELS.items():
        builder.button(
            text=f"⬇️ {label}", callback_data=CardFileCallback(image_id=image_id, card=card)
        )
    builder.adjust(4, 4)
    return builder.as_markup()


async def send_card_menu(message: Message, image_id: int) -> None:
    await message.answer(
        _("Choose a format: tap to see the card, ⬇️ for the PNG file."),
        reply_markup=card_formats(image_id),
    )
