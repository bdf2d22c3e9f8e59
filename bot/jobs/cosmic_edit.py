"""The job of an edit of a Cosmic Coach image (services/cosmic/jobs.py `ArtEditJob`):
"uploading photo…" while the picture is edited, the new photo under the original's caption
(saying it was edited) with the image's buttons, then the "editing…" message says what was
changed, what could not be, and the weekly uses left (or that the use is back)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.utils.chat_action import ChatActionSender

from services.cosmic.editing import ArtEditing, ArtEditOutcome
from services.cosmic.jobs import ArtEditJob
from ui.common.chat import message_at
from ui.cosmic.editing import art_edit_result_text, edited_caption
from ui.cosmic.replies import photo_sender


async def finish_art_edit(job: ArtEditJob, bot: Bot, editing: ArtEditing) -> ArtEditOutcome | None:
    """The job; None when its use was settled already (nothing is left to do or say)."""
    message = message_at(job.where, bot)
    deliver = photo_sender(message, edited_caption(job.caption), editing.cosmic)
    async with ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id):
        outcome = await editing.finish_edit(job, deliver)
    if outcome is not None:
        await message.edit_text(art_edit_result_text(outcome, job.words))
    return outcome
