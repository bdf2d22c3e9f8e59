"""/daily as the chat shows it: the reading of the day (also the caption of its image), its
share text and card, and the buttons of the reading screen."""

from __future__ import annotations

from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.cosmic.astro import Focus, Mood, sign
from services.cosmic.kinds.daily import KIND, DailyParams
from ui.cosmic.kinds import N_, CardLines, Wording, plans_upgrade
from ui.cosmic.words import focus_name, mood_name, sign_label, sign_name

# --- words --------------------------------------------------------------------------


def reading_text(sign_key: str, energy: int, mood: str, focus: str) -> str:
    bar = "●" * energy + "○" * (10 - energy)
    return _(
        "<b>{sign}</b> today\nEnergy: {bar} {energy}/10\nMood: {mood} · Focus: {focus}"
    ).format(
        sign=sign_label(sign_key),
        bar=bar,
        energy=energy,
        mood=mood_name(mood),
        focus=focus_name(focus),
    )


def _caption(params: DailyParams) -> str:
    if params.day is None and not params.mood_words and not params.focus_words:
        return reading_text(params.sign, params.energy, params.mood, params.focus)
    # from the API: a date's energy, and the mood and focus in the person's own words
    bar = "●" * params.energy + "○" * (10 - params.energy)
    mood = escape(params.mood_words) if params.mood_words else mood_name(params.mood)
    focus = escape(params.focus_words) if params.focus_words else focus_name(params.focus)
    day = params.day.isoformat() if params.day is not None else _("today")
    return _(
        "<b>{sign}</b>, {date}\nEnergy: {bar} {energy}/10\nMood: {mood} · Focus: {focus}"
    ).format(
        sign=sign_label(params.sign),
        date=day,
        bar=bar,
        energy=params.energy,
        mood=mood,
        focus=focus,
    )


def _share(params: DailyParams) -> str:
    return _("My cosmic energy today! ✨ #CosmicCoach")


def _card(params: DailyParams, poster: bool) -> CardLines:
    line = _("Energy {energy}/10 · {mood} · {focus}").format(
        energy=params.energy, mood=mood_name(params.mood), focus=focus_name(params.focus)
    )
    return f"{sign(params.sign).glyph} {sign_name(params.sign)}", line, params.energy


# --- buttons (stateless: each carries the whole choice) ---------------------------


class DailySignsCallback(CallbackData, prefix="dg"):
    """🔄 Change sign: the sign grid."""


class DailySignCallback(CallbackData, prefix="ds"):
    """A sign was chosen: it is remembered and today's reading of it shown."""

    sign: str


class DailyAdjustCallback(CallbackData, prefix="da"):
    """The reading screen with these values (energy, mood or focus changed)."""

    sign: str
    energy: int
    mood: Mood
    focus: Focus


class DailyMakeCallback(CallbackData, prefix="dm"):
    """✨ Create my image, with these values."""

    sign: str
    energy: int
    mood: Mood
    focus: Focus


def daily_adjust(sign: str, energy: int, mood: str, focus: str) -> InlineKeyboardMarkup:
    def state(**changes: object) -> DailyAdjustCallback:
        values: dict[str, object] = {"sign": sign, "energy": energy, "mood": mood, "focus": focus}
        return DailyAdjustCallback(**{**values, **changes})

    moods = tuple(Mood)
    next_mood = moods[(moods.index(Mood(mood)) + 1) % len(moods)]
    builder = InlineKeyboardBuilder()
    builder.button(text=_("➖ Energy"), callback_data=state(energy=max(1, energy - 1)))
    builder.button(text=_("➕ Energy"), callback_data=state(energy=min(10, energy + 1)))
    builder.button(
        text=_("🎭 Mood: {mood}").format(mood=mood_name(next_mood)),
        callback_data=state(mood=next_mood.value),
    )
    for option in Focus:
        mark = "✓ " if option.value == focus else ""
        builder.button(text=mark + focus_name(option), callback_data=state(focus=option.value))
    make = DailyMakeCallback(sign=sign, energy=energy, mood=Mood(mood), focus=Focus(focus))
    builder.button(text=_("✨ Create my image"), callback_data=make)
    builder.button(text=_("🔄 Change sign"), callback_data=DailySignsCallback())
    builder.adjust(2, 1, 4, 1, 1)
    return builder.as_markup()


WORDING = Wording(
    kind=KIND,
    command="daily",
    menu=N_("Today's cosmic energy"),
    label=N_("Daily energy"),
    help=N_("today's cosmic energy of your sign"),
    caption=_caption,
    share=_share,
    card=_card,
    upgrade=plans_upgrade,
)
