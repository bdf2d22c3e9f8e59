"""/match in words: the pair, its score and what the score means."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from services.cosmic.astro import sign
from services.cosmic.kinds.match import KIND, MatchParams
from ui.cosmic.kinds import N_, CardLines, Wording, plans_upgrade
from ui.cosmic.words import sign_label, sign_name


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
