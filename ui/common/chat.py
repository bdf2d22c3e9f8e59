"""The chat message a piece of work reports on: taken from the message a person pressed,
and made again from it in a job (which has no update of its own)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import Bot
from aiogram.types import Chat, Message

from services.core.jobs import Where


def where_of(message: Message, user_id: int, locale: str) -> Where:
    return Where(user_id, message.chat.id, message.chat.type, message.message_id, locale)


def message_at(where: Where, bot: Bot) -> Message:
    """That message, as the handlers' code edits and answers it."""
    chat = Chat(id=where.chat_id, type=where.chat_type)
    made = Message(message_id=where.message_id, date=datetime.now(UTC), chat=chat)
    return made.as_(bot)
