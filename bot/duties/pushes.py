"""Daily pushes: every quarter of an hour, the subscribers whose local delivery hour has
come get the image of their sign for their local date, with its reading and horoscope in
their language, once per local date (the delivery is claimed as `push:<date>`). A push
missed (the bot was down) is caught up within CATCH_UP_HOURS of its hour, then skipped
for that date. Each sign's image is uploaded once per date, by one sender among all the
processes sending (`uploads`: shared through Redis); every other send reuses its file_id."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, timedelta
from html import escape

from aiogram import Bot
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.core.broadcast import Broadcaster, BroadcastReport
from services.cosmic.astro import daily_reading
from services.cosmic.horoscope_repo import HoroscopeRepo
from services.cosmic.pushes import PushImages
from services.cosmic.service import CosmicService
from services.cosmic.subscription_repo import (
    Subscription,
    SubscriptionRepo,
    ZoneClock,
    push_campaign,
)
from services.cosmic.zones import local_now, zone_or
from services.infra.locks import KeyLocks
from ui.common.keyboards import share_button
from ui.cosmic.kinds.daily import reading_text

CATCH_UP_HOURS = 3
"""A push is sent from its local hour until this many hours later (a run every quarter of
an hour, or the catch-up at start-up); after that it is skipped for that date."""


class DailyPush:
    def __init__(
        self,
        bot: Bot,
        i18n: I18n,
        cosmic: CosmicService,
        subscriptions: SubscriptionRepo,
        horoscopes: HoroscopeRepo,
        broadcaster: Broadcaster,
        uploads: KeyLocks | None = None,
    ) -> None:
        self._bot = bot
        self._i18n = i18n
        self._images = PushImages(cosmic, uploads)
        self._subscriptions = subscriptions
        self._horoscopes = horoscopes
        self._broadcaster = broadcaster
        self._captions: dict[tuple[str, str, str], tuple[str, InlineKeyboardMarkup]] = {}

    async def run(self, at: datetime | None = None) -> BroadcastReport:
        """Sends the push of their local date to every subscriber whose local hour has come
        at `at` (now) and who has not had it; one campaign per local date."""
        moment = at or datetime.now(UTC)
        bot_zone = self._images.zone
        clocks = []
        for name in await self._subscriptions.zones_in_use():
            local = local_now(zone_or(name, bot_zone), moment)
            clocks.append(ZoneClock(name, local.date().isoformat(), local.hour))
            if local.hour < CATCH_UP_HOURS - 1:  # the day before's last hours, caught up
                day_before = (local.date() - timedelta(days=1)).isoformat()
                clocks.append(ZoneClock(name, day_before, local.hour + 24))
        due = await self._subscriptions.due(clocks, CATCH_UP_HOURS)
        self._forget_other_days(set(due))
        total = BroadcastReport()
        try:
            for day, subscriptions in sorted(due.items()):
                report = await self._run_day(date.fromisoformat(day), subscriptions)
                for name in ("total", "sent", "failed", "blocked", "skipped", "pauses"):
                    setattr(total, name, getattr(total, name) + getattr(report, name))
        finally:
            await self._images.flush()
        return total

    async def _run_day(self, day: date, subscriptions: list[Subscription]) -> BroadcastReport:
        due = {s.user_id: s for s in subscriptions}

        async def send(user_id: int) -> None:
            await self._send(due[user_id], day)

        def hold(user_id: int) -> AbstractAsyncContextManager[None]:
            return self._images.sending(due[user_id].sign, day)

        return await self._broadcaster.run(
            push_campaign(day.isoformat()),
            list(due),
            send,
            on_blocked=self._unsubscribe,
            hold=hold,
        )

    async def _unsubscribe(self, user_id: int) -> None:
        """Someone who blocked the bot gets no more pushes."""
        await self._subscriptions.unsubscribe(user_id)

    def _forget_other_days(self, days: set[str]) -> None:
        """Keeps what this process remembers (file_ids, captions) to the dates being sent."""
        self._images.forget_other_days(days)
        self._captions = {k: v for k, v in self._captions.items() if k[0] in days}

    async def _send(self, subscription: Subscription, day: date) -> None:
        caption, markup = await self._caption(subscription, day)

        async def send_photo(photo: str | bytes) -> str | None:
            """By file_id, or the upload of the first send of a sign and date."""
            file: str | BufferedInputFile = (
                photo
                if isinstance(photo, str)
                else BufferedInputFile(photo, f"{subscription.sign}.png")
            )
            message = await self._bot.send_photo(
                subscription.user_id,
                file,
                caption=caption,
                reply_markup=markup,
                allow_paid_broadcast=self._broadcaster.paid or None,
            )
            return message.photo[-1].file_id if message.photo else None

        await self._images.send(subscription.user_id, subscription.sign, day, send_photo)

    async def _caption(
        self, subscription: Subscription, day: date
    ) -> tuple[str, InlineKeyboardMarkup]:
        """The same for every subscriber of a sign and language: made once per run (the
        hot path of a push is a dictionary look-up)."""
        key = (day.isoformat(), subscription.sign, subscription.language)
        if key not in self._captions:
            reading = daily_reading(subscription.sign, day)
            horoscope = await self._horoscopes.horoscope(*key)
            with self._i18n.context(), self._i18n.use_locale(subscription.language):
                text = reading_text(subscription.sign, reading.energy, reading.mood, reading.focus)
                markup = _share_markup()
            caption = f"{text}\n\n{escape(horoscope)}" if horoscope else text
            self._captions[key] = (caption, markup)
        return self._captions[key]


def _share_markup() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.add(share_button(""))
    return builder.as_markup()
