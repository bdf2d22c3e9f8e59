"""The job of a picture edit (services/studio/jobs.py `EditJob`): "uploading photo…" while
the picture is edited, the new photo under the post's caption and buttons, then the
"editing…" message says what was changed, what could not be, and the tokens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.chat_action import ChatActionSender

from services.studio.editing import EditOutcome, PictureEditing, ReadyEdit
from services.studio.jobs import EditJob
from ui.common.chat import message_at
from ui.studio import keyboards
from ui.studio.editing import edit_result_text


async def finish_edit(
    job: EditJob, bot: Bot, editing: PictureEditing, app_url: str | None = None
) -> EditOutcome | None:
    """The job; None when its hold was settled already (nothing is left to do or say)."""
    message = message_at(job.where, bot)
    async with ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id):
        outcome = await editing.finish_edit(job, _photo_sender(job, message, app_url))
    if outcome is not None:
        await message.edit_text(edit_result_text(outcome, job.words, editing.cost))
    return outcome


def _photo_sender(
    job: EditJob, message: Message, app_url: str | None
) -> Callable[[ReadyEdit], Awaitable[str | None]]:
    """Sends the edited picture with its post's caption and buttons; returns its file_id."""

    async def deliver(ready: ReadyEdit) -> str | None:
        sent = await message.answer_photo(
            BufferedInputFile(ready.photo, filename=ready.photo_name),
            caption=job.caption,
            reply_markup=keyboards.post_actions(job.post_id, app_url, message.chat.type),
        )
        return sent.photo[-1].file_id if sent.photo else None

    return deliver
