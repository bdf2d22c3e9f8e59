"""Share-card buttons: the formats menu, then one card as a photo or as a PNG file."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from services.sharing.cards import CardFormat


class CardPhotoCallback(CallbackData, prefix="cd"):
    """Sends the card as a photo, with the image's share text."""

    image_id: int
    card: CardFormat


class CardFileCallback(CallbackData, prefix="cf"):
    """Sends the card as a PNG file."""

    image_id: int
    card: CardFormat
