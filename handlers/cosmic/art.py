"""Painting one Cosmic Coach image from a button: one tap is one request, the picture is
sent by its known file_id (uploaded when there is none), and what went wrong is told.
Shared by the /daily, /match, /moon, /avatar routers and the "generate again" button."""

from __future__ import annotations

import hashlib
import logging
import time

from aiogram import Bot
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from handlers.common.jobs import ArtJob, Jobs, Where
from services.core.categories import Category, dump_params
from services.core.models import Account
from services.core.plans import Tier
from services.core.usage import UseReservation
from services.core.work import Origin
from services.cosmic.kinds import CosmicParams, parse_cosmic
from services.cosmic.service import (
    CosmicOutcome,
    CosmicService,
    CosmicStatus,
    DeliverImage,
    ReadyImage,
)
from services.generation.base import FailureKind
from services.generation.images import fit_for_photo
from ui.common.photos import Photo, send_reusing
from ui.cosmic import keyboards
from ui.cosmic.texts import cosmic_failure_text, limit_text, upgrade_text

logger = logging.getLogger(__name__)


def tap_key(query: CallbackQuery) -> str:
    """The same button on the same message is one request, however often it is tapped."""
    message_id = query.message.message_id if query.message else 0
    return hashlib.sha256(f"{message_id}:{query.data}".encode()).hexdigest()[:20]


def photo_sender(message: Message, text: str, cosmic: CosmicService) -> DeliverImage:
    """Sends by the known file_id; uploads when there is none or Telegram rejects it."""

    async def deliver(ready: ReadyImage) -> str | None:
        async def send(photo: Photo) -> Message:
            markup = keyboards.image_actions(ready.image.id, False)
            return await message.answer_photo(photo, caption=text, reply_markup=markup)

        async def upload() -> BufferedInputFile:
            png = ready.png or await cosmic.image_png(ready.image)
            data, extension = await fit_for_photo(png)
            return BufferedInputFile(data, filename=f"cosmic-{ready.image.id}.{extension}")

        return await send_reusing(send, ready.file_id, upload) or ready.file_id

    return deliver


async def make_art(
    message: Message,
    bot: Bot,
    account: Account,
    cosmic: CosmicService,
    request: CosmicParams,
    key: str,
    text: str,
    jobs: Jobs,
) -> None:
    """The quick part of an image: the tier, an identical image made today (sent at once)
    or one weekly use held, then the job that paints it (`finish_art`) is queued."""
    held_at = time.time()
    async with ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id):
        outcome = await cosmic.begin(
            account,
            request,
            key,
            photo_sender(message, text, cosmic),
            Origin(message.chat.id, message.message_id),
        )
    if outcome.status is CosmicStatus.QUEUED and outcome.use is not None:
        where = Where.of(message, account.user_id, get_i18n().current_locale)
        use = outcome.use
        params = dump_params(request)
        job = ArtJob(where, use.id, use.week, outcome.tier.value, held_at, params, text)
        try:
            await jobs.art(job)
        except Exception:  # the queue is unreachable: told as a failure, nothing stays held
            logger.exception("could not queue the image of %s", account.user_id)
            await cosmic.abandon(use)
            failed = CosmicOutcome(
                CosmicStatus.FAILED, outcome.tier, failure=FailureKind.UNAVAILABLE
            )
            await tell_outcome(message, failed, request.category)
    else:
        await tell_outcome(message, outcome, request.category)


async def finish_art(job: ArtJob, bot: Bot, cosmic: CosmicService) -> CosmicOutcome | None:
    """The job: paints, sends the photo with its caption and buttons, keeps the use (or
    gives it back and says why). None when the use was settled already."""
    use = UseReservation(job.use_id, job.where.user_id, job.week)
    if not await cosmic.held(use, job.held_at):  # a job delivered again: all done
        return None
    message = job.where.message(bot)
    request = parse_cosmic(job.request)
    async with ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id):
        outcome = await cosmic.finish(
            job.where.user_id,
            request,
            use,
            Tier(job.tier),
            job.held_at,
            photo_sender(message, job.caption, cosmic),
        )
    if outcome is not None:
        await tell_outcome(message, outcome, request.category)
    return outcome


async def tell_outcome(message: Message, outcome: CosmicOutcome, category: Category) -> None:
    if outcome.status is CosmicStatus.UPGRADE:
        await message.answer(upgrade_text(category))
    elif outcome.status is CosmicStatus.LIMIT and outcome.resets_at is not None:
        await message.answer(limit_text(outcome.resets_at))
    elif outcome.status is CosmicStatus.BUSY:
        await message.answer(_("⏳ Still painting your last image — one moment."))
    elif outcome.status is CosmicStatus.FAILED:
        await message.answer(cosmic_failure_text(outcome.failure))
