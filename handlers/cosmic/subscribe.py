"""/subscribe: the image of your sign every day at the hour you pick, in your own time zone
(asked once: "what time is it for you now?", or typed); /unsubscribe. Free users get the
shared image: that is the growth loop."""

from __future__ import annotations

from datetime import timedelta

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from handlers.common.callbacks import SubscribeCallback, ZoneAction, ZoneCallback
from handlers.common.screens import show_screen
from handlers.common.states import SubscribeForm
from handlers.cosmic import keyboards
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
from services.core.accounts import AccountRepo
from services.core.models import Account
from services.core.schedules import ScheduleRepo
from services.core.zones import PICKER_OFFSETS, is_fixed, offset_name, parse_zone, zone_of, zone_or
from services.cosmic.astro import SIGNS_BY_KEY
from services.cosmic.service import CosmicService


async def command_subscribe(
    message: Message, state: FSMContext, account: Account, cosmic: CosmicService,
    schedules: ScheduleRepo,
) -> None:  # fmt: skip
    await state.clear()
    if not account.sign:
        await message.answer(
            _("Which sign should I send you every day?"),
            reply_markup=keyboards.sign_grid(lambda key: SubscribeCallback(sign=key)),
        )
        return
    text, markup = await next_screen(account.user_id, account.sign, cosmic, schedules)
    await message.answer(text, reply_markup=markup)


async def next_screen(
    user_id: int, sign: str, cosmic: CosmicService, schedules: ScheduleRepo
) -> Screen:
    """The hours when the person's time zone is known, else "what time is it for you?"."""
    zone = await schedules.zone(user_id)
    if zone is None:
        return zone_screen(sign, cosmic.clock.now(), None, "")
    return await hours_of(user_id, sign, zone, cosmic, schedules)


async def hours_of(
    user_id: int, sign: str, zone: str, cosmic: CosmicService, schedules: ScheduleRepo
) -> Screen:
    subscription = await schedules.subscription(user_id)
    chosen = subscription.hour if subscription else DEFAULT_HOUR
    local = cosmic.clock.now().astimezone(zone_or(zone, cosmic.clock.zone))
    return hours_screen(sign, zone, local, chosen, fixed=is_fixed(zone))


async def process_subscribe(
    query: CallbackQuery,
    callback_data: SubscribeCallback,
    cosmic: CosmicService,
    schedules: ScheduleRepo,
    accounts: AccountRepo,
) -> None:
    user_id, sign, hour = query.from_user.id, callback_data.sign, callback_data.hour
    if hour < 0:  # the sign was chosen
        await query.answer()
        await show(query, await next_screen(user_id, sign, cosmic, schedules))
        return
    zone = await schedules.zone(user_id) or cosmic.clock.zone.key
    subscription = await schedules.subscription(user_id)
    if subscription is not None and (subscription.sign, subscription.hour) == (sign, hour):
        await query.answer(already_text(sign, hour, zone))  # nothing changes: no edit
        return
    await query.answer()
    await schedules.subscribe(user_id, sign, hour)
    await accounts.set_sign(user_id, sign)
    today = cosmic.clock.now().astimezone(zone_or(zone, cosmic.clock.zone)).date()
    pushed = await schedules.pushed_since(user_id, today.isoformat())
    await show(query, (subscribed_text(sign, hour, zone, pushed_today=pushed), None))


async def process_zone(
    query: CallbackQuery,
    callback_data: ZoneCallback,
    state: FSMContext,
    cosmic: CosmicService,
    schedules: ScheduleRepo,
) -> None:
    await query.answer()
    user_id, sign, action = query.from_user.id, callback_data.sign, callback_data.action
    if action is ZoneAction.TYPE:
        await state.set_state(SubscribeForm.zone)
        await state.update_data(sign=sign)
        await show(query, typing_screen(sign))
        return
    await state.clear()
    zone = await schedules.zone(user_id)
    if action is ZoneAction.ASK:
        current = zone_of(zone) if zone else None
        await show(query, zone_screen(sign, cosmic.clock.now(), current, zone or ""))
        return
    if action is ZoneAction.SET:
        current = zone_of(zone) if zone else None
        now = cosmic.clock.now()
        offset = timedelta(minutes=callback_data.offset)
        if current is None or now.astimezone(current).utcoffset() != offset:
            # The same offset as the zone already kept (Europe/Madrid in winter and UTC+1)
            # keeps that zone: it knows summer time, the offset does not.
            zone = offset_name(callback_data.offset)
            await schedules.set_zone(user_id, zone)
    if zone is None:  # KEEP without a zone: a stale button
        zone = cosmic.clock.zone.key
    await show(query, await hours_of(user_id, sign, zone, cosmic, schedules))


async def process_typed_zone(
    message: Message, state: FSMContext, cosmic: CosmicService, schedules: ScheduleRepo
) -> None:
    zone = parse_zone(message.text or "")
    if zone is None or zone_of(zone) is None or message.from_user is None:
        await message.answer(unknown_zone_text(message.text or ""))  # asked again
        return
    data = await state.get_data()
    await state.clear()
    await schedules.set_zone(message.from_user.id, zone)
    sign = data.get("sign", "")
    if sign not in SIGNS_BY_KEY:
        return
    text, markup = await hours_of(message.from_user.id, sign, zone, cosmic, schedules)
    await message.answer(text, reply_markup=markup)


async def process_zone_not_text(message: Message) -> None:
    await message.answer(typing_prompt())


async def command_unsubscribe(message: Message, schedules: ScheduleRepo) -> None:
    if message.from_user and await schedules.unsubscribe(message.from_user.id):
        await message.answer(_("Unsubscribed: no more daily images. /subscribe to come back."))
    else:
        await message.answer(_("You are not subscribed. /subscribe to get your daily image."))


async def show(query: CallbackQuery, screen: tuple[str, InlineKeyboardMarkup | None]) -> None:
    """The screen in place of the pressed message (only answered when it shows it already)."""
    if isinstance(query.message, Message):
        await show_screen(query.message, *screen, edit=True)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(command_subscribe, Command("subscribe"))
    router.message.register(command_unsubscribe, Command("unsubscribe"))
    router.callback_query.register(
        process_subscribe,
        SubscribeCallback.filter(F.sign.in_(SIGNS_BY_KEY.keys()) & F.hour.in_({-1, *range(24)})),
    )
    router.callback_query.register(
        process_zone,
        ZoneCallback.filter(
            F.sign.in_(SIGNS_BY_KEY.keys())
            & ((F.action != ZoneAction.SET) | F.offset.in_(set(PICKER_OFFSETS)))
        ),
    )
    router.message.register(
        process_typed_zone, SubscribeForm.zone, F.text, ~F.text.startswith("/")
    )
    router.message.register(process_zone_not_text, SubscribeForm.zone, ~F.text)
    return router
