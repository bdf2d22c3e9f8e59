"""/daily: today's energy of your sign. Free users get the day's shared image of their
sign; paying users adjust energy, mood and focus, then have their own image painted."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _

from handlers.common.screens import answered, show_screen
from handlers.cosmic.painting import make_art, tap_key
from services.core.jobs import JobQueue
from services.core.models import Account
from services.core.plans import Tier
from services.core.profile import ProfileService
from services.cosmic.astro import SIGNS_BY_KEY, daily_reading
from services.cosmic.kinds import DailyParams
from services.cosmic.service import CosmicService, CosmicStatus
from ui.common.callbacks import MenuAction, MenuCallback
from ui.cosmic import keyboards
from ui.cosmic.kinds.daily import (
    WORDING,
    DailyAdjustCallback,
    DailyMakeCallback,
    DailySignCallback,
    DailySignsCallback,
    daily_adjust,
    reading_text,
)
from ui.cosmic.replies import photo_sender
from ui.cosmic.texts import caption


def daily_grid() -> InlineKeyboardMarkup:
    return keyboards.sign_grid(lambda key: DailySignCallback(sign=key))


async def show_daily(
    message: Message,
    bot: Bot,
    account: Account,
    cosmic: CosmicService,
    sign_key: str,
    *,
    edit: bool,
) -> None:
    """Today's shared image of the sign (free tier), or its adjustable reading."""
    reading = daily_reading(sign_key, cosmic.clock.today())
    if cosmic.tier_of(account) is not Tier.FREE:
        await show_reading(
            message, sign_key, reading.energy, reading.mood, reading.focus, edit=edit
        )
        return
    text = reading_text(sign_key, reading.energy, reading.mood, reading.focus)
    async with ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id):
        outcome = await cosmic.shared_daily(account, sign_key, photo_sender(message, text, cosmic))
    if outcome.status is CosmicStatus.DONE:
        await message.answer(_("Want art made just for you, your energy, your focus? See /plan."))
    else:
        await message.answer(
            _("❌ Sorry, today's image could not be made. Please try again in a few minutes.")
        )


async def show_reading(
    message: Message, sign_key: str, energy: int, mood: str, focus: str, *, edit: bool
) -> None:
    """The adjustable reading screen of a sign."""
    text = reading_text(sign_key, energy, mood, focus)
    markup = daily_adjust(sign_key, energy, mood, focus)
    await show_screen(message, text, markup, edit=edit)


async def command_daily(
    message: Message, bot: Bot, account: Account, cosmic: CosmicService
) -> None:
    if account.sign is None:
        await message.answer(_("Choose your sign:"), reply_markup=daily_grid())
        return
    await show_daily(message, bot, account, cosmic, account.sign, edit=False)


async def menu_daily(
    query: CallbackQuery, bot: Bot, account: Account, cosmic: CosmicService
) -> None:
    if message := await answered(query):
        await command_daily(message, bot, account, cosmic)


async def process_daily_signs(query: CallbackQuery) -> None:
    if message := await answered(query):
        await show_screen(message, _("Choose your sign:"), daily_grid(), edit=True)


async def process_daily_sign(
    query: CallbackQuery,
    callback_data: DailySignCallback,
    bot: Bot,
    account: Account,
    cosmic: CosmicService,
    profile: ProfileService,
) -> None:
    if message := await answered(query):
        await profile.set_sign(query.from_user.id, callback_data.sign)
        await show_daily(message, bot, account, cosmic, callback_data.sign, edit=True)


async def process_daily_adjust(query: CallbackQuery, callback_data: DailyAdjustCallback) -> None:
    if message := await answered(query):
        data = callback_data
        await show_reading(message, data.sign, data.energy, data.mood, data.focus, edit=True)


async def process_daily_make(
    query: CallbackQuery,
    callback_data: DailyMakeCallback,
    bot: Bot,
    account: Account,
    cosmic: CosmicService,
    jobs: JobQueue,
) -> None:
    if message := await answered(query):
        data = callback_data
        request = DailyParams(data.sign, data.energy, data.mood, data.focus)
        text = caption(request)
        await make_art(message, bot, account, cosmic, request, tap_key(query), text, jobs)


def create_router() -> Router:
    router = Router(name=__name__)
    signs = SIGNS_BY_KEY.keys()
    reading = F.sign.in_(signs) & (F.energy >= 1) & (F.energy <= 10)
    router.message.register(command_daily, Command(WORDING.command))
    router.callback_query.register(menu_daily, MenuCallback.filter(F.action == MenuAction.DAILY))
    router.callback_query.register(process_daily_signs, DailySignsCallback.filter())
    router.callback_query.register(process_daily_sign, DailySignCallback.filter(F.sign.in_(signs)))
    router.callback_query.register(process_daily_adjust, DailyAdjustCallback.filter(reading))
    router.callback_query.register(process_daily_make, DailyMakeCallback.filter(reading))
    return router
