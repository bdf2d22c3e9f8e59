"""From the Mini App into the chat: a post or an image sent to the user's chat with the
bot (to forward it, or to share it inline: inline mode offers what Telegram has)."""

from __future__ import annotations

from typing import Annotated

from aiogram.exceptions import TelegramAPIError
from aiogram.types import BufferedInputFile, Message
from fastapi import APIRouter, Path
from pydantic import BaseModel

from services.core.categories import Category
from services.generation.images import fit_for_photo
from services.studio.captions import render_post
from services.studio.models import PostText
from ui.common.photos import Photo, send_reusing
from ui.cosmic.keyboards import image_actions
from ui.cosmic.texts import caption
from ui.studio.keyboards import post_actions
from webapp.auth import AppDep, CallerDep
from webapp.errors import COMMON, FOUND, N_, ApiError, problem
from webapp.texts import speaking

chat_router = APIRouter(
    prefix="/api", tags=["chat"], responses={**COMMON, **FOUND, **problem(409, "Telegram refused")}
)
ID = Path(ge=1, le=2**62)


class Sent(BaseModel):
    sent: bool
    image_id: int


@chat_router.post("/images/{image_id}/send")
async def send_image(who: CallerDep, app: AppDep, image_id: Annotated[int, ID]) -> Sent:
    """The image (a studio post's with its post) into the chat with the bot."""
    services = app.services
    image = await services.cosmic.images.owned(who.user_id, image_id)
    if image is None:
        raise ApiError(404, N_("No such image in your gallery."))
    post = None
    if image.category is Category.STUDIO and image.post_id is not None:
        post = await services.studio.own_post(who.user_id, image.post_id)
    with speaking(app.i18n, who.locale):
        if post is not None and post.title is not None:
            text = PostText(post.title, post.body or "", post.hashtags, post.referral_link or "")
            rendered = render_post(text)
            text_caption, extra = (
                rendered.caption,
                ([] if rendered.complete else rendered.full_messages),
            )
            markup = post_actions(post.id, app.settings.webapp_url)
        else:
            text_caption, extra = caption(image.params), []
            markup = image_actions(image.id, image.favourite)

        async def send(photo: Photo) -> Message:
            return await app.bot.send_photo(
                who.user_id, photo, caption=text_caption, reply_markup=markup
            )

        async def upload() -> BufferedInputFile:
            data, extension = await fit_for_photo(await services.cosmic.image_png(image))
            return BufferedInputFile(data, filename=f"image-{image.id}.{extension}")

        try:
            file_id = await send_reusing(send, image.file_id, upload)
            for part in extra:
                await app.bot.send_message(who.user_id, part)
        except TelegramAPIError as error:
            message = N_("Telegram did not take it: open the chat with the bot and press Start.")
            raise ApiError(409, message, "chat") from error
    if file_id is not None:
        await services.cosmic.images.set_file_id(image.id, file_id)
    return Sent(sent=True, image_id=image.id)
