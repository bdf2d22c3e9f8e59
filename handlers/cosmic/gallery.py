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

from handlers.common.screens import answered, show_buttons, shows_markup
from services.core.image_repo import StoredImage
from services.cosmic.editing import editable
from services.cosmic.gallery import GalleryService
from services.sharing.analytics import Analytics
from ui.common.callbacks import MenuAction, MenuCallback
from ui.common.keyboards import in_app
from ui.common.photos import Photo, send_reusing
from ui.common.texts import expired_text
from ui.cosmic import keyboards
from ui.cosmic.callbacks import (
    GalleryDeleteCallback,
    GalleryDeleteYesCallback,
    GalleryPageCallback,
    GalleryStarCallback,
    ImageDownloadCallback,
    ImageFavouriteCallback,
)
from ui.cosmic.texts import caption

Shown = (
    GalleryPageCallback | GalleryStarCallback | GalleryDeleteCallback | GalleryDeleteYesCallback
)
"""Every gallery button carries the page it was on and the image shown there."""
MAX_INDEX = 100_000


def _caption(image: StoredImage) -> str:
    return caption(image.params)


def _uploader(gallery: GalleryService, image: StoredImage) -> Callable[[], Awaitable[InputFile]]:
    async def upload() -> InputFile:
        return FSInputFile(gallery.file(image), filename=f"cosmic-{image.id}.png")

    return upload


async def owned(
    query: CallbackQuery, gallery: GalleryService, image_id: int
) -> tuple[Message, StoredImage] | None:
    """The pressed message and its image when the image is the presser's; else None,
    after saying the button has expired."""
    image = await gallery.owned(query.from_user.id, image_id)
    if image is None or not isinstance(query.message, Message):
        await query.answer(expired_text(), show_alert=True)
        return None
    return query.message, image


async def set_favourite(
    gallery: GalleryService, analytics: Analytics, image: StoredImage, wanted: bool
) -> None:
    if await gallery.set_favourite(image, wanted) and wanted:
        await analytics.favourite(image.id, image.user_id)


# --- the buttons under a new image ----------------------------------------------------


async def process_image_favourite(
    query: CallbackQuery,
    callback_data: ImageFavouriteCallback,
    gallery: GalleryService,
    analytics: Analytics,
) -> None:
    if found := await owned(query, gallery, callback_data.image_id):
        message, image = found
        wanted = callback_data.favourite
        await set_favourite(gallery, analytics, image, wanted)
        await query.answer(_("Saved to favourites ★") if wanted else _("Removed from favourites"))
        markup = keyboards.image_actions(image.id, wanted, editable=editable(image))
        await show_buttons(message, markup)


async def process_image_download(
    query: CallbackQuery,
    callback_data: ImageDownloadCallback,
    gallery: GalleryService,
    analytics: Analytics,
) -> None:
    if found := await owned(query, gallery, callback_data.image_id):
        message, image = found
        await query.answer()
        document = FSInputFile(gallery.file(image), filename=f"cosmic-{image.id}.png")
        await message.answer_document(document)
        await analytics.download(image.id, image.user_id, "original")


# --- /gallery -------------------------------------------------------------------------


async def command_gallery(
    message: Message,
    gallery: GalleryService,
    analytics: Analytics,
    webapp_url: str | None = None,
) -> None:
    if message.from_user is not None:
        await open_gallery(message, message.from_user.id, gallery, analytics, webapp_url)


async def menu_gallery(
    query: CallbackQuery,
    gallery: GalleryService,
    analytics: Analytics,
    webapp_url: str | None = None,
) -> None:
    if message := await answered(query):
        await open_gallery(message, query.from_user.id, gallery, analytics, webapp_url)


async def open_gallery(
    message: Message,
    user_id: int,
    gallery: GalleryService,
    analytics: Analytics,
    app_url: str | None = None,
) -> None:
    image, total = await gallery.page(user_id, 0)
    if image is None:
        await message.answer(_("Your gallery is empty. Try /daily, /match or /moon."))
        return
    markup = keyboards.gallery(0, total, False, image.id, image.favourite)
    markup = in_app(markup, app_url, "gallery", message.chat.type)

    async def send(photo: Photo) -> Message:
        return await message.answer_photo(photo, caption=_caption(image), reply_markup=markup)

    file_id = await send_reusing(send, image.file_id, _uploader(gallery, image))
    await gallery.remember_file_id(image, file_id)
    await analytics.view(image.id, image.user_id)


async def process_gallery_page(
    query: CallbackQuery,
    callback_data: GalleryPageCallback,
    gallery: GalleryService,
    analytics: Analytics,
    webapp_url: str | None = None,
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        user_id = query.from_user.id
        await turn_page(query.message, gallery, analytics, user_id, callback_data, webapp_url)


async def process_gallery_star(
    query: CallbackQuery,
    callback_data: GalleryStarCallback,
    gallery: GalleryService,
    analytics: Analytics,
    webapp_url: str | None = None,
) -> None:
    if found := await gallery_image(query, gallery, callback_data):
        message, image = found
        await set_favourite(gallery, analytics, image, callback_data.star)
        await query.answer()
        await turn_page(message, gallery, analytics, image.user_id, callback_data, webapp_url)


async def process_gallery_delete(
    query: CallbackQuery, callback_data: GalleryDeleteCallback, gallery: GalleryService
) -> None:
    if found := await gallery_image(query, gallery, callback_data):
        message, image = found
        await query.answer()
        data = callback_data
        markup = keyboards.confirm_delete(data.index, data.favourites, image.id)
        await show_buttons(message, markup)


async def process_gallery_delete_yes(
    query: CallbackQuery,
    callback_data: GalleryDeleteYesCallback,
    gallery: GalleryService,
    analytics: Analytics,
    webapp_url: str | None = None,
) -> None:
    if found := await gallery_image(query, gallery, callback_data):
        message, image = found
        await gallery.delete(image)
        await query.answer()
        await turn_page(message, gallery, analytics, image.user_id, callback_data, webapp_url)


async def gallery_image(
    query: CallbackQuery, gallery: GalleryService, data: Shown
) -> tuple[Message, StoredImage] | None:
    """Like `owned`; a message no longer accessible is only answered."""
    if not isinstance(query.message, Message):
        await query.answer()
        return None
    return await owned(query, gallery, data.image_id)


async def turn_page(
    message: Message,
    gallery: GalleryService,
    analytics: Analytics,
    user_id: int,
    data: Shown,
    app_url: str | None = None,
) -> None:
    """Shows the page the button leads to; a different image shown counts as a view."""
    shown = await show_page(
        message,
        gallery,
        user_id,
        data.index,
        data.favourites,
        showing=data.image_id,
        app_url=app_url,
    )
    if shown is not None and shown.id != data.image_id:
        await analytics.view(shown.id, user_id)


async def show_page(
    message: Message,
    gallery: GalleryService,
    user_id: int,
    index: int,
    favourites: bool,
    *,
    showing: int,
    app_url: str | None = None,
) -> StoredImage | None:
    """Turns the gallery message into page `index` of its filter. `showing` is the image
    the message shows now (its buttons carry it): the same one only has its caption and
    buttons edited, or nothing at all when they are what the message already shows."""
    image, total = await gallery.page(user_id, index, favourites=favourites)
    if image is None:
        text = (
            _("No favourites yet: tap ★ under an image.")
            if favourites
            else _("Your gallery is empty. Try /daily, /match or /moon.")
        )
        markup = in_app(keyboards.gallery_empty(favourites), app_url, "gallery", message.chat.type)
        if message.caption != text or not shows_markup(message, markup):
            await message.edit_caption(caption=text, reply_markup=markup)
        return None
    index = min(index, total - 1)
    markup = keyboards.gallery(index, total, favourites, image.id, image.favourite)
    markup = in_app(markup, app_url, "gallery", message.chat.type)
    if image.id == showing:
        if not shows_markup(message, markup):
            await message.edit_caption(caption=_caption(image), reply_markup=markup)
        return image

    async def send(photo: Photo) -> Message | bool:
        media = InputMediaPhoto(media=photo, caption=_caption(image))
        return await message.edit_media(media, reply_markup=markup)

    await gallery.remember_file_id(
        image, await send_reusing(send, image.file_id, _uploader(gallery, image))
    )
    return image


def create_router() -> Router:
    router = Router(name=__name__)
    pages = (F.index >= 0) & (F.index < MAX_INDEX)
    register = router.callback_query.register
    router.message.register(command_gallery, Command("gallery"))
    register(menu_gallery, MenuCallback.filter(F.action == MenuAction.GALLERY))
    register(process_image_favourite, ImageFavouriteCallback.filter())
    register(process_image_download, ImageDownloadCallback.filter())
    register(process_gallery_page, GalleryPageCallback.filter(pages))
    register(process_gallery_star, GalleryStarCallback.filter(pages))
    register(process_gallery_delete, GalleryDeleteCallback.filter(pages))
    register(process_gallery_delete_yes, GalleryDeleteYesCallback.filter(pages))
    return router
