"""The user's images: favourite and download buttons under each new image, and /gallery,
a one-photo carousel (◀ ▶, favourites filter, ★, delete). Every action checks that the
image belongs to whoever pressed; anything else is an expired button. Pictures go by
their file_id (uploaded once), and a tap that changes nothing only answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, FSInputFile, InputFile, InputMediaPhoto, Message
from aiogram.utils.i18n import gettext as _

from handlers.common.callbacks import (
    GalleryAction,
    GalleryCallback,
    ImageAction,
    ImageCallback,
    MenuAction,
    MenuCallback,
)
from handlers.common.photos import Photo, send_reusing
from handlers.common.screens import shows_markup
from handlers.common.texts import expired_text
from handlers.cosmic import keyboards
from handlers.cosmic.texts import caption
from services.core.images import StoredImage
from services.cosmic.service import CosmicService
from services.sharing.analytics import Analytics


def _caption(image: StoredImage) -> str:
    return caption(image.params)


def _uploader(cosmic: CosmicService, image: StoredImage) -> Callable[[], Awaitable[InputFile]]:
    async def upload() -> InputFile:
        return FSInputFile(cosmic.media.path(image.path), filename=f"cosmic-{image.id}.png")

    return upload


async def process_image(
    query: CallbackQuery, callback_data: ImageCallback, cosmic: CosmicService, analytics: Analytics
) -> None:
    image = await cosmic.images.owned(query.from_user.id, callback_data.image_id)
    message = query.message
    if image is None or not isinstance(message, Message):
        await query.answer(expired_text(), show_alert=True)
        return
    if callback_data.action is ImageAction.FAVOURITE:
        wanted = callback_data.favourite
        await set_favourite(cosmic, analytics, image, wanted)
        await query.answer(_("Saved to favourites ★") if wanted else _("Removed from favourites"))
        markup = keyboards.image_actions(image.id, wanted)
        if not shows_markup(message, markup):
            await message.edit_reply_markup(reply_markup=markup)
        return
    await query.answer()
    document = FSInputFile(cosmic.media.path(image.path), filename=f"cosmic-{image.id}.png")
    await message.answer_document(document)
    await analytics.download(image.id, image.user_id, "original")


async def set_favourite(
    cosmic: CosmicService, analytics: Analytics, image: StoredImage, wanted: bool
) -> None:
    if wanted != image.favourite:
        await cosmic.images.set_favourite(image.user_id, image.id, wanted)
        if wanted:
            await analytics.favourite(image.id, image.user_id)


async def command_gallery(message: Message, cosmic: CosmicService, analytics: Analytics) -> None:
    if message.from_user is not None:
        await open_gallery(message, message.from_user.id, cosmic, analytics)


async def menu_gallery(query: CallbackQuery, cosmic: CosmicService, analytics: Analytics) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await open_gallery(query.message, query.from_user.id, cosmic, analytics)


async def open_gallery(
    message: Message, user_id: int, cosmic: CosmicService, analytics: Analytics
) -> None:
    image, total = await cosmic.images.page(user_id, 0)
    if image is None:
        await message.answer(_("Your gallery is empty. Try /daily, /match or /moon."))
        return
    markup = keyboards.gallery(0, total, False, image.id, image.favourite)

    async def send(photo: Photo) -> Message:
        return await message.answer_photo(photo, caption=_caption(image), reply_markup=markup)

    await _remember(
        cosmic, image, await send_reusing(send, image.file_id, _uploader(cosmic, image))
    )
    await analytics.view(image.id, image.user_id)


async def process_gallery(
    query: CallbackQuery, callback_data: GalleryCallback, cosmic: CosmicService,
    analytics: Analytics,
) -> None:  # fmt: skip
    message = query.message
    user_id = query.from_user.id
    data = callback_data
    if not isinstance(message, Message):
        await query.answer()
        return
    if data.action is not GalleryAction.SHOW:
        owned = await cosmic.images.owned(user_id, data.image_id)
        if owned is None:
            await query.answer(expired_text(), show_alert=True)
            return
        if data.action is GalleryAction.DELETE:
            await query.answer()
            markup = keyboards.confirm_delete(data.index, data.favourites, owned.id)
            if not shows_markup(message, markup):
                await message.edit_reply_markup(reply_markup=markup)
            return
        if data.action is GalleryAction.FAVOURITE:
            wanted = data.star
            await set_favourite(cosmic, analytics, owned, wanted)
        else:
            await cosmic.images.delete(user_id, owned.id)
    await query.answer()
    shown = await show_page(message, cosmic, user_id, data, showing=data.image_id)
    if shown is not None and shown.id != data.image_id:
        await analytics.view(shown.id, user_id)


async def show_page(
    message: Message, cosmic: CosmicService, user_id: int, data: GalleryCallback, *,
    showing: int,
) -> StoredImage | None:  # fmt: skip
    """Turns the gallery message into page `data.index` of its filter. `showing` is the
    image the message shows now (its buttons carry it): the same one only has its caption
    and buttons edited, or nothing at all when they are what the message already shows."""
    image, total = await cosmic.images.page(user_id, data.index, favourites=data.favourites)
    if image is None:
        text = (
            _("No favourites yet: tap ★ under an image.")
            if data.favourites
            else _("Your gallery is empty. Try /daily, /match or /moon.")
        )
        markup = keyboards.gallery_empty(data.favourites)
        if message.caption != text or not shows_markup(message, markup):
            await message.edit_caption(caption=text, reply_markup=markup)
        return None
    index = min(data.index, total - 1)
    markup = keyboards.gallery(index, total, data.favourites, image.id, image.favourite)
    if image.id == showing:
        if not shows_markup(message, markup):
            await message.edit_caption(caption=_caption(image), reply_markup=markup)
        return image

    async def send(photo: Photo) -> Message | bool:
        media = InputMediaPhoto(media=photo, caption=_caption(image))
        return await message.edit_media(media, reply_markup=markup)

    await _remember(
        cosmic, image, await send_reusing(send, image.file_id, _uploader(cosmic, image))
    )
    return image


async def _remember(cosmic: CosmicService, image: StoredImage, file_id: str | None) -> None:
    if file_id is not None:
        await cosmic.images.set_file_id(image.id, file_id)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(command_gallery, Command("gallery"))
    router.callback_query.register(
        menu_gallery, MenuCallback.filter(F.action == MenuAction.GALLERY)
    )
    router.callback_query.register(process_image, ImageCallback.filter())
    router.callback_query.register(
        process_gallery, GalleryCallback.filter((F.index >= 0) & (F.index < 100_000))
    )
    return router
