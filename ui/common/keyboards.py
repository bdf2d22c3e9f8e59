"""Inline keyboards, built only from CallbackData instances."""

from __future__ import annotations

from aiogram.enums import ChatType
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    SwitchInlineQueryChosenChat,
    WebAppInfo,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.studio.catalog import UI_LANGUAGES
from ui.common.callbacks import LanguageCallback, MenuAction, MenuCallback
from ui.common.texts import language_label


def main_menu() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("🔮 Today's energy"), callback_data=MenuCallback(action=MenuAction.DAILY)
    )
    builder.button(text=_("🖼 Gallery"), callback_data=MenuCallback(action=MenuAction.GALLERY))
    builder.button(text=_("⭐ Plans"), callback_data=MenuCallback(action=MenuAction.PLAN))
    builder.button(text=_("✨ Viral Studio"), callback_data=MenuCallback(action=MenuAction.STUDIO))
    builder.button(text=_("💰 Balance"), callback_data=MenuCallback(action=MenuAction.BALANCE))
    builder.button(text=_("🌐 Language"), callback_data=MenuCallback(action=MenuAction.LANGUAGE))
    builder.button(text=_("❓ Help"), callback_data=MenuCallback(action=MenuAction.HELP))
    builder.adjust(1, 2, 1, 3)
    return builder.as_markup()


def ui_languages() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in UI_LANGUAGES:
        builder.button(text=language_label(code), callback_data=LanguageCallback(code=code))
    builder.adjust(3)
    return builder.as_markup()


def share_button(query: str) -> InlineKeyboardButton:
    """Opens inline mode in a chat the user picks, with their image first."""
    return InlineKeyboardButton(
        text=_("📤 Share"),
        switch_inline_query_chosen_chat=SwitchInlineQueryChosenChat(
            query=query, allow_user_chats=True, allow_group_chats=True, allow_channel_chats=True
        ),
    )


def in_app(
    markup: InlineKeyboardMarkup, app_url: str | None, screen: str, chat_type: str
) -> InlineKeyboardMarkup:
    """`markup` with a last row that opens the Mini App on `screen` (`?screen=`, as
    webapp/static/app.js reads it), when there is one (an HTTPS WEBHOOK_URL) and the chat
    is private: Telegram takes web_app buttons only there."""
    if app_url is None or chat_type != ChatType.PRIVATE:
        return markup
    button = InlineKeyboardButton(
        text=_("📱 Open in app"), web_app=WebAppInfo(url=f"{app_url}?screen={screen}")
    )
    return InlineKeyboardMarkup(inline_keyboard=[*markup.inline_keyboard, [button]])
