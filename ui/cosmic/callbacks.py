"""Cosmic Coach buttons: one class per screen or action, so each has its own handler. Each
kind's own buttons are in its module of ui/cosmic/kinds/."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

# --- images and /gallery ----------------------------------------------------------------


class ImageFavouriteCallback(CallbackData, prefix="if"):
    image_id: int
    favourite: bool
    """The state a tap sets (the button shows the other one)."""


class ImageDownloadCallback(CallbackData, prefix="im"):
    image_id: int


class GalleryPageCallback(CallbackData, prefix="gp"):
    """Page `index` of the gallery (of the favourites only with `favourites`); `image_id`
    is the image the message shows now (0: none)."""

    index: int = 0
    favourites: bool = False
    image_id: int = 0


class GalleryStarCallback(CallbackData, prefix="gs"):
    """★ on the shown image: `star` is the state a tap sets."""

    index: int
    favourites: bool
    image_id: int
    star: bool


class GalleryDeleteCallback(CallbackData, prefix="gd"):
    """🗑 Delete: asks first."""

    index: int = 0
    favourites: bool = False
    image_id: int = 0


class GalleryDeleteYesCallback(CallbackData, prefix="gy"):
    """Yes, delete."""

    index: int
    favourites: bool
    image_id: int


class ArtEditCallback(CallbackData, prefix="ae"):
    """✏️ Edit under a personal image: asks what to change."""

    image_id: int


class ArtEditCancelCallback(CallbackData, prefix="ax"):
    """✖️ Cancel under the question: nothing is edited."""

    image_id: int


class ArtAgainCallback(CallbackData, prefix="ag"):
    """Paints an interrupted Cosmic Coach image again (see bot/duties/sweeper.py)."""

    use_id: int
    nonce: str


class PlanCallback(CallbackData, prefix="pl"):
    product: str


# --- /subscribe -----------------------------------------------------------------------


class SubscribeSignCallback(CallbackData, prefix="ss"):
    """The sign was chosen: the hours (or first the time zone)."""

    sign: str


class SubscribeHourCallback(CallbackData, prefix="sb"):
    """The hour was chosen: subscribed."""

    sign: str
    hour: int


class ZoneAction(StrEnum):
    ASK = "ask"
    """Show "what time is it for you now?"."""
    TYPE = "type"
    """The person will type their zone."""
    KEEP = "keep"
    """Back to the hours, the zone unchanged."""


class ZoneCallback(CallbackData, prefix="tz"):
    """One handler per action."""

    sign: str
    action: ZoneAction


class ZoneSetCallback(CallbackData, prefix="to"):
    """The time shown for `offset` (minutes east of UTC) was tapped."""

    sign: str
    offset: int
