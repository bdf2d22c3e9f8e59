"""/match: your sign, then theirs, then the compatibility art of the pair."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from handlers.common.screens import answered, show_screen
from handlers.cosmic.painting import make_art, tap_key
from services.core.jobs import JobQueue
from services.core.models import Account
from services.cosmic.astro import SIGNS_BY_KEY
from services.cosmic.kinds import MatchParams
from services.cosmic.service import CosmicService
from ui.cosmic import keyboards
from ui.cosmic.kinds.match import (
    WORDING,
    MatchFirstCallback,
    MatchPairCallback,
    MatchRestartCallback,
    match_caption,
)
from ui.cosmic.texts import caption


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


def create_router() -> Router:
    router = Router(name=__name__)
    signs = SIGNS_BY_KEY.keys()
    router.message.register(command_match, Command(WORDING.command))
    router.callback_query.register(process_match_restart, MatchRestartCallback.filter())
    router.callback_query.register(
        process_match_first, MatchFirstCallback.filter(F.first.in_(signs))
    )
    router.callback_query.register(
        process_match_pair, MatchPairCallback.filter(F.first.in_(signs) & F.second.in_(signs))
    )
    return router
