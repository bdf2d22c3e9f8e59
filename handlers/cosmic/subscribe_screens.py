"""/subscribe's screens: "what time is it for you now?" (the time zone), the delivery hour,
and the lines /usage shows about the daily image and the clock the week runs on."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta, tzinfo
from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import format_skeleton

from services.cosmic.subscription_repo import Subscription
from services.cosmic.zones import PICKER_OFFSETS
from ui.cosmic.callbacks import (
    SubscribeHourCallback,
    ZoneAction,
    ZoneCallback,
    ZoneSetCallback,
)
from ui.cosmic.words import sign_label

Screen = tuple[str, InlineKeyboardMarkup]

DEFAULT_HOUR = 8
HOURS = (6, 7, 8, 9, 10, 12, 18, 21)
TYPED_SHOWN = 64
"""At most this much of a refused zone is repeated back."""


def offset_minutes(zone: tzinfo, now: datetime) -> int:
    offset = now.astimezone(zone).utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 60)


def zone_screen(sign: str, now: datetime, current: tzinfo | None, current_name: str) -> Screen:
    """The times it is now in every offset in use, in order; the one of the person's zone
    (when they have one) is ticked. Equal times a day apart show their date."""
    utc = now.astimezone(UTC)
    locals_ = {offset: utc + timedelta(minutes=offset) for offset in PICKER_OFFSETS}
    clocks = Counter(f"{moment:%H:%M}" for moment in locals_.values())
    ticked = offset_minutes(current, now) if current is not None else None
    builder = InlineKeyboardBuilder()
    for offset, moment in locals_.items():
        label = f"{moment:%H:%M}"
        if clocks[label] > 1:
            day = format_skeleton("MMMd", moment, locale=get_i18n().current_locale)
            label = f"{label} · {day}"
        if offset == ticked:
            label += " ✓"
        builder.button(text=label, callback_data=ZoneSetCallback(sign=sign, offset=offset))
    builder.adjust(4)
    builder.row(_button(_("⌨️ Type my time zone"), ZoneCallback(sign=sign, action=ZoneAction.TYPE)))
    if current is not None:
        keep = ZoneCallback(sign=sign, action=ZoneAction.KEEP)
        builder.row(_button(_("⬅️ Keep {zone}").format(zone=current_name), keep))
    text = _(
        "🕰 What time is it for you now? Tap the time your clock shows, and the time zone "
        "follows. Or type your time zone, for example Europe/Madrid."
    )
    return text, builder.as_markup()


def typing_screen(sign: str) -> Screen:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("⬅️ Back"), callback_data=ZoneCallback(sign=sign, action=ZoneAction.ASK))
    return typing_prompt(), builder.as_markup()


def typing_prompt() -> str:
    return _(
        "Type your time zone: a name such as Europe/Madrid, America/Mexico_City or "
        "Asia/Kolkata, a city such as Moscow, or an offset such as UTC+3."
    )


def unknown_zone_text(typed: str) -> str:
    shown = typed.strip()[:TYPED_SHOWN]
    return _("I don't know the time zone “{typed}”.").format(typed=escape(shown)) + (
        "\n" + typing_prompt()
    )


def hours_screen(
    sign: str, zone_name: str, local: datetime, chosen: int, *, fixed: bool
) -> Screen:
    builder = InlineKeyboardBuilder()
    for hour in HOURS:
        label = f"{hour:02d}:00" + (" ✓" if hour == chosen else "")
        builder.button(text=label, callback_data=SubscribeHourCallback(sign=sign, hour=hour))
    builder.adjust(4)
    builder.row(_button(_("🌍 Change time zone"), ZoneCallback(sign=sign, action=ZoneAction.ASK)))
    lines = [
        _("{sign}: at what time should it arrive?").format(sign=sign_label(sign)),
        _("Your time zone: {zone} (it is {time} there now).").format(
            zone=zone_name, time=f"{local:%H:%M}"
        ),
    ]
    if fixed:
        lines.append(
            _(
                "A fixed offset does not follow summer time: if your clocks change, type your "
                "zone instead (🌍 Change time zone)."
            )
        )
    return "\n".join(lines), builder.as_markup()


def subscribed_text(sign: str, hour: int, zone_name: str, *, pushed_today: bool) -> str:
    text = _(
        "Subscribed: {sign} every day at {hour:02d}:00, your time ({zone}). /unsubscribe to stop."
    ).format(sign=sign_label(sign), hour=hour, zone=zone_name)
    if pushed_today:
        text += "\n" + _("Today's image has already come: the next one comes tomorrow.")
    return text


def already_text(sign: str, hour: int, zone_name: str) -> str:
    return _("Already set: {sign} at {hour:02d}:00 ({zone}).").format(
        sign=sign_label(sign), hour=hour, zone=zone_name
    )


def usage_lines(subscription: Subscription | None, bot_zone: str) -> str:
    """/usage: the daily image in the person's zone; the week in the bot's."""
    if subscription is None:
        daily = _("Daily image: off (/subscribe)")
    else:
        daily = _("Daily image: {sign} at {hour:02d}:00 ({zone}) · /unsubscribe").format(
            sign=sign_label(subscription.sign),
            hour=subscription.hour,
            zone=subscription.zone or bot_zone,
        )
    week = _("Weekly limits count in bot time ({zone}).").format(zone=bot_zone)
    return f"{daily}\n{week}"


def _button(text: str, callback_data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=callback_data.pack())
