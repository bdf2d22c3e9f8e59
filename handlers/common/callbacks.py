"""Every inline button's data. Values are short so packed data stays far below 64 bytes."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from services.studio.catalog import Audience, PostType


class MenuAction(StrEnum):
    DAILY = "daily"
    GALLERY = "gallery"
    PLAN = "plan"
    STUDIO = "studio"
    BALANCE = "balance"
    LANGUAGE = "language"
    HELP = "help"


class MenuCallback(CallbackData, prefix="menu"):
    action: MenuAction


class LanguageCallback(CallbackData, prefix="lang"):
    code: str


class PostTypeCallback(CallbackData, prefix="st_t"):
    draft: str
    post_type: PostType


class AudienceCallback(CallbackData, prefix="st_a"):
    draft: str
    audience: Audience


class PostLanguageCallback(CallbackData, prefix="st_l"):
    draft: str
    language: str


class LinkChoice(StrEnum):
    SAVED = "saved"
    NONE = "none"


class LinkCallback(CallbackData, prefix="st_k"):
    draft: str
    choice: LinkChoice


class StudioNav(StrEnum):
    BACK = "back"
    CANCEL = "cancel"
    GENERATE = "go"


class StudioNavCallback(CallbackData, prefix="st_n"):
    draft: str
    action: StudioNav


class PostAction(StrEnum):
    REGENERATE = "regen"
    NEW = "new"
    DOWNLOAD = "dl"
    CARDS = "cards"


class PostActionCallback(CallbackData, prefix="post"):
    post_id: int
    action: PostAction


class RegenerateCallback(CallbackData, prefix="regen"):
    post_id: int
    nonce: str
    confirm: bool


# --- Cosmic Coach -----------------------------------------------------------------------
# The daily, match and moon screens are stateless: every button carries the whole choice.


class DailyCallback(CallbackData, prefix="dy"):
    sign: str = ""
    """Empty: show the sign grid."""
    energy: int = 0
    """0: today's reading, untouched."""
    mood: str = ""
    focus: str = ""
    go: bool = False


class MatchCallback(CallbackData, prefix="mt"):
    first: str = ""
    second: str = ""


class MoonCallback(CallbackData, prefix="mn"):
    phase: str
    go: bool = False


class AvatarStep(StrEnum):
    SUN = "sun"
    MOON = "moon"
    RISING = "rising"
    TRAIT = "trait"
    TYPE = "type"
    GO = "go"


class AvatarCallback(CallbackData, prefix="av"):
    step: AvatarStep
    value: str = ""


class ImageAction(StrEnum):
    FAVOURITE = "fav"
    DOWNLOAD = "dl"


class ImageCallback(CallbackData, prefix="im"):
    action: ImageAction
    image_id: int
    favourite: bool = False
    """With FAVOURITE: the state a tap sets (the button shows the other one)."""


class GalleryAction(StrEnum):
    SHOW = "show"
    FAVOURITE = "fav"
    DELETE = "del"
    DELETE_YES = "yes"


class GalleryCallback(CallbackData, prefix="gl"):
    action: GalleryAction
    index: int = 0
    favourites: bool = False
    image_id: int = 0
    star: bool = False
    """With FAVOURITE: the state a tap sets."""


class ArtAgainCallback(CallbackData, prefix="ag"):
    """Paints an interrupted Cosmic Coach image again (see bot/sweeper.py)."""

    use_id: int
    nonce: str


class PlanCallback(CallbackData, prefix="pl"):
    product: str


class CardsCallback(CallbackData, prefix="cd"):
    image_id: int
    card: str = ""
    """Empty: show the formats."""
    download: bool = False


class BroadcastCallback(CallbackData, prefix="bc"):
    confirm: bool


class SubscribeCallback(CallbackData, prefix="sb"):
    sign: str
    hour: int = -1
    """-1: choose the hour next."""


class ZoneAction(StrEnum):
    ASK = "ask"
    """Show "what time is it for you now?"."""
    SET = "set"
    """The time shown for `offset` was tapped."""
    TYPE = "type"
    """The person will type their zone."""
    KEEP = "keep"
    """Back to the hours, the zone unchanged."""


class ZoneCallback(CallbackData, prefix="tz"):
    sign: str
    action: ZoneAction
    offset: int = 0
    """Minutes east of UTC (for SET)."""
