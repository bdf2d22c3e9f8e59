"""/avatar as the chat shows it: the three signs of the sigil and the traits picked, its
share text and card, and the buttons of its steps."""

from __future__ import annotations

from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.cosmic.astro import sign
from services.cosmic.kinds.avatar import KIND, AvatarParams
from ui.cosmic.keyboards import sign_grid
from ui.cosmic.kinds import N_, CardLines, Wording
from ui.cosmic.words import TRAITS, sign_label, trait_label

# --- words --------------------------------------------------------------------------


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


# --- buttons (inside AvatarForm.choosing) --------------------------------------------


UNKNOWN = "?"
"""'I don't know' for the moon or rising sign: the sun sign stands in."""


class AvatarRestartCallback(CallbackData, prefix="a0"):
    """⬅️ Back: start again from the sun sign."""


class AvatarSunCallback(CallbackData, prefix="as"):
    sign: str


class AvatarMoonCallback(CallbackData, prefix="am"):
    sign: str
    """A sign key, or UNKNOWN (the sun sign stands in)."""


class AvatarRisingCallback(CallbackData, prefix="ar"):
    sign: str
    """A sign key, or UNKNOWN (the sun sign stands in)."""


class AvatarTraitCallback(CallbackData, prefix="at"):
    """Ticks or unticks one trait."""

    trait: str


class AvatarTypeCallback(CallbackData, prefix="ay"):
    """✍️ Type my own trait."""


class AvatarMakeCallback(CallbackData, prefix="ac"):
    """✨ Create my avatar."""


AvatarSignStep = type[AvatarSunCallback] | type[AvatarMoonCallback] | type[AvatarRisingCallback]


def avatar_signs(step: AvatarSignStep) -> InlineKeyboardMarkup:
    """The grid for one avatar step; past the sun sign, "I don't know" and Back (which
    starts again from the sun sign)."""
    first = step is AvatarSunCallback
    return sign_grid(
        lambda key: step(sign=key),
        unknown=None if first else step(sign=UNKNOWN),
        back=None if first else AvatarRestartCallback(),
    )


def avatar_traits(chosen: list[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for trait in TRAITS:
        mark = "✓ " if trait in chosen else ""
        builder.button(
            text=mark + trait_label(trait), callback_data=AvatarTraitCallback(trait=trait)
        )
    builder.button(text=_("✍️ Type my own"), callback_data=AvatarTypeCallback())
    builder.button(text=_("✨ Create my avatar"), callback_data=AvatarMakeCallback())
    builder.adjust(4, 4, 1, 1)
    return builder.as_markup()


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
