"""More pictures for a delivered post ("🖼 More pictures") and picking one of them."""

from __future__ import annotations

import time

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from handlers.studio.filters import OwnPostFilter
from services.core.jobs import JobQueue, queue_or_release
from services.core.models import Account
from services.core.work_repo import Origin
from services.studio.jobs import VariantsJob
from services.studio.models import StoredPost
from services.studio.run import PostOutcome
from services.studio.variants import Variants
from ui.common.chat import where_of
from ui.common.texts import expired_text
from ui.studio.callbacks import PickPictureCallback, PostAction, PostActionCallback
from ui.studio.texts import outcome_problem


async def process_post_variants(
    query: CallbackQuery, post: StoredPost, account: Account, variants: Variants, jobs: JobQueue
) -> None:
    """The tokens held, then the job queued; a new message shows how it goes."""
    assert isinstance(query.message, Message)  # checked by OwnPostFilter
    await query.answer()
    progress = await query.message.answer(
        _("🖼 Painting {count} more pictures ({price} tokens)…").format(
            count=variants.count, price=variants.price
        )
    )
    held = await variants.hold(
        account, post, f"{post.id}:{query.id}", Origin(progress.chat.id, progress.message_id)
    )
    if not isinstance(held, int):
        told = PostOutcome(held.status, held.balance)
        await progress.edit_text(outcome_problem(told, variants.price))
        return
    where = where_of(progress, account.user_id, get_i18n().current_locale)
    job = VariantsJob(where, held, time.time(), post.id)
    released = await queue_or_release(jobs, job, lambda: variants.release(account.user_id, held))
    if released:
        await progress.edit_text(_("The queue is unavailable right now: nothing was taken."))


async def process_pick(
    query: CallbackQuery, callback_data: PickPictureCallback, variants: Variants
) -> None:
    if await variants.pick(query.from_user.id, callback_data.post_id, callback_data.image_id):
        await query.answer(_("Done: this picture is now the post's picture."))
    else:
        await query.answer(expired_text(), show_alert=True)


def create_router() -> Router:
    router = Router(name=__name__)
    register = router.callback_query.register
    register(
        process_post_variants,
        PostActionCallback.filter(F.action == PostAction.VARIANTS),
        OwnPostFilter(),
    )
    register(process_pick, PickPictureCallback.filter())
    return router
