"""/subscribe: the image of your sign every day at the hour you pick, in your own time zone
(asked once: "what time is it for you now?", or typed); /unsubscribe. Free users get the
shared image: that is the growth loop."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from handlers.common.screens import show_screen
from handlers.common.states import SubscribeForm
from handlers.cosmic.subscribe_screens import (
    DEFAULT_HOUR,
    Screen,
    already_text,
    hours_screen,
    subscribed_text,
    typing_prompt,
    typing_screen,
    unknown_zone_text,
    zone_screen,
)
from services.core.models import Account
from services.cosmic.astro import SIGNS_BY_KEY
from services.cosmic.subscriptions import SubscriptionService
from services.cosmic.zones import PICKER_OFFSETS, is_fixed, zone_of
from ui.cosmic import keyboards
from ui.cosmic.callbacks import (
    SubscribeHourCallback,
    SubscribeSignCallback,
    ZoneAction,
    ZoneCallback,
    ZoneSetCallback,
)


async def command_subscribe(
    message: Message, state: FSMContext, account: Account, subscriptions: SubscriptionService
) -> None:
    await state.clear()
    if not account.sign:
        await message.answer(
            _("Which sign should I send you every day?"),
            reply_markup=keyboards.sign_grid(lambda key: SubscribeSignCallback(sign=key)),
        )
        return
    text, markup = await next_screen(account.user_id, account.sign, subscriptions)
    await message.answer(text, reply_markup=markup)


async def next_screen(user_id: int, sign: str, subscriptions: SubscriptionService) -> Screen:
    """The hours when the person's time zone is known, else "what time is it for you?"."""
    zone = await subscriptions.zone(user_id)
    if zone is None:
        return zone_screen(sign, subscriptions.clock.now(), None, "")
    return await hours_of(user_id, sign, zone, subscriptions)


async def hours_of(
    user_id: int, sign: str, zone: str, subscriptions: SubscriptionService
) -> Screen:
    subscription = await subscriptions.subscription(user_id)
    chosen = subscription.hour if subscription else DEFAULT_HOUR
    local = subscriptions.local_now(zone)
    return hours_screen(sign, zone, local, chosen, fixed=is_fixed(zone))


async def process_subscribe_sign(
    query: CallbackQuery, callback_data: SubscribeSignCallback, subscriptions: SubscriptionService
) -> None:
    await query.answer()
    screen = await next_screen(query.from_user.id, callback_data.sign, subscriptions)
    await show_subscribe_screen(query, screen)


async def process_subscribe_hour(
    query: CallbackQuery, callback_data: SubscribeHourCallback, subscriptions: SubscriptionService
) -> None:
    sign, hour = callback_data.sign, callback_data.hour
    done = await subscriptions.subscribe(query.from_user.id, sign, hour)
    if not done.changed:
        await query.answer(already_text(sign, hour, done.zone))  # nothing changes: no edit
        return
    await query.answer()
    text = subscribed_text(sign, hour, done.zone, pushed_today=done.pushed_today)
    await show_subscribe_screen(query, (text, None))


async def process_zone_ask(
    query: CallbackQuery,
    callback_data: ZoneCallback,
    state: FSMContext,
    subscriptions: SubscriptionService,
) -> None:
    await query.answer()
    await state.clear()
    zone = await subscriptions.zone(query.from_user.id)
    current = zone_of(zone) if zone else None
    screen = zone_screen(callback_data.sign, subscriptions.clock.now(), current, zone or "")
    await show_subscribe_screen(query, screen)


async def process_zone_type(
    query: CallbackQuery, callback_data: ZoneCallback, state: FSMContext
) -> None:
    await query.answer()
    await state.set_state(SubscribeForm.zone)
    await state.update_data(sign=callback_data.sign)
    await show_subscribe_screen(query, typing_screen(callback_data.sign))


async def process_zone_set(
    query: CallbackQuery,
    callback_data: ZoneSetCallback,
    state: FSMContext,
    subscriptions: SubscriptionService,
) -> None:
    await query.answer()
    await state.clear()
    user_id, sign = query.from_user.id, callback_data.sign
    zone = await subscriptions.set_offset(user_id, callback_data.offset)
    await show_subscribe_screen(query, await hours_of(user_id, sign, zone, subscriptions))


async def process_zone_keep(
    query: CallbackQuery,
    callback_data: ZoneCallback,
    state: FSMContext,
    subscriptions: SubscriptionService,
) -> None:
    await query.answer()
    await state.clear()
    user_id, sign = query.from_user.id, callback_data.sign
    # Without a zone the button is stale: the bot's zone stands in.
    zone = await subscriptions.zone(user_id) or subscriptions.clock.zone.key
    await show_subscribe_screen(query, await hours_of(user_id, sign, zone, subscriptions))


async def process_typed_zone(
    message: Message, state: FSMContext, subscriptions: SubscriptionService
) -> None:
    user = message.from_user
    zone = await subscriptions.set_typed_zone(user.id, message.text or "") if user else None
    if user is None or zone is None:
        await message.answer(unknown_zone_text(message.text or ""))  # asked again
        return
    sign = (await state.get_data()).get("sign", "")
    await state.clear()
    if sign in SIGNS_BY_KEY:
        text, markup = await hours_of(user.id, sign, zone, subscriptions)
        await message.answer(text, reply_markup=markup)


async def process_zone_not_text(message: Message) -> None:
    await message.answer(typing_prompt())


async def command_unsubscribe(message: Message, subscriptions: SubscriptionService) -> None:
    if message.from_user and await subscriptions.unsubscribe(message.from_user.id):
        await message.answer(_("Unsubscribed: no more daily images. /subscribe to come back."))
    else:
        await message.answer(_("You are not subscribed. /subscribe to get your daily image."))


async def show_subscribe_screen(
    query: CallbackQuery, screen: tuple[str, InlineKeyboardMarkup | None]
) -> None:
    """The screen in place of the pressed message (only answered when it shows it already)."""
    if isinstance(query.message, Message):
        await show_screen(query.message, *screen, edit=True)


def create_router() -> Router:
    router = Router(name=__name__)
    signs = F.sign.in_(SIGNS_BY_KEY.keys())
    register = router.callback_query.register
    router.message.register(command_subscribe, Command("subscribe"))
    router.message.register(command_unsubscribe, Command("unsubscribe"))
    register(process_subscribe_sign, SubscribeSignCallback.filter(signs))
    register(process_subscribe_hour, SubscribeHourCallback.filter(signs & F.hour.in_(range(24))))
    register(process_zone_ask, ZoneCallback.filter(signs & (F.action == ZoneAction.ASK)))
    register(process_zone_type, ZoneCallback.filter(signs & (F.action == ZoneAction.TYPE)))
    register(process_zone_keep, ZoneCallback.filter(signs & (F.action == ZoneAction.KEEP)))
    register(process_zone_set, ZoneSetCallback.filter(signs & F.offset.in_(set(PICKER_OFFSETS))))
    router.message.register(
        process_typed_zone, SubscribeForm.zone, F.text, ~F.text.startswith("/")
    )
    router.message.register(process_zone_not_text, SubscribeForm.zone, ~F.text)
    return router
