"""The job of "more pictures" for a delivered post (services/studio/variants.py): the
progress message ("painting 3 more pictures…") turns into the result with a pick button
per picture, under the pictures sent together as an album."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import (
    BufferedInputFile,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaLivePhoto,
    InputMediaPhoto,
    InputMediaVideo,
)
from aiogram.utils.chat_action import ChatActionSender

from services.generation.image_bytes import fit_for_photo
from services.studio.jobs import VariantsJob
from services.studio.run import PostOutcome, PostStatus
from services.studio.variants import NewPicture, Variants, VariantsOutcome
from ui.common.chat import message_at
from ui.studio import keyboards
from ui.studio.texts import outcome_problem, variants_text

MediaInGroup = (
    InputMediaAudio | InputMediaDocument | InputMediaLivePhoto | InputMediaPhoto | InputMediaVideo
)


async def finish_variants(
    job: VariantsJob, bot: Bot, variants: Variants | None
) -> VariantsOutcome | None:
    """None when the hold was settled already: nothing is left to do or say."""
    assert variants is not None, "the wiring gives every job runner the variants"
    message = message_at(job.where, bot)

    async def show(pictures: list[NewPicture]) -> list[str | None]:
        album: list[MediaInGroup] = []
        for picture in pictures:
            photo, extension = await fit_for_photo(picture.png)
            name = picture.name.removesuffix(".png") + f".{extension}"
            album.append(InputMediaPhoto(media=BufferedInputFile(photo, filename=name)))
        sent = await message.answer_media_group(album)
        return [m.photo[-1].file_id if m.photo else None for m in sent]

    async with ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id):
        outcome = await variants.make(
            job.where.user_id, job.post_id, job.reservation_id, job.held_at, show
        )
    if outcome is None:
        return None
    if outcome.status is PostStatus.DONE:
        ids = [image.id for image in outcome.images]
        await message.edit_text(
            variants_text(len(ids), outcome.spent, outcome.given_back, outcome.balance),
            reply_markup=keyboards.pick_picture(job.post_id, ids),
        )
    else:
        told = PostOutcome(outcome.status, outcome.balance, failure=outcome.failure)
        await message.edit_text(outcome_problem(told, variants.price))
    return outcome
