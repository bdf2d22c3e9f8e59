"""From the Mini App into the chat: a post or an image sent to the user's chat with the
bot (to forward it, or to share it inline: inline mode offers what Telegram has)."""

from __future__ import annotations

from typing import Annotated

from aiogram.exceptions import TelegramAPIError
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message
from fastapi import APIRouter, Path
from pydantic import BaseModel

from services.core.categories import Category
from services.core.image_repo import StoredImage
from services.generation.image_bytes import fit_for_photo
from services.studio.captions import render_post
from services.studio.models import PostText, StoredPost
from ui.common.photos import Photo, send_reusing
from ui.cosmic.keyboards import image_actions
from ui.cosmic.texts import caption
from ui.studio.keyboards import post_actions
from webapp.deps import (
    BotDep,
    CallerDep,
    CosmicDep,
    GalleryDep,
    I18nDep,
    StudioDep,
    WebappUrlDep,
)
from webapp.errors import COMMON, FOUND, N_, ApiError, problem
from webapp.texts import speaking

chat_router = APIRouter(
    prefix="/images",
    tags=["chat"],
    responses={**COMMON, **FOUND, **problem(409, "Telegram refused")},
)
ID = Path(ge=1, le=2**62)


class Sent(BaseModel):
    sent: bool
    image_id: int


@chat_router.post("/{image_id:int}/send")
async def send_image(
    who: CallerDep,
    gallery: GalleryDep,
    studio: StudioDep,
    cosmic: CosmicDep,
    i18n: I18nDep,
    bot: BotDep,
    webapp_url: WebappUrlDep,
    image_id: Annotated[int, ID],
) -> Sent:
    """The image (a studio post's with its post) into the chat with the bot."""
    image = await gallery.owned(who.user_id, image_id)
    if image is None:
        raise ApiError(404, N_("No such image in your gallery."))
    post = None
    if image.category is Category.STUDIO and image.post_id is not None:
        post = await studio.own_post(who.user_id, image.post_id)
    with speaking(i18n, who.locale):
        text_caption, extra, markup = _words(image, post, webapp_url)

        async def send(photo: Photo) -> Message:
            return await bot.send_photo(
                who.user_id, photo, caption=text_caption, reply_markup=markup
            )

        async def upload() -> BufferedInputFile:
            data, extension = await fit_for_photo(await cosmic.image_png(image))
            return BufferedInputFile(data, filename=f"image-{image.id}.{extension}")

        try:
            file_id = await send_reusing(send, image.file_id, upload)
            for part in extra:
                await bot.send_message(who.user_id, part)
        except TelegramAPIError as error:
            message = N_("Telegram did not take it: open the chat with the bot and press Start.")
            raise ApiError(409, message, "chat") from error
    await gallery.remember_file_id(image, file_id)
    return Sent(sent=True, image_id=image.id)


def _words(
    image: StoredImage, post: StoredPost | None, webapp_url: str | None
) -> tuple[str, tuple[str, ...], InlineKeyboardMarkup]:
    """The caption, the messages after it and the buttons: a studio post's own (its full
    text follows when the caption cannot hold it), else the image's."""
    if post is not None and post.title is not None:
        text = PostText(post.title, post.body or "", post.hashtags, post.referral_link or "")
        rendered = render_post(text)
        extra = () if rendered.complete else rendered.full_messages
        return rendered.caption, extra, post_actions(post.id, webapp_url)
    return caption(image.params), (), image_actions(image.id, image.favourite)
