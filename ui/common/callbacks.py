"""The buttons every product shares: the main menu and the bot's language. Each product's
own buttons are in ui/<product>/callbacks.py. Values are short so packed data stays
far below Telegram's 64 bytes."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class MenuAction(StrEnum):
    DAILY = "daily"
    GALLERY = "gallery"
    PLAN = "plan"
    STUDIO = "studio"
    BALANCE = "balance"
    LANGUAGE = "language"
    HELP = "help"


class MenuCallback(CallbackData, prefix="menu"):
    action: MenuAction


class LanguageCallback(CallbackData, prefix="lang"):
    code: str


class CardMenuCallback(CallbackData, prefix="cm"):
    """Shows the formats of an image's cards."""

    image_id: int
