"""Cosmic Coach: /daily, /match, /moon and /usage."""

from __future__ import annotations

import asyncio
import hashlib

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _

from handlers.common.callbacks import (
    DailyCallback,
    MatchCallback,
    MenuAction,
    MenuCallback,
    MoonCallback,
)
from handlers.common.photos import Photo, send_reusing
from handlers.common.screens import show_buttons, show_screen
from handlers.cosmic import keyboards
from handlers.cosmic.subscribe_screens import usage_lines
from handlers.cosmic.texts import (
    caption,
    cosmic_failure_text,
    limit_text,
    match_caption,
    phase_name,
    reading_text,
    referral_text,
    ritual_guide,
    upgrade_text,
    usage_text,
)
from services.core.accounts import AccountRepo
from services.core.categories import Category, DailyParams, MatchParams, MoonParams
from services.core.media import MediaStore
from services.core.models import Account
from services.core.schedules import ScheduleRepo
from services.core.tiers import Tier
from services.core.work import Origin
from services.cosmic.astro import SIGNS_BY_KEY, Focus, Mood, MoonPhase, daily_reading, moon_on
from services.cosmic.service import (
    CosmicOutcome,
    CosmicRequest,
    CosmicService,
    CosmicStatus,
    DeliverImage,
    ReadyImage,
)
from services.generation.images import fit_for_photo
from services.sharing.analytics import Analytics


def tap_key(query: CallbackQuery) -> str:
    """The same button on the same message is one request, however often it is tapped."""
    message_id = query.message.message_id if query.message else 0
    return hashlib.sha256(f"{message_id}:{query.data}".encode()).hexdigest()[:20]


def photo_sender(message: Message, text: str, media: MediaStore) -> DeliverImage:
    """Sends by the known file_id; uploads when there is none or Telegram rejects it."""

    async def deliver(ready: ReadyImage) -> str | None:
        async def send(photo: Photo) -> Message:
            markup = keyboards.image_actions(ready.image.id, False)
            return await message.answer_photo(photo, caption=text, reply_markup=markup)

        async def upload() -> BufferedInputFile:
            png = ready.png or await asyncio.to_thread(media.path(ready.image.path).read_bytes)
            data, extension = await fit_for_photo(png)
            return BufferedInputFile(data, filename=f"cosmic-{ready.image.id}.{extension}")

        return await send_reusing(send, ready.file_id, upload) or ready.file_id

    return deliver


async def make_art(
    message: Message,
    bot: Bot,
    account: Account,
    cosmic: CosmicService,
    request: CosmicRequest,
    key: str,
    text: str,
) -> None:
    async with ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id):
        outcome = await cosmic.create(
            account, request, key, photo_sender(message, text, cosmic.media),
            Origin(message.chat.id, message.message_id),
        )  # fmt: skip
    await tell_outcome(message, outcome, request.category)


async def tell_outcome(message: Message, outcome: CosmicOutcome, category: Category) -> None:
    if outcome.status is CosmicStatus.UPGRADE:
        await message.answer(upgrade_text(category))
    elif outcome.status is CosmicStatus.LIMIT and outcome.resets_at is not None:
        await message.answer(limit_text(outcome.resets_at))
    elif outcome.status is CosmicStatus.BUSY:
        await message.answer(_("⏳ Still painting your last image — one moment."))
    elif outcome.status is CosmicStatus.FAILED:
        await message.answer(cosmic_failure_text(outcome.failure))


# --- /daily ---------------------------------------------------------------------------


async def command_daily(
    message: Message, bot: Bot, account: Account, cosmic: CosmicService
) -> None:
    if account.sign is None:
        await message.answer(_("Choose your sign:"), reply_markup=daily_grid())
        return
    await show_daily(message, bot, account, cosmic, account.sign, edit=False)


def daily_grid() -> InlineKeyboardMarkup:
    return keyboards.sign_grid(lambda key: DailyCallback(sign=key))


async def show_daily(
    message: Message,
    bot: Bot,
    account: Account,
    cosmic: CosmicService,
    sign_key: str,
    *,
    edit: bool,
) -> None:
    if cosmic.tier_of(account) is Tier.FREE:
        reading = daily_reading(sign_key, cosmic.clock.today())
        text = reading_text(sign_key, reading.energy, reading.mood, reading.focus)
        async with ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id):
            outcome = await cosmic.shared_daily(
                account, sign_key, photo_sender(message, text, cosmic.media)
            )
        if outcome.status is CosmicStatus.DONE:
            await message.answer(
                _("Want art made just for you, your energy, your focus? See /plan.")
            )
        else:
            await message.answer(
                _("❌ Sorry, today's image could not be made. Please try again in a few minutes.")
            )
        return
    reading = daily_reading(sign_key, cosmic.clock.today())
    await show_reading(message, sign_key, reading.energy, reading.mood, reading.focus, edit=edit)


async def show_reading(
    message: Message, sign_key: str, energy: int, mood: str, focus: str, *, edit: bool
) -> None:
    """The adjustable reading screen of a sign."""
    text = reading_text(sign_key, energy, mood, focus)
    markup = keyboards.daily_adjust(sign_key, energy, mood, focus)
    await show_screen(message, text, markup, edit=edit)


async def process_daily(
    query: CallbackQuery,
    callback_data: DailyCallback,
    bot: Bot,
    account: Account,
    cosmic: CosmicService,
    accounts: AccountRepo,
) -> None:
    await query.answer()
    message = query.message
    if not isinstance(message, Message):
        return
    data = callback_data
    if not data.sign:
        await show_screen(message, _("Choose your sign:"), daily_grid(), edit=True)
    elif data.energy == 0:
        await accounts.set_sign(query.from_user.id, data.sign)
        await show_daily(message, bot, account, cosmic, data.sign, edit=True)
    elif not data.go:
        await show_reading(message, data.sign, data.energy, data.mood, data.focus, edit=True)
    else:
        request = DailyParams(data.sign, data.energy, Mood(data.mood), Focus(data.focus))
        await make_art(
            message,
            bot,
            account,
            cosmic,
            request,
            tap_key(query),
            caption(request),
        )


async def menu_daily(
    query: CallbackQuery, bot: Bot, account: Account, cosmic: CosmicService
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await command_daily(query.message, bot, account, cosmic)


# --- /match ---------------------------------------------------------------------------


async def command_match(message: Message) -> None:
    await message.answer(
        _("Your sign:"), reply_markup=keyboards.sign_grid(lambda key: MatchCallback(first=key))
    )


async def process_match(
    query: CallbackQuery,
    callback_data: MatchCallback,
    bot: Bot,
    account: Account,
    cosmic: CosmicService,
) -> None:
    await query.answer()
    message = query.message
    if not isinstance(message, Message):
        return
    first = callback_data.first
    if not first:
        grid = keyboards.sign_grid(lambda key: MatchCallback(first=key))
        await show_screen(message, _("Your sign:"), grid, edit=True)
        return
    if not callback_data.second:
        grid = keyboards.sign_grid(
            lambda key: MatchCallback(first=first, second=key), back=MatchCallback()
        )
        await show_screen(message, _("Their sign:"), grid, edit=True)
        return
    request = MatchParams(first, callback_data.second)
    text = caption(request)
    await message.edit_text(f"{text}\n{match_caption(request.score)}")
    await make_art(message, bot, account, cosmic, request, tap_key(query), text)


# --- /moon ----------------------------------------------------------------------------


async def command_moon(message: Message, cosmic: CosmicService) -> None:
    current = moon_on(cosmic.clock.today())
    await message.answer(
        _("The moon today: {phase} ({percent}% lit). Choose a phase for your ritual:").format(
            phase=phase_name(current.phase), percent=round(current.illumination * 100)
        ),
        reply_markup=keyboards.moon_phases(current.phase, current.phase),
    )


async def process_moon(
    query: CallbackQuery,
    callback_data: MoonCallback,
    bot: Bot,
    account: Account,
    cosmic: CosmicService,
) -> None:
    await query.answer()
    message = query.message
    if not isinstance(message, Message):
        return
    phase = MoonPhase(callback_data.phase)
    if not callback_data.go:
        current = moon_on(cosmic.clock.today()).phase
        await show_buttons(message, keyboards.moon_phases(phase, current))
        return
    await message.answer(f"<b>{phase_name(phase)}</b>\n\n{ritual_guide(phase)}")
    request = MoonParams(phase)
    await make_art(
        message,
        bot,
        account,
        cosmic,
        request,
        tap_key(query),
        caption(request),
    )


# --- /usage ---------------------------------------------------------------------------


async def command_usage(
    message: Message,
    account: Account,
    cosmic: CosmicService,
    analytics: Analytics,
    schedules: ScheduleRepo,
) -> None:
    usage = usage_text(await cosmic.usage_of(account), account.balance)
    invited = await analytics.referrals(account.user_id)
    daily = usage_lines(await schedules.subscription(account.user_id), cosmic.clock.zone.key)
    await message.answer(f"{usage}\n{daily}\n{referral_text(invited)}")


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(command_daily, Command("daily"))
    router.message.register(command_match, Command("match"))
    router.message.register(command_moon, Command("moon"))
    router.message.register(command_usage, Command("usage"))
    router.callback_query.register(menu_daily, MenuCallback.filter(F.action == MenuAction.DAILY))
    router.callback_query.register(
        process_daily,
        DailyCallback.filter(
            F.sign.in_(SIGNS_BY_KEY.keys() | {""})
            & (F.energy >= 0)
            & (F.energy <= 10)
            & F.mood.in_(set(Mood) | {""})
            & F.focus.in_(set(Focus) | {""})
            & ~((F.energy > 0) & ((F.mood == "") | (F.focus == "")))
        ),
    )
    router.callback_query.register(
        process_match,
        MatchCallback.filter(
            F.first.in_(SIGNS_BY_KEY.keys() | {""})
            & F.second.in_(SIGNS_BY_KEY.keys() | {""})
            & ~((F.first == "") & (F.second != ""))
        ),
    )
    router.callback_query.register(process_moon, MoonCallback.filter(F.phase.in_(set(MoonPhase))))
    return router
