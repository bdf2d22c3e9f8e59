"""Stop: the person pressed the Stop button of a draft (Bot API 10.3's
`stopped_message_generation`). A post's draft is named after its token hold, a Cosmic Coach
image's after its weekly use (ui/common/drafts.py). The run, on whichever process holds
it, leaves its providers and gives the tokens or the use back; a Stop after the result was
shown changes nothing."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import MessageGenerationStopped

from services.cosmic.service import CosmicService
from services.studio.service import StudioService
from ui.common.drafts import use_of_draft

logger = logging.getLogger(__name__)


def create_router() -> Router:
    router = Router(name="common.stop")
    router.stopped_message_generation.register(stop_run)
    return router


async def stop_run(
    stopped: MessageGenerationStopped, studio: StudioService, cosmic: CosmicService
) -> None:
    # Drafts go to private chats only: the chat is the person.
    person, draft_id = stopped.chat.id, stopped.draft_id
    use_id = use_of_draft(draft_id)
    if use_id is not None:
        in_flight = await cosmic.stop(person, use_id)
    else:
        in_flight = await studio.stop(person, draft_id)
    if not in_flight:
        logger.info("stop of %s by %s: nothing in flight", draft_id, person)
