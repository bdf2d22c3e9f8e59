"""Making the post (generate, regenerate) and what can be done with it afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, FSInputFile, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from handlers.common.jobs import Jobs, PostJob, Where
from handlers.studio.draft import (
    current_draft,
    open_studio,
    screen,
)
from handlers.studio.filters import OwnPostFilter
from services.core.models import Account
from services.core.work import Origin
from services.studio.captions import render_post
from services.studio.drafts import draft_from, draft_from_fields
from services.studio.models import StoredPost
from services.studio.progress import Progress
from services.studio.service import (
    Draft,
    PostOutcome,
    PostStatus,
    ReadyPost,
    StudioService,
    draft_fields,
    new_draft_key,
)
from ui.common.texts import (
    expired_text,
    not_pro_text,
    progress_text,
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
from ui.studio.texts import outcome_problem

logger = logging.getLogger(__name__)


async def make_post(
    message: Message,
    studio: StudioService,
    account: Account,
    draft: Draft,
    key: str,
    jobs: Jobs,
    *,
    wizard: bool,
) -> PostOutcome:
    """The quick part of a post: the checks and the token hold, then the job that makes it
    (`finish_post`) is queued. QUEUED, or what was told instead (nothing is held then)."""
    held_at = time.time()
    origin = Origin(message.chat.id, message.message_id)
    outcome = await studio.reserve_post(account, draft, key, origin)
    if outcome.status is PostStatus.QUEUED and outcome.post_id is not None:
        where = Where.of(message, account.user_id, get_i18n().current_locale)
        job = PostJob(where, outcome.post_id, held_at, draft_fields(draft), wizard)
        try:
            await jobs.post(job)
        except Exception:  # the queue is unreachable: told as a failure, nothing stays held
            logger.exception("could not queue the post of %s", account.user_id)
            outcome = await studio.abandon(account.user_id, outcome.post_id)
        else:
            return outcome
    await report(outcome, message, studio.cost)
    return outcome


async def finish_post(
    job: PostJob,
    bot: Bot,
    studio: StudioService,
    state: FSMContext | None,
    app_url: str | None = None,
) -> PostOutcome | None:
    """The job: the confirm screen becomes the live progress message, the photo and the full
    post follow, then the final balance (and, from the wizard, a fresh Generate after a
    failure). None when the hold was settled already: nothing is left to do or say."""
    message = job.where.message(bot)
    lock = asyncio.Lock()
    shown = -1
    # "sending a photo…" from the first report on: a job delivered again after its post
    # was made reports nothing, and shows nothing.
    chat_action = contextlib.AsyncExitStack()
    ended = False  # a report still pending when the run is cancelled starts nothing

    async def on_progress(progress: Progress) -> None:
        nonlocal shown
        async with lock:
            if shown < 0 and not ended:
                sender = ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id)
                await chat_action.enter_async_context(sender)
            if progress.step > shown:
                shown = progress.step
                await message.edit_text(progress_text(progress))

    async def deliver(ready: ReadyPost) -> str | None:
        rendered = render_post(ready.text)
        sent = await message.answer_photo(
            BufferedInputFile(ready.photo, filename=ready.photo_name),
            caption=rendered.caption,
            reply_markup=keyboards.post_actions(ready.post_id, app_url, message.chat.type),
        )
        if not rendered.complete:
            for part in rendered.full_messages:
                await message.answer(part)
        return sent.photo[-1].file_id if sent.photo else None

    draft = draft_from_fields(job.draft)
    async with chat_action:
        try:
            outcome = await studio.finish_post(
                job.where.user_id, draft, job.reservation_id, job.held_at, on_progress, deliver
            )
        finally:
            ended = True
    if outcome is None:
        return None
    await report(outcome, message, studio.cost)  # finish_post has drained every progress edit
    if job.wizard and state is not None:
        if outcome.status is PostStatus.FAILED:
            await offer_retry(message, state, studio, job.where.user_id)
        else:
            await state.clear()
    return outcome


async def report(outcome: PostOutcome, message: Message, cost: int) -> None:
    if outcome.status is PostStatus.DONE:
        done = _("✅ Done! {cost} tokens spent, {balance} left.")
        await message.edit_text(done.format(cost=cost, balance=outcome.balance))
    elif outcome.status is PostStatus.FAILED:
        await message.edit_text(outcome_problem(outcome, cost))
    else:  # nothing was started: the screen the user tapped stays as it is
        await message.answer(outcome_problem(outcome, cost))


async def process_generate(
    query: CallbackQuery,
    callback_data: StudioNavCallback,
    state: FSMContext,
    account: Account,
    studio: StudioService,
    jobs: Jobs,
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


async def offer_retry(
    message: Message, state: FSMContext, studio: StudioService, user_id: int
) -> None:
    """Shows the confirm screen again under a fresh key, so 'Generate' can be pressed anew."""
    data = await state.update_data(draft=new_draft_key())
    account = await studio.account(user_id)
    if account is not None:
        text, markup = screen("confirm", data, account, studio)
        await message.answer(text, reply_markup=markup)


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
        _("Make a new version of this post for {cost} tokens? Your balance: {balance}.").format(
            cost=studio.cost, balance=account.balance
        ),
        reply_markup=keyboards.regenerate_confirm(post.id, new_draft_key(), studio.cost),
    )


async def process_regenerate_yes(
    query: CallbackQuery,
    callback_data: RegenerateCallback,
    post: StoredPost,
    account: Account,
    studio: StudioService,
    jobs: Jobs,
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
    ):
        register(handler, PostActionCallback.filter(F.action == action), OwnPostFilter())
    register(process_regenerate_yes, RegenerateCallback.filter(F.confirm), OwnPostFilter())
    register(process_regenerate_no, RegenerateCallback.filter(~F.confirm), OwnPostFilter())
    return router
