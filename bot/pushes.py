"""Daily pushes: every hour, the subscribers due at that hour get today's image of their
sign with the reading and horoscope in their language. Each sign's image is uploaded once
per day; every other send reuses its file_id."""

from __future__ import annotations

import asyncio
from datetime import date
from html import escape

from aiogram import Bot
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.cosmic_keyboards import share_button
from handlers.cosmic_texts import reading_text
from services.astro import Reading, daily_reading
from services.broadcast import Broadcaster, BroadcastReport
from services.cosmic import CosmicService
from services.storage.images import NewImage
from services.storage.schedules import ScheduleRepo, Subscription


class DailyPush:
    def __init__(self, bot: Bot, i18n: I18n, cosmic: CosmicService, schedules: ScheduleRepo,
                 broadcaster: Broadcaster) -> None:  # fmt: skip
        self._bot = bot
        self._i18n = i18n
        self._cosmic = cosmic
        self._schedules = schedules
        self._broadcaster = broadcaster
        self._sign_locks: dict[str, asyncio.Lock] = {}
        self.uploads = 0

    async def run(self, hours: list[int]) -> BroadcastReport:
        """Sends today's push to the subscribers of these delivery hours not served yet."""
        today = self._cosmic.clock.today()
        campaign = f"push:{today.isoformat()}"
        due = {s.user_id: s for s in await self._schedules.due(hours, campaign)}

        async def send(user_id: int) -> None:
            await self._send(due[user_id], today)

        return await self._broadcaster.run(campaign, list(due), send,
                                           on_blocked=self._schedules.unsubscribe)  # fmt: skip

    async def _send(self, subscription: Subscription, today: date) -> None:
        reading = daily_reading(subscription.sign, today)
        horoscope = await self._schedules.horoscope(today.isoformat(), subscription.sign,
                                                    subscription.language)  # fmt: skip
        with self._i18n.context(), self._i18n.use_locale(subscription.language):
            caption = reading_text(subscription.sign, reading.energy, reading.mood, reading.focus)
            if horoscope:
                caption = f"{caption}\n\n{escape(horoscope)}"
            markup = _share_markup()
        lock = self._sign_locks.setdefault(subscription.sign, asyncio.Lock())
        async with lock:  # the first send of a sign uploads; the others wait for its file_id
            entry, _ = await self._cosmic.prepare_daily(subscription.sign)
            if entry.file_id is None:
                png = await asyncio.to_thread(self._cosmic.media.path(entry.path).read_bytes)
                message = await self._bot.send_photo(
                    subscription.user_id, BufferedInputFile(png, f"{subscription.sign}.png"),
                    caption=caption, reply_markup=markup,
                    allow_paid_broadcast=self._broadcaster.paid or None,
                )  # fmt: skip
                self.uploads += 1
                file_id = message.photo[-1].file_id if message.photo else None
                if file_id:
                    key = f"daily:{subscription.sign}:{today.isoformat()}"
                    await self._cosmic.cache.set_file_id(key, file_id)
                await self._remember(subscription, entry.path, file_id, reading)
                return
        message = await self._bot.send_photo(
            subscription.user_id, entry.file_id, caption=caption, reply_markup=markup,
            allow_paid_broadcast=self._broadcaster.paid or None,
        )  # fmt: skip
        await self._remember(subscription, entry.path, entry.file_id, reading)

    async def _remember(self, subscription: Subscription, path: str, file_id: str | None,
                        reading: Reading) -> None:  # fmt: skip
        """The push joins the user's gallery (and inline sharing)."""
        params: dict[str, object] = {
            "category": "daily", "signs": [subscription.sign], "energy": reading.energy,
            "mood": reading.mood.value, "focus": reading.focus.value,
        }  # fmt: skip
        image = NewImage(subscription.user_id, "daily", params, "", "local", "push", "standard",
                         0.0, path, shared=True, file_id=file_id)  # fmt: skip
        async with self._cosmic.db.transaction() as tx:
            await self._cosmic.images.insert(tx, image)


def _share_markup() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.add(share_button(""))
    return builder.as_markup()
