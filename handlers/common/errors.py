"""The last resort: stale buttons, unknown input, and errors nobody else handled."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from handlers.common.filters import ADMIN_COMMANDS
from ui.common.texts import expired_text
from ui.help import help_text

logger = logging.getLogger(__name__)


async def stale_button_handler(query: CallbackQuery) -> None:
    """Forged, malformed or outdated buttons end here: a polite answer, nothing changes."""
    await query.answer(expired_text(), show_alert=True)


async def hidden_admin_command_handler(message: Message) -> None:
    """Admin commands from non-admins get no reaction at all."""


async def unknown_input_handler(message: Message) -> None:
    await message.answer(_("I did not understand that.") + "\n\n" + help_text())


async def bad_request_handler(event: ErrorEvent) -> None:
    if "message is not modified" in str(event.exception):
        return  # a repeated tap that would show the same screen again
    await unexpected_error_handler(event)


async def unexpected_error_handler(event: ErrorEvent) -> None:
    logger.error("update %s failed", event.update.update_id, exc_info=event.exception)
    text = _("Something went wrong on our side. Please try again in a moment.")
    update = event.update
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.message is not None:
            await update.message.answer(text)
    except Exception:
        logger.exception("could not tell the user about the error")


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(stale_button_handler)
    router.message.register(hidden_admin_command_handler, Command(*ADMIN_COMMANDS))
    router.message.register(unknown_input_handler, F.text)
    router.errors.register(
        bad_request_handler,
        ExceptionTypeFilter(TelegramBadRequest),
        F.update.callback_query | F.update.message,
    )
    router.errors.register(unexpected_error_handler)
    return router
