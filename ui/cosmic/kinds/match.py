"""/match as the chat shows it: the pair, its score and what the score means, its share
text and card, and the buttons of the two sign grids."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.utils.i18n import gettext as _

from services.cosmic.astro import sign
from services.cosmic.kinds.match import KIND, MatchParams
from ui.cosmic.kinds import N_, CardLines, Wording, plans_upgrade
from ui.cosmic.words import sign_label, sign_name

# --- words --------------------------------------------------------------------------


def match_caption(score: int) -> str:
    if score >= 80:
        return _("A natural match: your energies feed each other.")
    if score >= 55:
        return _("A good match: different gifts, one rhythm.")
    return _("A match that asks for patience, and teaches a lot.")


def _caption(params: MatchParams) -> str:
    return _("<b>{first} + {second}</b>: {score}% compatible").format(
        first=sign_label(params.first), second=sign_label(params.second), score=params.score
    )


def _share(params: MatchParams) -> str:
    return _("Our cosmic compatibility: {score}% 💫 #CosmicCoach").format(score=params.score)


def _card(params: MatchParams, poster: bool) -> CardLines:
    first, second = params.first, params.second
    headline = f"{sign(first).glyph} {sign_name(first)} + {sign(second).glyph} {sign_name(second)}"
    return headline, f"{params.score}% · {match_caption(params.score)}", None


# --- buttons (stateless: each carries the whole choice) ---------------------------


class MatchRestartCallback(CallbackData, prefix="mr"):
    """⬅️ Back: "Your sign:" again."""


class MatchFirstCallback(CallbackData, prefix="m1"):
    """Your sign was chosen: "Their sign:"."""

    first: str


class MatchPairCallback(CallbackData, prefix="m2"):
    """Both signs chosen: the compatibility art."""

    first: str
    second: str


WORDING = Wording(
    kind=KIND,
    command="match",
    menu=N_("Compatibility art"),
    label=N_("Compatibility"),
    help=N_("compatibility art for two signs"),
    caption=_caption,
    share=_share,
    card=_card,
    upgrade=plans_upgrade,
)
