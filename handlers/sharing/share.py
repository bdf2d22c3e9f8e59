"""Sharing the Telegram way: share cards in four formats, inline mode with the user's own
images and cards, shares counted from chosen inline results, and the admins' /stats."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    ChosenInlineResult,
    InlineQuery,
    InlineQueryResultCachedPhoto,
    InlineQueryResultUnion,
    Message,
)
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from handlers.common.filters import AdminFilter
from services.admin.stats import Dashboard, Stats
from services.core.image_repo import StoredImage
from services.cosmic.gallery import GalleryService
from services.cosmic.service import CosmicService
from services.sharing.analytics import Analytics, SharePlatform
from services.sharing.card_repo import StoredCard
from services.sharing.cards import CardFormat
from services.sharing.service import CardService
from services.studio.captions import render_post
from services.studio.models import PostText
from services.studio.service import StudioService
from ui.common.callbacks import CardMenuCallback
from ui.common.photos import Photo, send_reusing
from ui.common.texts import expired_text
from ui.sharing.callbacks import CardFileCallback, CardPhotoCallback
from ui.sharing.keyboards import send_card_menu
from ui.sharing.replies import tell_share_outcome
from ui.sharing.texts import card_text, share_text

logger = logging.getLogger(__name__)

INLINE_PAGE = 50
INLINE_IMAGES = 100
"""How far back inline mode looks (images, each with its cards)."""


async def shown_image(
    query: CallbackQuery, gallery: GalleryService, image_id: int
) -> tuple[Message, StoredImage] | None:
    """The pressed message and the presser's image (the press answered); else None, after
    saying the button has expired."""
    image = await gallery.owned(query.from_user.id, image_id)
    if image is None or not isinstance(query.message, Message):
        await query.answer(expired_text(), show_alert=True)
        return None
    await query.answer()
    return query.message, image


async def process_card_menu(
    query: CallbackQuery, callback_data: CardMenuCallback, gallery: GalleryService
) -> None:
    if found := await shown_image(query, gallery, callback_data.image_id):
        message, image = found
        await send_card_menu(message, image.id)


async def process_card_photo(
    query: CallbackQuery,
    callback_data: CardPhotoCallback,
    bot: Bot,
    cosmic: CosmicService,
    gallery: GalleryService,
    cards: CardService,
    studio: StudioService,
    i18n: I18n,
) -> None:
    """The card as a photo, with the image's share text; its file_id is kept for reuse."""
    if not (found := await shown_image(query, gallery, callback_data.image_id)):
        return
    message, image = found
    async with ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id):
        card, png = await make_card(query, bot, cosmic, cards, image, callback_data.card, i18n)
        caption = share_text(image, await studio_caption(studio, image))

        async def send(photo: Photo) -> Message:
            return await message.answer_photo(photo, caption=caption)

        async def upload() -> BufferedInputFile:
            data = png if png is not None else await asyncio.to_thread(cards.png, card)
            return BufferedInputFile(data, filename=card_name(image, callback_data.card))

        await cards.remember_file_id(card, await send_reusing(send, card.file_id, upload))


async def process_card_file(
    query: CallbackQuery,
    callback_data: CardFileCallback,
    bot: Bot,
    cosmic: CosmicService,
    gallery: GalleryService,
    cards: CardService,
    analytics: Analytics,
    i18n: I18n,
) -> None:
    if not (found := await shown_image(query, gallery, callback_data.image_id)):
        return
    message, image = found
    card_format = callback_data.card
    async with ChatActionSender.upload_document(bot=bot, chat_id=message.chat.id):
        card, png = await make_card(query, bot, cosmic, cards, image, card_format, i18n)
        data = png if png is not None else cards.png(card)
        await message.answer_document(BufferedInputFile(data, card_name(image, card_format)))
        await analytics.download(image.id, query.from_user.id, f"card:{card_format.value}")


async def make_card(
    query: CallbackQuery,
    bot: Bot,
    cosmic: CosmicService,
    cards: CardService,
    image: StoredImage,
    card_format: CardFormat,
    i18n: I18n,
) -> tuple[StoredCard, bytes | None]:
    """The card in the presser's language, its link inviting to the bot as them."""
    me = await bot.me()
    text = card_text(image, me.username or "", query.from_user.id, cosmic.clock.today())
    return await cards.card(image, card_format, i18n.current_locale, text)


def card_name(image: StoredImage, card_format: CardFormat) -> str:
    return f"card-{image.id}-{card_format.value}.png"


async def studio_caption(studio: StudioService, image: StoredImage) -> str | None:
    if image.post_id is None:
        return None
    post = await studio.own_post(image.user_id, image.post_id)
    if post is None or post.title is None:
        return None
    text = PostText(post.title, post.body or "", post.hashtags, post.referral_link or "")
    return render_post(text).caption


# --- inline mode ------------------------------------------------------------------------


async def inline_query(
    query: InlineQuery, gallery: GalleryService, cards: CardService, studio: StudioService
) -> None:
    user_id = query.from_user.id
    pinned = await pinned_image(query.query, user_id, gallery, studio)
    images = await gallery.recent_sent(user_id, INLINE_IMAGES)
    if pinned is not None:
        images = [pinned, *[image for image in images if image.id != pinned.id]]
    sent_cards = await cards.sent_for([image.id for image in images])
    items: list[InlineQueryResultUnion] = []
    for image in images:
        caption = share_text(image, await studio_caption(studio, image))
        assert image.file_id is not None
        items.append(
            InlineQueryResultCachedPhoto(
                id=f"i{image.id}", photo_file_id=image.file_id, caption=caption
            )
        )
        items += [
            InlineQueryResultCachedPhoto(
                id=f"c{card.id}", photo_file_id=card.file_id, caption=caption
            )
            for card in sent_cards
            if card.image_id == image.id and card.file_id
        ]
    offset = int(query.offset) if query.offset.isdigit() else 0
    page = items[offset : offset + INLINE_PAGE]
    more = offset + INLINE_PAGE < len(items)
    await query.answer(
        page,
        cache_time=10,
        is_personal=True,
        next_offset=str(offset + INLINE_PAGE) if more else "",
    )


async def pinned_image(
    text: str, user_id: int, gallery: GalleryService, studio: StudioService
) -> StoredImage | None:
    """`img:<id>` or `post:<id>` (what the Share buttons type) puts that image first."""
    kind, _, number = text.strip().partition(":")
    if not number.isdigit():
        return None
    if kind == "img":
        image = await gallery.owned(user_id, int(number))
    elif kind == "post":
        image = await studio.post_image(user_id, int(number))
    else:
        return None
    return image if image is not None and image.file_id else None


async def chosen_inline_result(
    result: ChosenInlineResult,
    bot: Bot,
    gallery: GalleryService,
    cards: CardService,
    analytics: Analytics,
    admin_ids: frozenset[int],
) -> None:
    user_id = result.from_user.id
    kind, number = result.result_id[:1], result.result_id[1:]
    if not number.isdigit():
        return
    if kind == "c":
        card = await cards.owned(user_id, int(number))
        image_id, detail = (card.image_id, f"card:{card.format}") if card else (0, "")
    else:
        image = await gallery.owned(user_id, int(number))
        image_id, detail = (image.id, "image") if image else (0, "")
    if not image_id:
        return
    outcome = await analytics.share(image_id, user_id, SharePlatform.TELEGRAM, detail)
    await tell_share_outcome(bot, outcome, analytics.rules, user_id, admin_ids)


# --- /stats ---------------------------------------------------------------------------


async def command_stats(message: Message, stats: Stats) -> None:
    await message.answer(stats_text(await stats.dashboard()))


def stats_text(board: Dashboard) -> str:
    lines = [
        _(
            "<b>Today</b>: {images} images generated · {shares} shares · {downloads} downloads"
            " · ${cost:.2f}"
        ).format(
            images=board.images_today,
            shares=board.shares_today,
            downloads=board.downloads_today,
            cost=board.cost_today,
        ),
    ]
    if board.categories_week:
        per_category = ", ".join(
            f"{name}: {count}" for name, count in board.categories_week.items()
        )
        lines.append(_("This week by category: {list}").format(list=per_category))
    lines.append(_("<b>Most shared this week</b>"))
    lines += [_("#{id}: {count} shares").format(id=i, count=c) for i, c in board.top_week] or [
        _("no shares yet")
    ]
    if board.viral_week:
        viral = ", ".join(f"#{image_id} ({shares})" for image_id, shares in board.viral_week)
        lines.append(_("🔥 Viral this week: {list}").format(list=viral))
    return "\n".join(lines)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(process_card_menu, CardMenuCallback.filter())
    router.callback_query.register(process_card_photo, CardPhotoCallback.filter())
    router.callback_query.register(process_card_file, CardFileCallback.filter())
    router.inline_query.register(inline_query)
    router.chosen_inline_result.register(chosen_inline_result)
    router.message.register(command_stats, Command("stats"), AdminFilter())
    return router
