"""/moon: tonight's phase, a phase to pick, its ritual and its image."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.common.screens import answered, show_buttons
from handlers.cosmic.painting import make_art, tap_key
from services.core.jobs import JobQueue
from services.core.models import Account
from services.cosmic.kinds import MoonParams
from services.cosmic.moon import moon_on
from services.cosmic.service import CosmicService
from ui.cosmic.kinds.moon import (
    WORDING,
    MoonMakeCallback,
    MoonPickCallback,
    moon_phases,
    ritual_guide,
)
from ui.cosmic.texts import caption
from ui.cosmic.words import phase_name


async def command_moon(message: Message, cosmic: CosmicService) -> None:
    current = moon_on(cosmic.clock.today())
    await message.answer(
        _("The moon today: {phase} ({percent}% lit). Choose a phase for your ritual:").format(
            phase=phase_name(current.phase), percent=round(current.illumination * 100)
        ),
        reply_markup=moon_phases(current.phase, current.phase),
    )


async def process_moon_pick(
    query: CallbackQuery, callback_data: MoonPickCallback, cosmic: CosmicService
) -> None:
    if message := await answered(query):
        current = moon_on(cosmic.clock.today()).phase
        await show_buttons(message, moon_phases(callback_data.phase, current))


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


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(command_moon, Command(WORDING.command))
    router.callback_query.register(process_moon_pick, MoonPickCallback.filter())
    router.callback_query.register(process_moon_make, MoonMakeCallback.filter())
    return router
