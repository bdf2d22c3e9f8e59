"""Every inline button's data. Values are short so packed data stays far below 64 bytes."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from services.catalog import Audience, PostType


class MenuAction(StrEnum):
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


class PostActionCallback(CallbackData, prefix="post"):
    post_id: int
    action: PostAction


class RegenerateCallback(CallbackData, prefix="regen"):
    post_id: int
    nonce: str
    confirm: bool
