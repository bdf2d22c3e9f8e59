"""The job of a Cosmic Coach image (services/cosmic/jobs.py `ArtJob`): paints, sends the
photo with its caption and buttons, keeps the use (or gives it back and says why)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.utils.chat_action import ChatActionSender

from services.core.plans import Tier
from services.core.usage_repo import UseReservation
from services.cosmic.jobs import ArtJob
from services.cosmic.kinds import parse_cosmic
from services.cosmic.outcomes import CosmicOutcome
from services.cosmic.service import CosmicService
from ui.common.chat import message_at
from ui.cosmic.replies import photo_sender, tell_outcome


async def finish_art(job: ArtJob, bot: Bot, cosmic: CosmicService) -> CosmicOutcome | None:
    """The job: paints, sends the photo with its caption and buttons, keeps the use (or
    gives it back and says why). None when the use was settled already."""
    use = UseReservation(job.use_id, job.where.user_id, job.week)
    if not await cosmic.held(use, job.held_at):  # a job delivered again: all done
        return None
    message = message_at(job.where, bot)
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
