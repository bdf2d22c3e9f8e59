"""/subscribe: today's image of your sign every morning (or at the hour you pick);
/unsubscribe. Free users get the shared image: that is the growth loop."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import cosmic_keyboards as keyboards
from handlers.callbacks import SubscribeCallback
from handlers.cosmic_texts import sign_label
from handlers.screens import show_screen
from services.astro import SIGNS_BY_KEY
from services.cosmic import CosmicService
from services.models import Account
from services.storage.accounts import AccountRepo
from services.storage.schedules import ScheduleRepo

DEFAULT_HOUR = 8
HOURS = (6, 7, 8, 9, 10, 12, 18, 21)


def hours_keyboard(sign: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for hour in HOURS:
        label = f"{hour:02d}:00" + (" ✓" if hour == DEFAULT_HOUR else "")
        builder.button(text=label, callback_data=SubscribeCallback(sign=sign, hour=hour))
    builder.adjust(4)
    return builder.as_markup()


async def command_subscribe(message: Message, account: Account, cosmic: CosmicService) -> None:
    if account.sign:
        await ask_hour(message, account.sign, cosmic, edit=False)
        return
    await message.answer(
        _("Which sign should I send you every day?"),
        reply_markup=keyboards.sign_grid(lambda key: SubscribeCallback(sign=key)),
    )


async def ask_hour(message: Message, sign: str, cosmic: CosmicService, *, edit: bool) -> None:
    zone = cosmic.clock.zone.key
    text = _("{sign}: at what time should it arrive? (time zone: {zone})").format(
        sign=sign_label(sign), zone=zone
    )
    await show_screen(message, text, hours_keyboard(sign), edit=edit)


async def process_subscribe(
    query: CallbackQuery,
    callback_data: SubscribeCallback,
    cosmic: CosmicService,
    schedules: ScheduleRepo,
    accounts: AccountRepo,
) -> None:
    await query.answer()
    message = query.message
    if not isinstance(message, Message):
        return
    if callback_data.hour < 0:
        await ask_hour(message, callback_data.sign, cosmic, edit=True)
        return
    await schedules.subscribe(query.from_user.id, callback_data.sign, callback_data.hour)
    await accounts.set_sign(query.from_user.id, callback_data.sign)
    await message.edit_text(
        _("Subscribed: {sign} every day at {hour:02d}:00 ({zone}). /unsubscribe to stop.").format(
            sign=sign_label(callback_data.sign),
            hour=callback_data.hour,
            zone=cosmic.clock.zone.key,
        )
    )


async def command_unsubscribe(message: Message, schedules: ScheduleRepo) -> None:
    if message.from_user and await schedules.unsubscribe(message.from_user.id):
        await message.answer(_("Unsubscribed: no more daily images. /subscribe to come back."))
    else:
        await message.answer(_("You are not subscribed. /subscribe to get your daily image."))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(command_subscribe, Command("subscribe"))
    router.message.register(command_unsubscribe, Command("unsubscribe"))
    router.callback_query.register(
        process_subscribe,
        SubscribeCallback.filter(F.sign.in_(SIGNS_BY_KEY.keys()) & F.hour.in_({-1, *range(24)})),
    )
    return router
