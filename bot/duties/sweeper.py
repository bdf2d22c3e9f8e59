"""The sweeper: in the leader (bot/duties/leadership.py), when it starts and then every
SWEEP_INTERVAL seconds, runs again the in-process jobs a dead incarnation left, refunds the
token holds and weekly uses whose owner died and nobody took over (services/core/sweep.py)
and tells each person where they pressed: the progress message becomes
"interrupted, your tokens are back" with a fresh Generate button (a new message when that
one can no longer be edited)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.duties.leadership import Mandate, always
from services.core.sweep import Sweep, SweepReport
from services.core.work_repo import Interruption, WorkKind
from services.cosmic.again import edited_image
from services.studio.drafts import Action
from ui.interrupted import (
    art_again,
    art_edit_again,
    interrupted_action_text,
    interrupted_art_edit_text,
    interrupted_art_text,
    interrupted_post_text,
    post_again,
)

logger = logging.getLogger(__name__)


Resume = Callable[[float | None], Awaitable[int]]
"""Runs again the queued jobs a dead incarnation left (bot/jobs/broker.py `resume`)."""


async def _nothing_to_resume(_: float | None) -> int:
    return 0


class Sweeper:
    def __init__(
        self,
        bot: Bot,
        i18n: I18n,
        sweep: Sweep,
        *,
        interval: float,
        post_cost: int,
        resume: Resume = _nothing_to_resume,
    ) -> None:
        self._bot = bot
        self._resume = resume
        self._i18n = i18n
        self._sweep = sweep
        self._interval = interval
        self._post_cost = post_cost
        self._task: asyncio.Task[None] | None = None
        self._sweeping: asyncio.Future[None] | None = None
        self.still_leading: Mandate = always
        """Asked before each sweep (bot/app.py: the leadership's): a leader whose lease
        was taken sweeps no more."""

    async def run_once(self, now: float | None = None) -> SweepReport:
        """The jobs a dead incarnation left run again here (or, past their deadline, are
        refunded), one sweep, then every person not told yet is told, by one process only
        (one that dies telling leaves it to the next run)."""
        await self._resume(now)
        report = await self._sweep.run(now)
        for interruption in await self._sweep.untold():
            if not await self._sweep.claim(interruption):
                continue
            if await self._tell(interruption):
                await self._sweep.told(interruption)
            else:
                await self._sweep.unclaim(interruption)
        return report

    async def start(self) -> None:
        """Sweeps now, then keeps sweeping in the background until stop()."""
        if self._task is not None:
            return
        await self._safely()
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        """Stops sweeping; a sweep under way ends first (nobody is left claimed untold)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._sweeping is not None:
            await self._sweeping
            self._sweeping = None

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            self._sweeping = asyncio.ensure_future(self._safely())
            await asyncio.shield(self._sweeping)
            self._sweeping = None

    async def _safely(self) -> None:
        try:
            if not await self.still_leading():
                return
            await self.run_once()
        except Exception:
            logger.exception("sweep failed; it runs again in %.0f s", self._interval)

    async def _tell(self, interruption: Interruption) -> bool:
        """True once the person has been told, or cannot be (blocked, chat gone); False
        keeps it for the next run (Telegram unreachable)."""
        chat, message = interruption.chat_id, interruption.message_id
        try:
            text, markup = self._render(interruption)
            try:
                await self._bot.edit_message_text(
                    text, chat_id=chat, message_id=message, reply_markup=markup
                )
            except TelegramBadRequest as error:  # deleted, too old, not editable
                if "not modified" in error.message:
                    return True  # it already says so
                logger.info(
                    "progress message %s/%s not editable (%s): sending a new one",
                    chat,
                    message,
                    error.message,
                )
                await self._bot.send_message(chat, text, reply_markup=markup)
        except (TelegramBadRequest, TelegramForbiddenError) as error:
            logger.warning("could not tell %s about interrupted work: %s", chat, error.message)
        except Exception:
            logger.exception("telling %s about interrupted work failed; retried later", chat)
            return False
        return True

    def _render(self, interruption: Interruption) -> tuple[str, InlineKeyboardMarkup | None]:
        with self._i18n.context(), self._i18n.use_locale(interruption.language):
            tokens, balance = interruption.tokens, interruption.balance
            if interruption.kind is WorkKind.TOKENS and interruption.action == Action.POST:
                text = interrupted_post_text(tokens, balance)
                return text, post_again(interruption.ref, self._post_cost)
            if interruption.kind is WorkKind.TOKENS:
                return interrupted_action_text(interruption.action, tokens, balance), None
            if (edited := edited_image(interruption.again)) is not None:
                return interrupted_art_edit_text(), art_edit_again(edited)
            return interrupted_art_text(), art_again(interruption.ref)
