"""Cosmic Coach: /match, /moon and /usage (/daily is in daily.py)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from handlers.common.screens import answered, show_buttons, show_screen
from handlers.cosmic.art import make_art, tap_key
from handlers.cosmic.subscribe_screens import usage_lines
from services.core.jobs import JobQueue
from services.core.models import Account
from services.cosmic.astro import SIGNS_BY_KEY
from services.cosmic.kinds import MatchParams, MoonParams
from services.cosmic.moon import moon_on
from services.cosmic.service import CosmicService
from services.cosmic.subscriptions import SubscriptionService
from services.sharing.analytics import Analytics
from ui.cosmic import keyboards
from ui.cosmic.callbacks import (
    MatchFirstCallback,
    MatchPairCallback,
    MatchRestartCallback,
    MoonMakeCallback,
    MoonPickCallback,
)
from ui.cosmic.kinds.match import match_caption
from ui.cosmic.kinds.moon import ritual_guide
from ui.cosmic.texts import caption, referral_text, usage_text
from ui.cosmic.words import phase_name

# --- /match ---------------------------------------------------------------------------


def first_grid() -> InlineKeyboardMarkup:
    return keyboards.sign_grid(lambda key: MatchFirstCallback(first=key))


async def command_match(message: Message) -> None:
    await message.answer(_("Your sign:"), reply_markup=first_grid())


async def process_match_restart(query: CallbackQuery) -> None:
    if message := await answered(query):
        await show_screen(message, _("Your sign:"), first_grid(), edit=True)


async def process_match_first(query: CallbackQuery, callback_data: MatchFirstCallback) -> None:
    if message := await answered(query):
        first = callback_data.first
        grid = keyboards.sign_grid(
            lambda key: MatchPairCallback(first=first, second=key), back=MatchRestartCallback()
        )
        await show_screen(message, _("Their sign:"), grid, edit=True)


async def process_match_pair(
    query: CallbackQuery,
    callback_data: MatchPairCallback,
    bot: Bot,
    account: Account,
    cosmic: CosmicService,
    jobs: JobQueue,
) -> None:
    if message := await answered(query):
        request = MatchParams(callback_data.first, callback_data.second)
        text = caption(request)
        await message.edit_text(f"{text}\n{match_caption(request.score)}")
        await make_art(message, bot, account, cosmic, request, tap_key(query), text, jobs)


# --- /moon ----------------------------------------------------------------------------


async def command_moon(message: Message, cosmic: CosmicService) -> None:
    current = moon_on(cosmic.clock.today())
    await message.answer(
        _("The moon today: {phase} ({percent}% lit). Choose a phase for your ritual:").format(
            phase=phase_name(current.phase), percent=round(current.illumination * 100)
        ),
        reply_markup=keyboards.moon_phases(current.phase, current.phase),
    )


async def process_moon_pick(
    query: CallbackQuery, callback_data: MoonPickCallback, cosmic: CosmicService
) -> None:
    if message := await answered(query):
        current = moon_on(cosmic.clock.today()).phase
        await show_buttons(message, keyboards.moon_phases(callback_data.phase, current))


async def process_moon_make(
    query: CallbackQuery,
    callback_data: MoonMakeCallback,
    bot: Bot,
    account: Account,
    cosmic: CosmicService,
    jobs: JobQueue,
) -> None:
    if message := await answered(query):
        phase = callback_data.phase
        await message.answer(f"<b>{phase_name(phase)}</b>\n\n{ritual_guide(phase)}")
        request = MoonParams(phase)
        text = caption(request)
        await make_art(message, bot, account, cosmic, request, tap_key(query), text, jobs)


# --- /usage ---------------------------------------------------------------------------


async def command_usage(
    message: Message,
    account: Account,
    cosmic: CosmicService,
    analytics: Analytics,
    subscriptions: SubscriptionService,
) -> None:
    usage = usage_text(await cosmic.usage_of(account), account.balance)
    invited = await analytics.referrals(account.user_id)
    subscription = await subscriptions.subscription(account.user_id)
    daily = usage_lines(subscription, cosmic.clock.zone.key)
    await message.answer(f"{usage}\n{daily}\n{referral_text(invited)}")


def create_router() -> Router:
    router = Router(name=__name__)
    signs = SIGNS_BY_KEY.keys()
    router.message.register(command_match, Command("match"))
    router.message.register(command_moon, Command("moon"))
    router.message.register(command_usage, Command("usage"))
    router.callback_query.register(process_match_restart, MatchRestartCallback.filter())
    router.callback_query.register(
        process_match_first, MatchFirstCallback.filter(F.first.in_(signs))
    )
    router.callback_query.register(
        process_match_pair, MatchPairCallback.filter(F.first.in_(signs) & F.second.in_(signs))
    )
    router.callback_query.register(process_moon_pick, MoonPickCallback.filter())
    router.callback_query.register(process_moon_make, MoonMakeCallback.filter())
    return router
