"""The job of a studio post from the chat (services/studio/jobs.py `PostJob`): the confirm
screen becomes the live progress message, the photo and the full post follow, then the
final balance (and, from the wizard, a fresh Generate after a failure)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.chat_action import ChatActionSender
from redis.exceptions import RedisError

from services.studio.captions import render_post
from services.studio.drafts import draft_from_fields
from services.studio.jobs import PostJob
from services.studio.progress import Progress
from services.studio.service import PostOutcome, PostStatus, ReadyPost, StudioService
from ui.common.chat import message_at
from ui.common.drafts import DraftPace, LiveText
from ui.common.texts import partial_text, progress_text
from ui.studio import keyboards
from ui.studio.replies import report
from ui.studio.wizard import offer_retry

logger = logging.getLogger(__name__)


async def finish_post(
    job: PostJob,
    bot: Bot,
    studio: StudioService,
    state: FSMContext | None,
    app_url: str | None = None,
    pace: DraftPace | None = None,
) -> PostOutcome | None:
    """The job: the confirm screen becomes the live progress message, the text appears as
    it is written (a draft with a Stop button in a private chat: `pace`), the photo and the
    full post follow, then the final balance (and, from the wizard, a fresh Generate after
    a failure or a stop). None when the hold was settled already: nothing is left to do or
    say."""
    message = message_at(job.where, bot)
    shown = _ProgressShown(bot, message)
    live = (
        LiveText(bot, message, job.reservation_id, pace, shown.show_partial)
        if pace is not None
        else None
    )
    draft = draft_from_fields(job.draft)
    async with shown.chat_action:
        try:
            outcome = await studio.finish_post(
                job.where.user_id,
                draft,
                job.reservation_id,
                job.held_at,
                shown.show,
                _photo_sender(message, app_url, live),
                on_partial=(lambda p: live.update(partial_text(p))) if live else None,
                picture_of=job.picture_of,
            )
        finally:
            shown.ended = True
            if live is not None:
                await live.close()
    if outcome is None:
        return None
    cost = studio.cost if job.picture_of is None else studio.rewrite_cost
    await report(outcome, message, cost)  # finish_post has drained every progress edit
    if job.wizard and state is not None:
        try:
            if outcome.status in (PostStatus.FAILED, PostStatus.STOPPED):
                await offer_retry(message, state, studio, job.where.user_id)
            else:
                await state.clear()
        except (RedisError, OSError) as error:
            # The post is settled and told: a wizard the person cannot be moved on from
            # now (the FSM storage away) is left as it is, not a reason to run it again.
            logger.warning(
                "the wizard of post job %s stays where it was: %s", job.reservation_id, error
            )
    return outcome


class _ProgressShown:
    """The progress message: each step shown once, in order, and "sending a photo…" from
    the first report on (a job delivered again after its post was made reports nothing,
    and shows nothing)."""

    def __init__(self, bot: Bot, message: Message) -> None:
        self.bot, self.message = bot, message
        self.lock = asyncio.Lock()
        self.step = -1
        self.chat_action = contextlib.AsyncExitStack()
        self.ended = False  # a report still pending when the run is cancelled starts nothing
        self.steps_text = ""
        """The progress message's text as the last step left it."""
        self.shown_text: str | None = None
        """What the message shows now (an edit to the same text is never sent)."""

    async def show_partial(self, partial_html: str) -> None:
        """Where drafts cannot be used: the text so far under the steps."""
        async with self.lock:
            if not self.ended and self.steps_text:
                await self._edit(f"{self.steps_text}\n\n{partial_html}")

    async def _edit(self, text: str) -> None:
        if text != self.shown_text:
            await self.message.edit_text(text)
            self.shown_text = text

    async def show(self, progress: Progress) -> None:
        async with self.lock:
            if self.step < 0 and not self.ended:
                chat_id = self.message.chat.id
                sender = ChatActionSender.upload_photo(bot=self.bot, chat_id=chat_id)
                await self.chat_action.enter_async_context(sender)
            if progress.step > self.step:
                self.step = progress.step
                self.steps_text = progress_text(progress)
                await self._edit(self.steps_text)


def _photo_sender(
    message: Message, app_url: str | None, live: LiveText | None = None
) -> Callable[[ReadyPost], Awaitable[str | None]]:
    """Sends the post's photo with its caption and buttons, then the full post when the
    caption could not hold it; returns the photo's file_id. The live text stops first: a
    draft sent after the photo would show again for its 30 seconds."""

    async def deliver(ready: ReadyPost) -> str | None:
        if live is not None:
            await live.close()
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

    return deliver
