"""Cosmic Coach keyboards, built only from CallbackData instances."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.common.callbacks import (
    AvatarCallback,
    AvatarStep,
    CardsCallback,
    DailyCallback,
    GalleryAction,
    GalleryCallback,
    ImageAction,
    ImageCallback,
    MoonCallback,
    PlanCallback,
)
from handlers.common.keyboards import share_button
from handlers.cosmic.texts import focus_name, mood_name, phase_name, sign_label
from services.cosmic.astro import SIGNS, Focus, Mood, MoonPhase

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
    def state(**changes: object) -> DailyCallback:
        values: dict[str, object] = {"sign": sign, "energy": energy, "mood": mood, "focus": focus}
        return DailyCallback(**{**values, **changes})  # type: ignore[arg-type]

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
    builder.button(text=_("✨ Create my image"), callback_data=state(go=True))
    builder.button(text=_("🔄 Change sign"), callback_data=DailyCallback())
    builder.adjust(2, 1, 4, 1, 1)
    return builder.as_markup()


def moon_phases(selected: MoonPhase, current: MoonPhase) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for phase in MoonPhase:
        text = phase_name(phase) + (" ✓" if phase is selected else "")
        if phase is current:
            text += _(" (now)")
        builder.button(text=text, callback_data=MoonCallback(phase=phase.value))
    builder.button(
        text=_("✨ Create the ritual"), callback_data=MoonCallback(phase=selected.value, go=True)
    )
    builder.adjust(2, 2, 2, 2, 1)
    return builder.as_markup()


def avatar_signs(step: AvatarStep, *, unknown: bool) -> InlineKeyboardMarkup:
    """The grid for one avatar step; Back starts again from the sun sign."""
    return sign_grid(
        lambda key: AvatarCallback(step=step, value=key),
        unknown=AvatarCallback(step=step, value=UNKNOWN) if unknown else None,
        back=AvatarCallback(step=AvatarStep.SUN) if step is not AvatarStep.SUN else None,
    )


def avatar_traits(chosen: list[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for trait in TRAITS:
        mark = "✓ " if trait in chosen else ""
        builder.button(
            text=mark + trait_label(trait),
            callback_data=AvatarCallback(step=AvatarStep.TRAIT, value=trait),
        )
    builder.button(text=_("✍️ Type my own"), callback_data=AvatarCallback(step=AvatarStep.TYPE))
    builder.button(text=_("✨ Create my avatar"), callback_data=AvatarCallback(step=AvatarStep.GO))
    builder.adjust(4, 4, 1, 1)
    return builder.as_markup()


def favourite_label(favourite: bool) -> str:
    """The state and what a tap does: ★ filled once it is a favourite."""
    return _("★ In favourites") if favourite else _("☆ Add to favourites")


def image_actions(image_id: int, favourite: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=favourite_label(favourite),
        callback_data=ImageCallback(
            action=ImageAction.FAVOURITE, image_id=image_id, favourite=not favourite
        ),
    )
    builder.button(
        text=_("⬇️ Download"),
        callback_data=ImageCallback(action=ImageAction.DOWNLOAD, image_id=image_id),
    )
    builder.button(text=_("🎴 Cards"), callback_data=CardsCallback(image_id=image_id))
    builder.add(share_button(f"img:{image_id}"))
    builder.adjust(2, 2)
    return builder.as_markup()


def card_formats(image_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for card, label in CARD_LABELS.items():
        builder.button(text=label, callback_data=CardsCallback(image_id=image_id, card=card))
    for card, label in CARD_LABELS.items():
        builder.button(
            text=f"⬇️ {label}",
            callback_data=CardsCallback(image_id=image_id, card=card, download=True),
        )
    builder.adjust(4, 4)
    return builder.as_markup()


CARD_LABELS = {
    "ig_square": "Instagram ◻",
    "ig_story": "Story ▯",
    "x": "X ▭",
    "facebook": "Facebook ▭",
}


def gallery(
    index: int, total: int, favourites: bool, image_id: int, favourite: bool
) -> InlineKeyboardMarkup:
    def go(action: GalleryAction, at: int = index, only: bool = favourites) -> GalleryCallback:
        return GalleryCallback(
            action=action, index=at, favourites=only, image_id=image_id, star=not favourite
        )

    builder = InlineKeyboardBuilder()
    builder.button(text="◀", callback_data=go(GalleryAction.SHOW, (index - 1) % total))
    builder.button(text=f"{index + 1} / {total}", callback_data=go(GalleryAction.SHOW))
    builder.button(text="▶", callback_data=go(GalleryAction.SHOW, (index + 1) % total))
    builder.button(text=favourite_label(favourite), callback_data=go(GalleryAction.FAVOURITE))
    builder.button(text=_("🗑 Delete"), callback_data=go(GalleryAction.DELETE))
    builder.button(
        text=_("⬇️ Download"),
        callback_data=ImageCallback(action=ImageAction.DOWNLOAD, image_id=image_id),
    )
    builder.button(
        text=_("Show all") if favourites else _("Show favourites ★"),
        callback_data=go(GalleryAction.SHOW, 0, not favourites),
    )
    builder.adjust(3, 1, 2, 1)
    return builder.as_markup()


def confirm_delete(index: int, favourites: bool, image_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Yes, delete"),
        callback_data=GalleryCallback(
            action=GalleryAction.DELETE_YES, index=index, favourites=favourites, image_id=image_id
        ),
    )
    builder.button(
        text=_("No"),
        callback_data=GalleryCallback(
            action=GalleryAction.SHOW, index=index, favourites=favourites, image_id=image_id
        ),
    )
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
        builder.button(
            text=_("Show all"), callback_data=GalleryCallback(action=GalleryAction.SHOW)
        )
    return builder.as_markup()
