"""Stop: the person pressed the Stop button of a post's draft (Bot API 10.3's
`stopped_message_generation`, its `draft_id` the post's hold). The run, on whichever
process holds it, leaves its providers, gives the tokens back and says so on the
progress message; a Stop after the post was shown changes nothing."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import MessageGenerationStopped

from services.studio.service import StudioService

logger = logging.getLogger(__name__)


def create_router() -> Router:
    router = Router(name="studio.stop")
    router.stopped_message_generation.register(stop_post)
    return router


async def stop_post(stopped: MessageGenerationStopped, studio: StudioService) -> None:
    # Drafts go to private chats only: the chat is the person.
    if not await studio.stop(stopped.chat.id, stopped.draft_id):
        logger.info("stop of %s by %s: nothing in flight", stopped.draft_id, stopped.chat.id)
