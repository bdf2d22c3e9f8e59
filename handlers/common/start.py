"""Greeting, menu, balance, language, help and cancel."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from handlers.common.screens import answered
from services.core.models import Account
from services.core.profile import ProfileService
from services.sharing.analytics import Analytics
from services.studio.catalog import UI_LANGUAGES
from services.studio.service import StudioService
from ui.common import keyboards
from ui.common.callbacks import LanguageCallback, MenuAction, MenuCallback
from ui.common.texts import balance_text
from ui.help import help_text


def greeting(name: str) -> str:
    return _(
        "Hi, {name}! 👋\n\n"
        "🔮 <b>Cosmic Coach</b>: /daily for today's energy of your sign, /match for "
        "compatibility art, /moon for a moon ritual, /avatar for your zodiac avatar.\n"
        "✨ <b>Viral Studio</b>: viral posts with matching images for PRO partners.\n\n"
        "Pick what you need:"
    ).format(name=escape(name))


async def command_start_handler(
    message: Message, command: CommandObject, state: FSMContext, analytics: Analytics
) -> None:
    await state.clear()
    payload = command.args or ""
    if payload.startswith("ref_") and payload[4:].isdigit() and message.from_user:
        await analytics.attribute(message.from_user.id, int(payload[4:]))
    name = message.from_user.first_name if message.from_user else ""
    await message.answer(greeting(name), reply_markup=keyboards.main_menu())


async def command_help_handler(message: Message) -> None:
    await message.answer(help_text())


async def command_balance_handler(
    message: Message, account: Account, studio: StudioService
) -> None:
    await message.answer(balance_text(account, studio.cost))


async def command_language_handler(message: Message) -> None:
    await message.answer(_("Choose the bot's language:"), reply_markup=keyboards.ui_languages())


async def command_cancel_handler(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Cancelled. What next?"), reply_markup=keyboards.main_menu())


async def menu_balance(query: CallbackQuery, account: Account, studio: StudioService) -> None:
    if message := await answered(query):
        await message.answer(balance_text(account, studio.cost))


async def menu_language(query: CallbackQuery) -> None:
    if message := await answered(query):
        await command_language_handler(message)


async def menu_help(query: CallbackQuery) -> None:
    if message := await answered(query):
        await message.answer(help_text())


async def process_language(
    query: CallbackQuery, callback_data: LanguageCallback, profile: ProfileService, i18n: I18n
) -> None:
    await profile.set_language(query.from_user.id, callback_data.code)
    with i18n.use_locale(callback_data.code):
        await query.answer(_("Language changed."))
        if isinstance(query.message, Message):
            await query.message.edit_text(
                _("Done! I will speak English with you now."), reply_markup=keyboards.main_menu()
            )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(command_start_handler, CommandStart())
    router.message.register(command_help_handler, Command("help"))
    router.message.register(command_balance_handler, Command("balance"))
    router.message.register(command_language_handler, Command("language"))
    router.message.register(command_cancel_handler, Command("cancel"))
    for handler, action in (
        (menu_balance, MenuAction.BALANCE),
        (menu_language, MenuAction.LANGUAGE),
        (menu_help, MenuAction.HELP),
    ):
        router.callback_query.register(handler, MenuCallback.filter(F.action == action))
    router.callback_query.register(
        process_language, LanguageCallback.filter(F.code.in_(UI_LANGUAGES))
    )
    return router
