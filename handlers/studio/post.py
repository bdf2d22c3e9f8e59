"""Making the post (generate, regenerate) and what can be done with it afterwards."""

from __future__ import annotations

import asyncio
import logging

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, FSInputFile, Message
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _

from handlers.studio.draft import current_draft, open_studio
from handlers.studio.filters import OwnPostFilter
from services.core.jobs import JobQueue
from services.core.models import Account
from services.studio.drafts import draft_from
from services.studio.models import StoredPost
from services.studio.service import (
    Draft,
    PostOutcome,
    PostStatus,
    StudioService,
    new_draft_key,
)
from ui.common.chat import where_of
from ui.common.texts import (
    expired_text,
    not_pro_text,
)
from ui.sharing.keyboards import send_card_menu
from ui.studio import keyboards
from ui.studio.callbacks import (
    PostAction,
    PostActionCallback,
    RegenerateCallback,
    StudioNav,
    StudioNavCallback,
)
from ui.studio.replies import report
from ui.studio.texts import outcome_problem
from ui.studio.wizard import offer_retry

logger = logging.getLogger(__name__)


async def make_post(
    message: Message,
    studio: StudioService,
    account: Account,
    draft: Draft,
    key: str,
    jobs: JobQueue,
    *,
    wizard: bool,
) -> PostOutcome:
    """The quick part of a post: the checks and the token hold, then the job that makes it
    is queued (bot/jobs/studio_post.py). QUEUED, or what was told instead (nothing is held
    then)."""
    where = where_of(message, account.user_id, get_i18n().current_locale)
    outcome = await studio.queue_post(account, draft, key, jobs, where, wizard=wizard)
    if outcome.status is not PostStatus.QUEUED:
        await report(outcome, message, studio.cost)
    return outcome


async def process_generate(
    query: CallbackQuery,
    callback_data: StudioNavCallback,
    state: FSMContext,
    account: Account,
    studio: StudioService,
    jobs: JobQueue,
) -> None:
    data = await current_draft(query, state, callback_data.draft, needs="language")
    if data is None or not isinstance(query.message, Message):
        return
    if data.get("step") != "confirm":  # the wizard went back since this screen was shown
        await query.answer(expired_text(), show_alert=True)
        return
    # The answer travels while the tokens are reserved and the job is queued.
    answering = asyncio.ensure_future(query.answer(_("Working on it…")))
    outcome = await make_post(
        query.message, studio, account, draft_from(data), callback_data.draft, jobs, wizard=True
    )
    await answering
    if outcome.status is PostStatus.FAILED:  # it could not be queued
        await offer_retry(query.message, state, studio, query.from_user.id)
    elif outcome.status not in (PostStatus.BUSY, PostStatus.QUEUED):  # the job closes it
        await state.clear()


async def process_post_cards(
    query: CallbackQuery, post: StoredPost, studio: StudioService
) -> None:
    assert isinstance(query.message, Message)  # checked by OwnPostFilter
    await query.answer()
    image = await studio.post_image(post.user_id, post.id)
    if image is not None:
        await send_card_menu(query.message, image.id)


async def process_post_new(
    query: CallbackQuery,
    state: FSMContext,
    account: Account,
    studio: StudioService,
    webapp_url: str | None = None,
) -> None:
    assert isinstance(query.message, Message)  # checked by OwnPostFilter
    await query.answer()
    await open_studio(query.message, state, account, studio, webapp_url)


async def process_post_download(
    query: CallbackQuery, post: StoredPost, studio: StudioService
) -> None:
    assert isinstance(query.message, Message)  # checked by OwnPostFilter
    await query.answer()
    if post.image_path:
        document = FSInputFile(studio.image_file(post.image_path), filename=f"post-{post.id}.png")
        await query.message.answer_document(document)


async def process_post_regenerate(
    query: CallbackQuery, post: StoredPost, account: Account, studio: StudioService
) -> None:
    """Asks first: a new version costs tokens."""
    assert isinstance(query.message, Message)  # checked by OwnPostFilter
    await query.answer()
    if not account.is_pro:
        await query.message.answer(not_pro_text(account.balance))
        return
    await query.message.answer(
        ngettext(
            "Make a new version of this post for {cost} token? Your balance: {balance}.",
            "Make a new version of this post for {cost} tokens? Your balance: {balance}.",
            studio.cost,
        ).format(cost=studio.cost, balance=account.balance),
        reply_markup=keyboards.regenerate_confirm(post.id, new_draft_key(), studio.cost),
    )


async def process_post_rewrite(
    query: CallbackQuery,
    post: StoredPost,
    account: Account,
    studio: StudioService,
    jobs: JobQueue,
) -> None:
    """A new text for this post's picture (the models table's `rewrite`): a new message becomes its
    progress message, then the photo comes again with the new caption."""
    assert isinstance(query.message, Message)  # checked by OwnPostFilter
    await query.answer()
    progress = await query.message.answer(
        ngettext(
            "📝 Writing a new text for this picture ({cost} token)…",
            "📝 Writing a new text for this picture ({cost} tokens)…",
            studio.rewrite_cost,
        ).format(cost=studio.rewrite_cost)
    )
    where = where_of(progress, account.user_id, get_i18n().current_locale)
    key = f"rewrite:{post.id}:{query.id}"
    outcome = await studio.queue_post(
        account, Draft.of(post), key, jobs, where, wizard=False, picture_of=post.id
    )
    if outcome.status is not PostStatus.QUEUED:
        await progress.edit_text(outcome_problem(outcome, studio.rewrite_cost))


async def process_regenerate_yes(
    query: CallbackQuery,
    callback_data: RegenerateCallback,
    post: StoredPost,
    account: Account,
    studio: StudioService,
    jobs: JobQueue,
) -> None:
    assert isinstance(query.message, Message)  # checked by OwnPostFilter
    await query.answer()
    key = f"regen:{post.id}:{callback_data.nonce}"
    await make_post(query.message, studio, account, Draft.of(post), key, jobs, wizard=False)


async def process_regenerate_no(query: CallbackQuery) -> None:
    assert isinstance(query.message, Message)  # checked by OwnPostFilter
    await query.answer()
    await query.message.edit_text(_("Okay, the post stays as it is."))


def create_router() -> Router:
    router = Router(name=__name__)
    register = router.callback_query.register
    register(process_generate, StudioNavCallback.filter(F.action == StudioNav.GENERATE))
    for handler, action in (
        (process_post_regenerate, PostAction.REGENERATE),
        (process_post_new, PostAction.NEW),
        (process_post_download, PostAction.DOWNLOAD),
        (process_post_cards, PostAction.CARDS),
        (process_post_rewrite, PostAction.REWRITE),
    ):
        register(handler, PostActionCallback.filter(F.action == action), OwnPostFilter())
    register(process_regenerate_yes, RegenerateCallback.filter(F.confirm), OwnPostFilter())
    register(process_regenerate_no, RegenerateCallback.filter(~F.confirm), OwnPostFilter())
    return router
