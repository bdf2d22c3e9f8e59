"""Cosmic Coach keyboards, built only from CallbackData instances."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.cosmic.astro import SIGNS, Focus, Mood
from services.cosmic.moon import MoonPhase
from ui.common.callbacks import CardMenuCallback
from ui.common.keyboards import share_button
from ui.cosmic.callbacks import (
    AvatarMakeCallback,
    AvatarMoonCallback,
    AvatarRestartCallback,
    AvatarRisingCallback,
    AvatarSunCallback,
    AvatarTraitCallback,
    AvatarTypeCallback,
    DailyAdjustCallback,
    DailyMakeCallback,
    DailySignsCallback,
    GalleryDeleteCallback,
    GalleryDeleteYesCallback,
    GalleryPageCallback,
    GalleryStarCallback,
    ImageDownloadCallback,
    ImageFavouriteCallback,
    MoonMakeCallback,
    MoonPickCallback,
    PlanCallback,
)
from ui.cosmic.words import focus_name, mood_name, phase_name, sign_label

TRAITS = ("brave", "creative", "intuitive", "loyal", "ambitious", "calm", "curious", "kind")
UNKNOWN = "?"
"""'I don't know' for the moon or rising sign: the sun sign stands in."""


def trait_label(trait: str) -> str:
    return {
        "brave": _("brave"),
        "creative": _("creative"),
        "intuitive": _("intuitive"),
        "loyal": _("loyal"),
        "ambitious": _("ambitious"),
        "calm": _("serene"),
        "curious": _("curious"),
        "kind": _("kind"),
    }.get(trait, trait)


def sign_grid(
    callback: Callable[[str], CallbackData],
    *,
    unknown: CallbackData | None = None,
    back: CallbackData | None = None,
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for sign in SIGNS:
        builder.button(text=sign_label(sign.key), callback_data=callback(sign.key))
    if unknown is not None:
        builder.button(text=_("🤷 I don't know"), callback_data=unknown)
    if back is not None:
        builder.button(text=_("⬅️ Back"), callback_data=back)
    builder.adjust(3)
    return builder.as_markup()


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


def favourite_label(favourite: bool) -> str:
    """The state and what a tap does: ★ filled once it is a favourite."""
    return _("★ In favourites") if favourite else _("☆ Add to favourites")


def image_actions(image_id: int, favourite: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=favourite_label(favourite),
        callback_data=ImageFavouriteCallback(image_id=image_id, favourite=not favourite),
    )
    builder.button(text=_("⬇️ Download"), callback_data=ImageDownloadCallback(image_id=image_id))
    builder.button(text=_("🎴 Cards"), callback_data=CardMenuCallback(image_id=image_id))
    builder.add(share_button(f"img:{image_id}"))
    builder.adjust(2, 2)
    return builder.as_markup()


def gallery(
    index: int, total: int, favourites: bool, image_id: int, favourite: bool
) -> InlineKeyboardMarkup:
    def page(at: int, only: bool = favourites) -> GalleryPageCallback:
        return GalleryPageCallback(index=at, favourites=only, image_id=image_id)

    builder = InlineKeyboardBuilder()
    builder.button(text="◀", callback_data=page((index - 1) % total))
    builder.button(text=f"{index + 1} / {total}", callback_data=page(index))
    builder.button(text="▶", callback_data=page((index + 1) % total))
    builder.button(
        text=favourite_label(favourite),
        callback_data=GalleryStarCallback(
            index=index, favourites=favourites, image_id=image_id, star=not favourite
        ),
    )
    delete = GalleryDeleteCallback(index=index, favourites=favourites, image_id=image_id)
    builder.button(text=_("🗑 Delete"), callback_data=delete)
    builder.button(text=_("⬇️ Download"), callback_data=ImageDownloadCallback(image_id=image_id))
    builder.button(
        text=_("Show all") if favourites else _("Show favourites ★"),
        callback_data=page(0, not favourites),
    )
    builder.adjust(3, 1, 2, 1)
    return builder.as_markup()


def confirm_delete(index: int, favourites: bool, image_id: int) -> InlineKeyboardMarkup:
    yes = GalleryDeleteYesCallback(index=index, favourites=favourites, image_id=image_id)
    no = GalleryPageCallback(index=index, favourites=favourites, image_id=image_id)
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Yes, delete"), callback_data=yes)
    builder.button(text=_("No"), callback_data=no)
    return builder.as_markup()


def plans(labels: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for product, text in labels:
        builder.button(text=text, callback_data=PlanCallback(product=product))
    builder.adjust(1)
    return builder.as_markup()


def gallery_empty(favourites: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if favourites:
        builder.button(text=_("Show all"), callback_data=GalleryPageCallback())
    return builder.as_markup()
