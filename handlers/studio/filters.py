"""Viral Studio filters."""

from __future__ import annotations

from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery, Message

from services.studio.models import StoredPost
from services.studio.service import StudioService
from ui.studio.callbacks import FourKCallback, PostActionCallback, RegenerateCallback


class OwnPostFilter(BaseFilter):
    """Passes only when the button's post belongs to whoever pressed it (and its message is
    still accessible), handing the post to the handler as `post`; a failed or interrupted
    post only for regenerating it. Anything else falls through to the "this button has
    expired" answer."""

    async def __call__(
        self,
        query: CallbackQuery,
        callback_data: PostActionCallback | RegenerateCallback | FourKCallback,
        studio: StudioService,
    ) -> bool | dict[str, StoredPost]:
        if not isinstance(query.message, Message):
            return False
        post = await studio.own_post(
            query.from_user.id,
            callback_data.post_id,
            regenerable=isinstance(callback_data, RegenerateCallback),
        )
        return {"post": post} if post is not None else False
