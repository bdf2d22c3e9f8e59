"""/avatar in words: the three signs of the sigil and the traits picked."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from services.cosmic.astro import sign
from services.cosmic.kinds.avatar import KIND, AvatarParams
from ui.cosmic.kinds import N_, CardLines, Wording
from ui.cosmic.words import sign_label


def _caption(params: AvatarParams) -> str:
    traits = ", ".join(escape(t) for t in params.traits)
    text = _("<b>Your zodiac avatar</b>\n☉ {sun} · ☽ {moon} · ↑ {rising}").format(
        sun=sign_label(params.sun), moon=sign_label(params.moon), rising=sign_label(params.rising)
    )
    return f"{text}\n{traits}" if traits else text


def _share(params: AvatarParams) -> str:
    return _("Meet my zodiac avatar ✨ #CosmicCoach")


def _card(params: AvatarParams, poster: bool) -> CardLines:
    marks = zip("☉☽↑", params.signs, strict=True)
    glyphs = " · ".join(f"{mark} {sign(key).glyph}" for mark, key in marks)
    return glyphs, ", ".join(params.traits) or _("My zodiac avatar"), None


def _upgrade() -> str:
    return _("Zodiac avatars come with the Universe plan. See /plan.")


WORDING = Wording(
    kind=KIND,
    command="avatar",
    menu=N_("Zodiac avatar"),
    label=N_("Avatar"),
    help=N_("your zodiac avatar (Universe)"),
    caption=_caption,
    share=_share,
    card=_card,
    upgrade=_upgrade,
)
