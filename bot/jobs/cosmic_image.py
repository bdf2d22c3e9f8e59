"""The job of a Cosmic Coach image (services/cosmic/jobs.py `ArtJob`): the reading appears
word by word in a draft with a Stop button (a private chat, when `pace` is given) while
the picture paints, then the photo with its caption and buttons; the use is kept (or given
back, and why is said)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import Message
from aiogram.utils.chat_action import ChatActionSender

from services.core.plans import Tier
from services.core.usage_repo import UseReservation
from services.cosmic.jobs import ArtJob
from services.cosmic.kinds import parse_cosmic
from services.cosmic.outcomes import CosmicOutcome
from services.cosmic.service import CosmicService, DeliverImage, ReadyImage
from ui.common.chat import message_at
from ui.common.drafts import DraftPace, LiveText, draft_of_use, told_word_by_word
from ui.cosmic.replies import photo_sender, tell_outcome


async def finish_art(
    job: ArtJob, bot: Bot, cosmic: CosmicService, pace: DraftPace | None = None
) -> CosmicOutcome | None:
    """The job: paints, sends the photo with its caption and buttons, keeps the use (or
    gives it back and says why). None when the use was settled already."""
    use = UseReservation(job.use_id, job.where.user_id, job.week)
    if not await cosmic.held(use, job.held_at):  # a job delivered again: all done
        return None
    message = message_at(job.where, bot)
    request = parse_cosmic(job.request)
    reading = _reading(bot, message, job.use_id, pace)
    async with (
        ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id),
        told_word_by_word(reading, job.caption),
    ):
        outcome = await cosmic.finish(
            job.where.user_id,
            request,
            use,
            Tier(job.tier),
            job.held_at,
            _after(reading, photo_sender(message, job.caption, cosmic)),
        )
    if outcome is not None:
        await tell_outcome(message, outcome, request.category)
    return outcome


def _reading(bot: Bot, message: Message, use_id: int, pace: DraftPace | None) -> LiveText | None:
    """The reading's draft: in a private chat only (elsewhere there is nothing to show it
    on until the photo)."""
    if pace is None or message.chat.type != "private":
        return None

    async def nowhere(_: str) -> None:
        """Drafts refused: the reading waits for the photo's caption."""

    return LiveText(bot, message, draft_of_use(use_id), pace, nowhere)


def _after(reading: LiveText | None, deliver: DeliverImage) -> DeliverImage:
    """The photo, once the draft is gone (a draft sent after it would show for 30 s)."""

    async def send(ready: ReadyImage) -> str | None:
        if reading is not None:
            await reading.close()
        return await deliver(ready)

    return send
