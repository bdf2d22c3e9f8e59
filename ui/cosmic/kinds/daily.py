"""/daily in words: the reading of the day, which is also the caption of its image."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from services.cosmic.astro import sign
from services.cosmic.kinds.daily import KIND, DailyParams
from ui.cosmic.kinds import N_, CardLines, Wording, plans_upgrade
from ui.cosmic.words import focus_name, mood_name, sign_label, sign_name


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
    return reading_text(params.sign, params.energy, params.mood, params.focus)


def _share(params: DailyParams) -> str:
    return _("My cosmic energy today! ✨ #CosmicCoach")


def _card(params: DailyParams, poster: bool) -> CardLines:
    line = _("Energy {energy}/10 · {mood} · {focus}").format(
        energy=params.energy, mood=mood_name(params.mood), focus=focus_name(params.focus)
    )
    return f"{sign(params.sign).glyph} {sign_name(params.sign)}", line, params.energy


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
