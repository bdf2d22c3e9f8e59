"""Daily pushes: every quarter of an hour, the subscribers whose local delivery hour has
come get the image of their sign for their local date, with its reading and horoscope in
their language, once per local date (the delivery is claimed as `push:<date>`). A push
missed (the bot was down) is caught up within CATCH_UP_HOURS of its hour, then skipped
for that date. Each sign's image is uploaded once per date; every other send reuses its
file_id."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime
from html import escape

from aiogram import Bot
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.common.keyboards import share_button
from handlers.cosmic.texts import reading_text
from services.core.broadcast import Broadcaster, BroadcastReport
from services.core.categories import DailyParams
from services.core.images import NewImage
from services.core.schedules import ScheduleRepo, Subscription, ZoneClock, push_campaign
from services.core.zones import local_now, zone_or
from services.cosmic.astro import Reading, daily_reading
from services.cosmic.cache import CachedImage
from services.cosmic.service import CosmicService, daily_key

GALLERY_BATCH = 200
"""Push images join the users' galleries in batches (the deliveries table is the record)."""
CATCH_UP_HOURS = 3
"""A push is sent from its local hour until this many hours later (a run every quarter of
an hour, or the catch-up at start-up); after that it is skipped for that date."""


class DailyPush:
    def __init__(
        self,
        bot: Bot,
        i18n: I18n,
        cosmic: CosmicService,
        schedules: ScheduleRepo,
        broadcaster: Broadcaster,
    ) -> None:
        self._bot = bot
        self._i18n = i18n
        self._cosmic = cosmic
        self._schedules = schedules
        self._broadcaster = broadcaster
        self._sign_locks: dict[str, asyncio.Lock] = {}
        self._captions: dict[tuple[str, str, str], tuple[str, InlineKeyboardMarkup]] = {}
        self._gallery: list[NewImage] = []
        self._sent: dict[str, CachedImage] = {}
        """The images Telegram has, of the dates being sent (by cache key): later sends skip
        the cache."""
        self._flushing: set[asyncio.Task[None]] = set()

    async def run(self, at: datetime | None = None) -> BroadcastReport:
        """Sends the push of their local date to every subscriber whose local hour has come
        at `at` (now) and who has not had it; one campaign per local date."""
        moment = at or datetime.now(UTC)
        bot_zone = self._cosmic.clock.zone
        clocks = []
        for name in await self._schedules.zones_in_use():
            local = local_now(zone_or(name, bot_zone), moment)
            clocks.append(ZoneClock(name, local.date().isoformat(), local.hour))
        due = await self._schedules.due(clocks, CATCH_UP_HOURS)
        self._forget_other_days(set(due))
        total = BroadcastReport()
        try:
            for day, subscriptions in sorted(due.items()):
                report = await self._run_day(date.fromisoformat(day), subscriptions)
                for name in ("total", "sent", "failed", "blocked", "skipped", "pauses"):
                    setattr(total, name, getattr(total, name) + getattr(report, name))
        finally:
            await asyncio.gather(*self._flushing)
            await self._flush_gallery()
        return total

    async def _run_day(self, day: date, subscriptions: list[Subscription]) -> BroadcastReport:
        due = {s.user_id: s for s in subscriptions}

        async def send(user_id: int) -> None:
            await self._send(due[user_id], day)

        return await self._broadcaster.run(
            push_campaign(day.isoformat()), list(due), send, on_blocked=self._unsubscribe
        )

    async def _unsubscribe(self, user_id: int) -> None:
        """Someone who blocked the bot gets no more pushes."""
        await self._schedules.unsubscribe(user_id)

    def _forget_other_days(self, days: set[str]) -> None:
        """Keeps what this process remembers (file_ids, captions) to the dates being sent."""
        self._sent = {k: v for k, v in self._sent.items() if k.rsplit(":", 1)[-1] in days}
        self._captions = {k: v for k, v in self._captions.items() if k[0] in days}
        self._sign_locks = {k: v for k, v in self._sign_locks.items() if v.locked()}

    async def _send(self, subscription: Subscription, day: date) -> None:
        reading = daily_reading(subscription.sign, day)
        caption, markup = await self._caption(subscription, reading)
        key = daily_key(subscription.sign, day)
        entry = self._sent.get(key)
        if entry is None or entry.file_id is None:  # (what _sent keeps has a file_id)
            async with self._sign_locks.setdefault(key, asyncio.Lock()):
                # The first send of a sign uploads; the others wait here for its file_id.
                entry, _ = await self._cosmic.prepare_daily(subscription.sign, day)
                if entry.file_id is None:
                    await self._upload(subscription, entry, (caption, markup), reading, day)
                    return
                self._sent[key] = entry
        await self._bot.send_photo(
            subscription.user_id,
            entry.file_id,
            caption=caption,
            reply_markup=markup,
            allow_paid_broadcast=self._broadcaster.paid or None,
        )
        self._remember(subscription, entry.path, entry.file_id, reading)

    async def _upload(
        self,
        subscription: Subscription,
        entry: CachedImage,
        message_parts: tuple[str, InlineKeyboardMarkup],
        reading: Reading,
        day: date,
    ) -> None:
        caption, markup = message_parts
        png = await asyncio.to_thread(self._cosmic.media.path(entry.path).read_bytes)
        message = await self._bot.send_photo(
            subscription.user_id,
            BufferedInputFile(png, f"{subscription.sign}.png"),
            caption=caption,
            reply_markup=markup,
            allow_paid_broadcast=self._broadcaster.paid or None,
        )
        file_id = message.photo[-1].file_id if message.photo else None
        if file_id:
            key = daily_key(subscription.sign, day)
            await self._cosmic.cache.set_file_id(key, file_id)
            self._sent[key] = replace(entry, file_id=file_id)
        self._remember(subscription, entry.path, file_id, reading)

    async def _caption(
        self, subscription: Subscription, reading: Reading
    ) -> tuple[str, InlineKeyboardMarkup]:
        """The same for every subscriber of a sign and language: made once per run."""
        key = (reading.day.isoformat(), subscription.sign, subscription.language)
        if key not in self._captions:
            horoscope = await self._schedules.horoscope(*key)
            with self._i18n.context(), self._i18n.use_locale(subscription.language):
                text = reading_text(subscription.sign, reading.energy, reading.mood, reading.focus)
                markup = _share_markup()
            caption = f"{text}\n\n{escape(horoscope)}" if horoscope else text
            self._captions[key] = (caption, markup)
        return self._captions[key]

    def _remember(
        self, subscription: Subscription, path: str, file_id: str | None, reading: Reading
    ) -> None:
        """The push joins the user's gallery (and inline sharing)."""
        params = DailyParams(subscription.sign, reading.energy, reading.mood, reading.focus)
        self._gallery.append(
            NewImage(
                subscription.user_id,
                params,
                "",
                "local",
                "push",
                "standard",
                0.0,
                path,
                shared=True,
                file_id=file_id,
            )
        )
        if len(self._gallery) >= GALLERY_BATCH:
            task = asyncio.get_running_loop().create_task(self._flush_gallery())
            self._flushing.add(task)
            task.add_done_callback(self._flushing.discard)

    async def _flush_gallery(self) -> None:
        pending, self._gallery = self._gallery, []
        if pending:
            await self._cosmic.images.insert_all(pending)


def _share_markup() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.add(share_button(""))
    return builder.as_markup()
