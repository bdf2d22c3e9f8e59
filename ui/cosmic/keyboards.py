"""Cosmic Coach keyboards, built only from CallbackData instances (each kind's own are in its
module of ui/cosmic/kinds/)."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.cosmic.astro import SIGNS
from ui.common.callbacks import CardMenuCallback
from ui.common.keyboards import share_button
from ui.cosmic.callbacks import (
    ArtEditCallback,
    ArtEditCancelCallback,
    GalleryDeleteCallback,
    GalleryDeleteYesCallback,
    GalleryPageCallback,
    GalleryStarCallback,
    ImageDownloadCallback,
    ImageFavouriteCallback,
    PlanCallback,
)
from ui.cosmic.words import sign_label


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


def favourite_label(favourite: bool) -> str:
    """The state and what a tap does: ★ filled once it is a favourite."""
    return _("★ In favourites") if favourite else _("☆ Add to favourites")


def image_actions(
    image_id: int, favourite: bool, *, editable: bool = False
) -> InlineKeyboardMarkup:
    """Under an image: favourite, download, cards, share (and ✏️ Edit under a personal one)."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=favourite_label(favourite),
        callback_data=ImageFavouriteCallback(image_id=image_id, favourite=not favourite),
    )
    builder.button(text=_("⬇️ Download"), callback_data=ImageDownloadCallback(image_id=image_id))
    builder.button(text=_("🎴 Cards"), callback_data=CardMenuCallback(image_id=image_id))
    builder.add(share_button(f"img:{image_id}"))
    if editable:
        builder.button(text=_("✏️ Edit"), callback_data=ArtEditCallback(image_id=image_id))
    builder.adjust(2, 2, 1)
    return builder.as_markup()


def edit_question(image_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✖️ Cancel"), callback_data=ArtEditCancelCallback(image_id=image_id))
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
