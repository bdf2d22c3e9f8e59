"""Cosmic Coach buttons: one class per screen or action, so each has its own handler.
The daily, match and moon screens are stateless: every button carries the whole choice."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from services.cosmic.astro import Focus, Mood
from services.cosmic.moon import MoonPhase

# --- /daily ---------------------------------------------------------------------------


class DailySignsCallback(CallbackData, prefix="dg"):
    """🔄 Change sign: the sign grid."""


class DailySignCallback(CallbackData, prefix="ds"):
    """A sign was chosen: it is remembered and today's reading of it shown."""

    sign: str


class DailyAdjustCallback(CallbackData, prefix="da"):
    """The reading screen with these values (energy, mood or focus changed)."""

    sign: str
    energy: int
    mood: Mood
    focus: Focus


class DailyMakeCallback(CallbackData, prefix="dm"):
    """✨ Create my image, with these values."""

    sign: str
    energy: int
    mood: Mood
    focus: Focus


# --- /match ---------------------------------------------------------------------------


class MatchRestartCallback(CallbackData, prefix="mr"):
    """⬅️ Back: "Your sign:" again."""


class MatchFirstCallback(CallbackData, prefix="m1"):
    """Your sign was chosen: "Their sign:"."""

    first: str


class MatchPairCallback(CallbackData, prefix="m2"):
    """Both signs chosen: the compatibility art."""

    first: str
    second: str


# --- /moon ----------------------------------------------------------------------------


class MoonPickCallback(CallbackData, prefix="mn"):
    """A phase was ticked."""

    phase: MoonPhase


class MoonMakeCallback(CallbackData, prefix="mg"):
    """✨ Create the ritual of this phase."""

    phase: MoonPhase


# --- /avatar (inside AvatarForm.choosing) -----------------------------------------------


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
