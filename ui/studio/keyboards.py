"""Viral Studio keyboards, built only from CallbackData instances."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.studio.catalog import Audience, PostType
from ui.common.keyboards import in_app, share_button
from ui.common.texts import audience_label, generate_label, language_label, post_type_label
from ui.studio.callbacks import (
    AudienceCallback,
    FourKCallback,
    LinkCallback,
    LinkChoice,
    PickPictureCallback,
    PostAction,
    PostActionCallback,
    PostLanguageCallback,
    PostTypeCallback,
    RegenerateCallback,
    StudioNav,
    StudioNavCallback,
)

SAVED_LINK_PREVIEW = 40


def _nav(builder: InlineKeyboardBuilder, draft: str, *, back: bool = True) -> None:
    if back:
        builder.button(
            text=_("⬅️ Back"), callback_data=StudioNavCallback(draft=draft, action=StudioNav.BACK)
        )
    builder.button(
        text=_("✖️ Cancel"), callback_data=StudioNavCallback(draft=draft, action=StudioNav.CANCEL)
    )


def post_types(draft: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for post_type in PostType:
        builder.button(
            text=post_type_label(post_type),
            callback_data=PostTypeCallback(draft=draft, post_type=post_type),
        )
    _nav(builder, draft, back=False)
    builder.adjust(2, 2, 2, 1)
    return builder.as_markup()


def audiences(draft: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for audience in Audience:
        builder.button(
            text=audience_label(audience),
            callback_data=AudienceCallback(draft=draft, audience=audience),
        )
    _nav(builder, draft)
    builder.adjust(2, 2, 2, 2)
    return builder.as_markup()


def own_language_first(languages: tuple[str, ...], own: str) -> tuple[str, ...]:
    """The person's UI language leads the post languages; the rest keep their order."""
    return tuple(sorted(languages, key=lambda code: code != own))


def post_languages(draft: str, languages: tuple[str, ...]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in languages:
        builder.button(
            text=language_label(code),
            callback_data=PostLanguageCallback(draft=draft, language=code),
        )
    _nav(builder, draft)
    builder.adjust(*([3] * ((len(languages) + 2) // 3)), 2)
    return builder.as_markup()


def link_choices(draft: str, saved_link: str | None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if saved_link:
        preview = saved_link.removeprefix("https://").removeprefix("http://")
        if len(preview) > SAVED_LINK_PREVIEW:
            preview = preview[: SAVED_LINK_PREVIEW - 1] + "…"
        builder.button(
            text=_("🔗 Use {link}").format(link=preview),
            callback_data=LinkCallback(draft=draft, choice=LinkChoice.SAVED),
        )
    builder.button(
        text=_("No link"), callback_data=LinkCallback(draft=draft, choice=LinkChoice.NONE)
    )
    _nav(builder, draft)
    builder.adjust(1, 1, 2)
    return builder.as_markup()


def confirm(draft: str, cost: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=generate_label(cost),
        callback_data=StudioNavCallback(draft=draft, action=StudioNav.GENERATE),
    )
    _nav(builder, draft)
    builder.adjust(1, 2)
    return builder.as_markup()


def post_actions(
    post_id: int, app_url: str | None = None, chat_type: str = "private"
) -> InlineKeyboardMarkup:
    # Built directly (not with the builder, which deep-copies): this is on the hot path of
    # every delivered post.
    def button(text: str, action: PostAction) -> InlineKeyboardButton:
        data = PostActionCallback(post_id=post_id, action=action).pack()
        return InlineKeyboardButton(text=text, callback_data=data)

    share = share_button(f"post:{post_id}")
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(_("🔄 Regenerate"), PostAction.REGENERATE),
                button(_("➕ New post"), PostAction.NEW),
            ],
            [button(_("🎴 Cards"), PostAction.CARDS), share],
            [
                button(_("📝 New text"), PostAction.REWRITE),
                button(_("🖼 More pictures"), PostAction.VARIANTS),
            ],
            [
                button(_("✏️ Edit picture"), PostAction.EDIT),
                button(_("🖥 4K"), PostAction.FOUR_K),
            ],
            [
                button(_("⬇️ Download original"), PostAction.DOWNLOAD),
            ],
        ]
    )
    return in_app(markup, app_url, "studio", chat_type)


def regenerate_confirm(post_id: int, nonce: str, cost: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=ngettext("✅ Yes, spend {cost} token", "✅ Yes, spend {cost} tokens", cost).format(
            cost=cost
        ),
        callback_data=RegenerateCallback(post_id=post_id, nonce=nonce, confirm=True),
    )
    builder.button(
        text=_("No"), callback_data=RegenerateCallback(post_id=post_id, nonce=nonce, confirm=False)
    )
    builder.adjust(2)
    return builder.as_markup()


def pick_picture(post_id: int, image_ids: list[int]) -> InlineKeyboardMarkup:
    """One button per new picture, in the album's order."""
    builder = InlineKeyboardBuilder()
    for number, image_id in enumerate(image_ids, start=1):
        builder.button(
            text=_("✅ Use {number}").format(number=number),
            callback_data=PickPictureCallback(post_id=post_id, image_id=image_id),
        )
    builder.adjust(len(image_ids))
    return builder.as_markup()


def four_k_confirm(post_id: int, nonce: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ Yes, make it in 4K"),
        callback_data=FourKCallback(post_id=post_id, nonce=nonce, confirm=True),
    )
    builder.button(
        text=_("No"), callback_data=FourKCallback(post_id=post_id, nonce=nonce, confirm=False)
    )
    builder.adjust(2)
    return builder.as_markup()
