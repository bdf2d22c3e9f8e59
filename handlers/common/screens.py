"""Showing a screen in place of the message whose button was pressed.

Telegram refuses an edit that changes nothing ("message is not modified"), and a button
that leads to the screen already shown (the focus already chosen, ➖ at the lowest energy,
the same page again) should only be answered. So every in-place screen goes through here:
it is compared with what the message shows now and edited only when something differs."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

_TAG = re.compile(r"<[^>]+>")


def visible_text(html_text: str) -> str:
    """The plain text Telegram shows for our HTML (user text in it is always escaped)."""
    return unescape(_TAG.sub("", html_text)).strip()


def _buttons(markup: InlineKeyboardMarkup | None) -> Any:
    if markup is None or not markup.inline_keyboard:
        return None
    return markup.model_dump(mode="json", exclude_none=True)


def shows_markup(message: Message, markup: InlineKeyboardMarkup | None) -> bool:
    return bool(_buttons(message.reply_markup) == _buttons(markup))


def shows(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> bool:
    """Whether `message` already shows this text (as Telegram renders it) and these buttons."""
    current = message.text if message.text is not None else message.caption
    return (current or "").strip() == visible_text(text) and shows_markup(message, markup)


async def show_screen(
    message: Message, text: str, markup: InlineKeyboardMarkup | None = None, *, edit: bool
) -> None:
    """The screen in place of `message` (a button was pressed) or as a new message."""
    if not edit:
        await message.answer(text, reply_markup=markup)
    elif not shows(message, text, markup):
        await message.edit_text(text, reply_markup=markup)


async def show_buttons(message: Message, markup: InlineKeyboardMarkup | None) -> None:
    """New buttons under `message`, unless it already has exactly these."""
    if not shows_markup(message, markup):
        await message.edit_reply_markup(reply_markup=markup)


async def answered(query: CallbackQuery) -> Message | None:
    """Answers the button press; returns the message it was under, if still accessible."""
    await query.answer()
    return query.message if isinstance(query.message, Message) else None
