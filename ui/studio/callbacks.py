"""Viral Studio buttons: the wizard's steps (each carries its draft, so a button of an older
draft expires), the post's actions and the regenerate and 4K confirmations."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from services.studio.catalog import Audience, PostType


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
    """One handler per action: back one step, cancel, generate."""

    draft: str
    action: StudioNav


class PostAction(StrEnum):
    REGENERATE = "regen"
    NEW = "new"
    DOWNLOAD = "dl"
    CARDS = "cards"
    REWRITE = "rewrite"
    VARIANTS = "more"
    EDIT = "edit"
    FOUR_K = "4k"


class PostActionCallback(CallbackData, prefix="post"):
    """One handler per action under a delivered post."""

    post_id: int
    action: PostAction


class RegenerateCallback(CallbackData, prefix="regen"):
    """The answer to "make a new version?": `confirm` makes it, else the post stays."""

    post_id: int
    nonce: str
    confirm: bool


class PickPictureCallback(CallbackData, prefix="pick"):
    """Makes one of a post's new pictures its picture."""

    post_id: int
    image_id: int


class FourKCallback(CallbackData, prefix="4k"):
    """The answer to "make this picture in 4K for tokens?": `confirm` orders it (the nonce
    is the order's idempotency key: a second tap charges nothing), else nothing happens."""

    post_id: int
    nonce: str
    confirm: bool
