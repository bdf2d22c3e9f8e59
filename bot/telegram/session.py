"""How the bot talks to Telegram: through the configured Bot API server, HTML by default,
waiting out flood limits instead of failing."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

from bot.config import Settings
from services.core.broadcast import SENDER_PACES_ITSELF

logger = logging.getLogger(__name__)

# Placeholder for runs without Telegram (demo, tests): aiogram validates the token's shape.
OFFLINE_TOKEN = "123456:offline-demo-token"


class RetryAfterMiddleware(BaseRequestMiddleware):
    """On 429 Too Many Requests, sleeps the time Telegram asks for and tries again; gives
    up (re-raises) after `attempts` tries or when the wait would exceed `max_wait`."""

    def __init__(self, attempts: int = 3, max_wait: float = 30.0) -> None:
        self._attempts = attempts
        self._max_wait = max_wait

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for attempt in range(1, self._attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if SENDER_PACES_ITSELF.get():
                    raise  # the broadcaster pauses every sender, not just this request
                if attempt == self._attempts or error.retry_after > self._max_wait:
                    raise
                logger.warning("429 on %s: waiting %ss", method.__api_method__, error.retry_after)
                await asyncio.sleep(error.retry_after)
        raise AssertionError("unreachable")  # pragma: no cover


def build_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    if session is None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    session.middleware(RetryAfterMiddleware())
    token = settings.bot_token.get_secret_value() if settings.bot_token else OFFLINE_TOKEN
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
