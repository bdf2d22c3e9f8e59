"""The per-user anti-flood limit: each person's messages, button presses and inline queries
fill a token bucket (FLOOD_RATE a second, FLOOD_BURST at once; in Redis when the bot runs
as several processes). Beyond it an update is dropped unhandled, and the person is told to
slow down at most once a minute. Admins are never limited, and neither are payments (a
checkout or a paid-for message is always handled) nor updates without a person. The Mini
App's API calls take from the same bucket (services/infra/flood.py): beyond it, 429 with
Retry-After."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import TelegramAPIError
from aiogram.types import TelegramObject, Update, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.metrics import UPDATES_THROTTLED
from services.core.account_repo import AccountRepo
from services.infra.flood import flood_key
from services.infra.pacing import RateStore
from ui.common.language import pick_language

logger = logging.getLogger(__name__)

LIMITED = frozenset({"message", "edited_message", "callback_query", "inline_query"})
"""What a person sends by hand; anything else (payments, membership changes) always passes."""
NOTE_EVERY = 60.0
"""Seconds between two "slow down" notes to one person."""


def slow_down_text() -> str:
    return _("Slow down a little: I skip messages that come this fast. Try again in a moment.")


class FloodMiddleware(BaseMiddleware):
    """An outer middleware on updates, before anything touches the database."""

    def __init__(
        self,
        rates: RateStore,
        i18n: I18n,
        accounts: AccountRepo,
        *,
        rate: float,
        burst: int,
        exempt: frozenset[int],
    ) -> None:
        self._rates = rates
        self._i18n = i18n
        self._accounts = accounts
        self._rate = rate
        self._burst = float(burst)
        self._exempt = exempt

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if not isinstance(event, Update) or not self._limited(event, user):
            return await handler(event, data)
        assert user is not None
        if not await self._rates.take(flood_key(user.id), self._rate, self._burst):
            return await handler(event, data)
        UPDATES_THROTTLED.labels(event.event_type).inc()
        if await self._rates.first_in(f"flood:note:{user.id}", NOTE_EVERY):
            await self._note(data["bot"], event, user)
        elif event.callback_query is not None:  # answered, or the button keeps spinning
            await self._answer_quietly(data["bot"], event.callback_query.id)
        return UNHANDLED

    @staticmethod
    async def _answer_quietly(bot: Bot, query_id: str) -> None:
        try:
            await bot.answer_callback_query(query_id)
        except TelegramAPIError as error:
            logger.info("could not answer a throttled button press: %s", error.message)

    def _limited(self, update: Update, user: User | None) -> bool:
        if user is None or user.is_bot or user.id in self._exempt:
            return False
        if update.event_type not in LIMITED:
            return False
        message = update.message
        return message is None or (
            message.successful_payment is None and message.refunded_payment is None
        )

    async def _note(self, bot: Bot, update: Update, user: User) -> None:
        account = await self._accounts.get(user.id)
        language = account.language if account is not None else ""
        if language not in self._i18n.available_locales:
            language = pick_language(user.language_code, self._i18n.default_locale)
        with self._i18n.context(), self._i18n.use_locale(language):
            text = slow_down_text()
        message = update.message or update.edited_message
        try:
            if update.callback_query is not None:
                await bot.answer_callback_query(update.callback_query.id, text=text)
            elif message is not None:
                await bot.send_message(message.chat.id, text)
        except TelegramAPIError as error:
            logger.info("could not tell %s to slow down: %s", user.id, error.message)
