"""/moon as the chat shows it: the phase and the ritual that goes with it, its share text
and card, and the buttons of the phase screen."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.cosmic.kinds.moon import KIND, MoonParams
from services.cosmic.moon import MoonPhase
from ui.cosmic.kinds import N_, CardLines, Wording, plans_upgrade
from ui.cosmic.words import phase_name

# --- words --------------------------------------------------------------------------


def ritual_guide(phase: MoonPhase) -> str:
    return {
        MoonPhase.NEW: _(
            "1. Sit somewhere dark and quiet; light one candle.\n"
            "2. Breathe slowly for nine breaths and let the old month go.\n"
            "3. Write three intentions in the present tense.\n"
            "4. Fold the paper and keep it until the full moon."
        ),
        MoonPhase.WAXING_CRESCENT: _(
            "1. Reread your new-moon intentions.\n"
            "2. Choose the smallest first step for each one.\n"
            "3. Take one of those steps before you sleep."
        ),
        MoonPhase.FIRST_QUARTER: _(
            "1. Name the obstacle that showed up this week.\n"
            "2. Stand up, shoulders back, and say out loud what you will do about it.\n"
            "3. Do the hardest task of your list first tomorrow."
        ),
        MoonPhase.WAXING_GIBBOUS: _(
            "1. Look at what is growing and what is stuck.\n"
            "2. Adjust one plan instead of starting a new one.\n"
            "3. Thank someone who helped you this cycle.\n"
            "4. Drink a glass of water under the night sky."
        ),
        MoonPhase.FULL: _(
            "1. Step outside or open a window to the moonlight.\n"
            "2. Read your intentions and celebrate what came true.\n"
            "3. Write down one thing you are ready to release.\n"
            "4. Tear that note up and let it go.\n"
            "5. Leave a glass of water in the moonlight for tomorrow morning."
        ),
        MoonPhase.WANING_GIBBOUS: _(
            "1. Share something you learned this month with a friend.\n"
            "2. Give away or tidy one thing you no longer need.\n"
            "3. Journal three things you are grateful for."
        ),
        MoonPhase.LAST_QUARTER: _(
            "1. List the habits that drained you this cycle.\n"
            "2. Pick one to stop and write how you will replace it.\n"
            "3. Close the day with a warm bath or a slow walk."
        ),
        MoonPhase.WANING_CRESCENT: _(
            "1. Rest: cancel one thing that is not essential.\n"
            "2. Meditate for ten minutes in the dark.\n"
            "3. Listen to what you want from the next cycle, without planning yet."
        ),
    }[phase]


def _caption(params: MoonParams) -> str:
    return f"<b>{phase_name(params.phase)}</b>"


def _share(params: MoonParams) -> str:
    return _("My moon ritual tonight 🌙 #CosmicCoach")


def _card(params: MoonParams, poster: bool) -> CardLines:
    return phase_name(params.phase), _("Moon ritual"), None


# --- buttons (stateless: each carries the whole choice) ---------------------------


class MoonPickCallback(CallbackData, prefix="mn"):
    """A phase was ticked."""

    phase: MoonPhase


class MoonMakeCallback(CallbackData, prefix="mg"):
    """✨ Create the ritual of this phase."""

    phase: MoonPhase


def moon_phases(selected: MoonPhase, current: MoonPhase) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for phase in MoonPhase:
        text = phase_name(phase) + (" ✓" if phase is selected else "")
        if phase is current:
            text += _(" (now)")
        builder.button(text=text, callback_data=MoonPickCallback(phase=phase))
    builder.button(text=_("✨ Create the ritual"), callback_data=MoonMakeCallback(phase=selected))
    builder.adjust(2, 2, 2, 2, 1)
    return builder.as_markup()


WORDING = Wording(
    kind=KIND,
    command="moon",
    menu=N_("Moon ritual"),
    label=N_("Moon ritual"),
    help=N_("a ritual for the moon's phase"),
    caption=_caption,
    share=_share,
    card=_card,
    upgrade=plans_upgrade,
)
