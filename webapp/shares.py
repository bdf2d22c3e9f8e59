"""A share the Mini App saw happen (a story posted with `shareToStory`), recorded after the
fact. The app calls it only once Telegram took the share; a share into a chat is counted by
the bot when the inline result is chosen, a download when its signed link is fetched."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from services.sharing.analytics import SharePlatform
from webapp.deps import AnalyticsDep, CallerDep, GalleryDep
from webapp.errors import COMMON, FOUND, N_, ApiError

shares_router = APIRouter(prefix="/images", tags=["images"], responses={**COMMON, **FOUND})
IMAGE_ID = Path(ge=1, le=2**62)


class SharedIn(BaseModel):
    platform: SharePlatform
    """Where it went: one of the fixed platforms (`story` from the app)."""


class Recorded(BaseModel):
    recorded: bool
    """False when this person's share of this image was counted already today."""


class SharedOut(BaseModel):
    success: bool = True
    data: Recorded


@shares_router.post("/{image_id:int}/shared")
async def shared(
    body: SharedIn,
    who: CallerDep,
    gallery: GalleryDep,
    analytics: AnalyticsDep,
    image_id: Annotated[int, IMAGE_ID],
) -> SharedOut:
    """Counts a share of one's own image, once per person, image and day."""
    image = await gallery.owned(who.user_id, image_id)
    if image is None:
        raise ApiError(404, N_("No such image in your gallery."))
    outcome = await analytics.share(image.id, who.user_id, body.platform)
    return SharedOut(data=Recorded(recorded=outcome.recorded))
