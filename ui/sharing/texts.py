"""Wording for sharing: the text under a shared image and the overlays of its cards, one
table per purpose keyed by the image's category."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape
from typing import Any

from aiogram.utils.i18n import gettext as _

from services.core.categories import Category
from services.core.image_repo import StoredImage
from services.cosmic.astro import sign
from services.cosmic.kinds import AvatarParams, DailyParams, MatchParams, MoonParams
from services.sharing.cards import CardText
from services.studio.models import StudioParams
from ui.cosmic.texts import focus_name, match_caption, mood_name, phase_name, sign_name

LOCAL_PROVIDER = "local"

CardLines = tuple[str, str, int | None]
"""(headline, line, energy) of a share card."""


def _studio_share(params: StudioParams) -> str:
    return f"<b>{escape(params.title)}</b>"


def _daily_share(params: DailyParams) -> str:
    return _("My cosmic energy today! ✨ #CosmicCoach")


def _avatar_share(params: AvatarParams) -> str:
    return _("Meet my zodiac avatar ✨ #CosmicCoach")


def _match_share(params: MatchParams) -> str:
    return _("Our cosmic compatibility: {score}% 💫 #CosmicCoach").format(score=params.score)


def _moon_share(params: MoonParams) -> str:
    return _("My moon ritual tonight 🌙 #CosmicCoach")


SHARE_TEXTS: dict[Category, Callable[[Any], str]] = {
    Category.STUDIO: _studio_share,
    Category.DAILY: _daily_share,
    Category.AVATAR: _avatar_share,
    Category.MATCH: _match_share,
    Category.MOON: _moon_share,
}
"""What goes with a shared image of each category (HTML)."""


def share_text(image: StoredImage, studio_caption: str | None = None) -> str:
    """What goes with a shared image (HTML). Studio posts share their own caption."""
    if studio_caption and image.category is Category.STUDIO:
        return studio_caption
    return SHARE_TEXTS[image.category](image.params)


def card_text(image: StoredImage, bot_username: str, sharer_id: int, day: date) -> CardText:
    # A locally painted poster already carries its hook: the card keeps clear of it.
    poster = image.category is Category.STUDIO and image.provider == LOCAL_PROVIDER
    headline, line, energy = CARD_LINES[image.category](image.params, poster)
    return CardText(
        headline=headline,
        line=line,
        date=day.isoformat(),
        watermark=_("Created with @{bot}").format(bot=bot_username),
        link=f"https://t.me/{bot_username}?start=ref_{sharer_id}",
        energy=energy,
        keep_clear=poster,
    )


def _daily_lines(params: DailyParams, poster: bool) -> CardLines:
    line = _("Energy {energy}/10 · {mood} · {focus}").format(
        energy=params.energy, mood=mood_name(params.mood), focus=focus_name(params.focus)
    )
    return f"{sign(params.sign).glyph} {sign_name(params.sign)}", line, params.energy


def _match_lines(params: MatchParams, poster: bool) -> CardLines:
    first, second = params.first, params.second
    headline = f"{sign(first).glyph} {sign_name(first)} + {sign(second).glyph} {sign_name(second)}"
    return headline, f"{params.score}% · {match_caption(params.score)}", None


def _moon_lines(params: MoonParams, poster: bool) -> CardLines:
    return phase_name(params.phase), _("Moon ritual"), None


def _avatar_lines(params: AvatarParams, poster: bool) -> CardLines:
    marks = zip("☉☽↑", params.signs, strict=True)
    glyphs = " · ".join(f"{mark} {sign(key).glyph}" for mark, key in marks)
    return glyphs, ", ".join(params.traits) or _("My zodiac avatar"), None


def _studio_lines(params: StudioParams, poster: bool) -> CardLines:
    # The poster already shows the title: the card does not repeat it.
    return ("" if poster else params.title), _("Viral Studio"), None


CARD_LINES: dict[Category, Callable[[Any, bool], CardLines]] = {
    Category.DAILY: _daily_lines,
    Category.MATCH: _match_lines,
    Category.MOON: _moon_lines,
    Category.AVATAR: _avatar_lines,
    Category.STUDIO: _studio_lines,
}
"""The headline, line and energy of a share card of each category (given whether the
image is a locally painted poster)."""
