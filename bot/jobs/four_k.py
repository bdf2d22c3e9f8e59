"""The job of a post's 4K picture (services/studio/jobs.py `FourKJob`): "sending a file…"
while it is made, then the PNG as a document in reply to the message pressed, or what went
wrong (and the tokens given back) in its place."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BufferedInputFile, Message, ReplyParameters
from aiogram.utils.chat_action import ChatActionSender

from services.studio.four_k import (
    FourKDelivery,
    FourKOutcome,
    FourKPicture,
    FourKService,
    FourKStatus,
)
from services.studio.jobs import FourKJob
from ui.common.chat import message_at
from ui.studio.four_k import four_k_caption, four_k_failure

logger = logging.getLogger(__name__)


async def send_four_k(job: FourKJob, bot: Bot, four_k: FourKService) -> FourKOutcome | None:
    """The job: the picture made and sent, or the failure told. None when its tokens were
    settled already (a job delivered twice): nothing is done or said."""
    message = message_at(job.where, bot)
    async with ChatActionSender.upload_document(bot=bot, chat_id=message.chat.id):
        outcome = await four_k.make(job, _document_sender(message))
    if outcome is not None and outcome.status is FourKStatus.FAILED:
        await _tell_failure(message, outcome)
    return outcome


async def _tell_failure(message: Message, outcome: FourKOutcome) -> None:
    """Best effort: the tokens are back already, and a job run again would find nothing
    to settle (a free picture would be made again): Telegram refusing ends it here."""
    try:
        await message.answer(four_k_failure(outcome), reply_parameters=_replying_to(message))
    except TelegramAPIError as error:
        logger.warning("could not tell %s about their 4K picture: %s", message.chat.id, error)


def _document_sender(message: Message) -> FourKDelivery:
    async def deliver(picture: FourKPicture) -> None:
        await message.answer_document(
            BufferedInputFile(picture.png, filename=picture.filename),
            caption=four_k_caption(picture),
            reply_parameters=_replying_to(message),
        )

    return deliver


def _replying_to(message: Message) -> ReplyParameters:
    """In reply to the message pressed (sent all the same if it was deleted)."""
    return ReplyParameters(message_id=message.message_id, allow_sending_without_reply=True)
