"""A share the Mini App saw happen (a story posted with `shareToStory`), recorded after the
fact. The app calls it only once Telegram took the share; a share into a chat is counted by
the bot when the inline result is chosen, a download when its signed link is fetched."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel

from services.sharing.analytics import SharePlatform
from ui.sharing.replies import tell_share_outcome
from webapp.deps import AdminIdsDep, AnalyticsDep, BotDep, CallerDep, GalleryDep, I18nDep
from webapp.envelope import Envelope, ok
from webapp.errors import COMMON, FOUND
from webapp.images import IMAGE_ID, owned
from webapp.texts import speaking

shares_router = APIRouter(prefix="/images", tags=["images"], responses={**COMMON, **FOUND})


class SharedIn(BaseModel):
    platform: SharePlatform
    """Where it went: one of the fixed platforms (`story` from the app)."""


class Recorded(BaseModel):
    recorded: bool
    """False when this person's share of this image was counted already today."""


@shares_router.post("/{image_id:int}/shared")
async def shared(
    body: SharedIn,
    who: CallerDep,
    gallery: GalleryDep,
    analytics: AnalyticsDep,
    bot: BotDep,
    i18n: I18nDep,
    admin_ids: AdminIdsDep,
    image_id: Annotated[int, IMAGE_ID],
) -> Envelope[Recorded]:
    """Counts a share of one's own image, once per person, image and day (the admins hear
    of an image it made viral, the sharer of a reward it earned)."""
    image = await owned(gallery, who, image_id)
    outcome = await analytics.share(image.id, who.user_id, body.platform)
    with speaking(i18n, who.locale):
        await tell_share_outcome(bot, outcome, analytics.rules, who.user_id, admin_ids)
    return ok(Recorded(recorded=outcome.recorded))
