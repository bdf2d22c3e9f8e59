"""Wording for sharing: the text under a shared image and the overlays of its cards, one
table per purpose keyed by the image's category (each Cosmic Coach kind's entries come
from its wording in ui/cosmic/kinds/)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape
from typing import Any

from aiogram.utils.i18n import gettext as _

from services.core.categories import Category
from services.core.image_repo import StoredImage
from services.sharing.cards import CardText
from services.studio.models import StudioParams
from ui.cosmic.kinds import WORDINGS, CardLines

LOCAL_PROVIDER = "local"


def _studio_share(params: StudioParams) -> str:
    return f"<b>{escape(params.title)}</b>"


SHARE_TEXTS: dict[Category, Callable[[Any], str]] = {
    Category.STUDIO: _studio_share,
    **{wording.category: wording.share for wording in WORDINGS},
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


def _studio_lines(params: StudioParams, poster: bool) -> CardLines:
    # The poster already shows the title: the card does not repeat it.
    return ("" if poster else params.title), _("Viral Studio"), None


CARD_LINES: dict[Category, Callable[[Any, bool], CardLines]] = {
    **{wording.category: wording.card for wording in WORDINGS},
    Category.STUDIO: _studio_lines,
}
"""The headline, line and energy of a share card of each category (given whether the
image is a locally painted poster)."""
