"""A studio post started from the Mini App, as a job of the queue (bot/jobs/runner.py runs it in
a `python -m bot worker`, or in this process without Redis): the web process holds the
tokens and queues the job; the job makes the post and writes its progress on the job
board (services/studio/board.py), which every web process reads for GET /api/jobs/{id}
and its server-sent events.

Idempotent as the chat's post job: a hold that is settled already means the job ran (a
delivery of it again makes nothing, and tells the board how it ended if the run that
settled it died before telling). A job whose every run died (no worker finished it within
the hold's deadline, and the sweeper refunded it) is settled by the first reader that
sees it stale (`settle_stale`): failed and refunded, or done if its post was stored."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncGenerator

from aiogram.utils.i18n import I18n
from pydantic import BaseModel

from services.generation.base import FailureKind
from services.studio.board import FINAL, BoardJob, Event, JobBoard
from services.studio.drafts import Action, draft_from_fields
from services.studio.jobs import AppPostJob
from services.studio.models import PartialPost, PostText, StoredPost
from services.studio.progress import Progress
from services.studio.run import PostOutcome, PostStatus, ReadyPost
from services.studio.service import StudioService
from ui.interrupted import interrupted_app_action_text, interrupted_post_text
from ui.studio.texts import outcome_problem
from webapp.signing import MediaSigner
from webapp.texts import said

WRITING_EVERY = 0.5
"""Seconds between two "writing" events of a job (only the newest text is told)."""
logger = logging.getLogger(__name__)
STOPPABLE_JOBS = frozenset({None, Action.REWRITE.value})
"""The board jobs a Stop stops: a post (no action) and a new text for a post's picture."""
QUIET = 15.0
"""Seconds without an event after which a follower checks whether the job went stale."""
TELL_GRACE = 2.0
"""Seconds past a hold's deadline a waiter gives the run to tell how it ended (a run that
times out refunds, then tells)."""


class PostResult(BaseModel):
    """Seed 000's response, with the stored post's id and its download link."""

    post_id: int
    title: str
    body: str
    hashtags: list[str]
    image_prompt: str
    image_url: str | None
    download_url: str | None
    tokens_remaining: int


def text_of(text: PostText) -> dict[str, object]:
    return {"title": text.title, "body": text.body, "hashtags": list(text.hashtags)}


class PacedWriting:
    """The post as it is written, told on the board as "writing" events: the newest text
    at most every `every` seconds (each event is kept in the job's stream for its
    readers), the ones between skipped."""

    def __init__(self, board: JobBoard, job_id: str, every: float) -> None:
        self._board, self._job_id, self._every = board, job_id, every
        self._latest: PartialPost | None = None
        self._told: PartialPost | None = None
        self._task: asyncio.Task[None] | None = None

    def update(self, partial: PartialPost) -> None:
        self._latest = partial
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._tell(), name="app-writing")

    async def _tell(self) -> None:
        try:
            while (latest := self._latest) is not None and latest != self._told:
                self._told = latest
                text = {"title": latest.title, "body": latest.body}
                await self._board.emit(self._job_id, {"status": "writing", "text": text})
                await asyncio.sleep(self._every)
        except Exception as error:  # noqa: BLE001 - a preview, never the post's end
            logger.warning("writing events of job %s stopped: %r", self._job_id, error)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task


class AppPosts:
    """Makes the Mini App's posts and tells the board how each one goes."""

    def __init__(
        self,
        studio: StudioService,
        board: JobBoard,
        signer: MediaSigner,
        i18n: I18n,
        stale_after: float,
    ) -> None:
        self.studio = studio
        self.board = board
        self.signer = signer
        self.i18n = i18n
        self.stale_after = stale_after
        """Seconds after its hold was made when a job no run finished is settled by readers
        (the hold's deadline plus the sweeper's margin: by then it was refunded)."""
        self.grace = TELL_GRACE
        """Seconds past a hold's deadline `ended` waits for the run to tell its end."""

    async def make(self, job: AppPostJob) -> PostOutcome | None:
        """The job's work; None when its hold was settled already (nothing left to do)."""
        told_text = False
        in_order = asyncio.Lock()  # progress reports run in the background: text first
        writing = PacedWriting(self.board, job.job_id, WRITING_EVERY)

        async def tell_text(text: PostText) -> None:
            nonlocal told_text
            async with in_order:
                if not told_text:
                    told_text = True
                    await writing.close()  # no "writing" after the whole text
                    event = {"status": "text_ready", "text": text_of(text)}
                    await self.board.emit(job.job_id, event)

        async def on_progress(progress: Progress) -> None:
            if progress.text is not None:
                await tell_text(progress.text)

        async def deliver(ready: ReadyPost) -> str | None:
            await tell_text(ready.text)
            await self.board.put_image(job.job_id, ready.image_png)
            url = self.signer.job_url(job.user_id, job.job_id)
            await self.board.emit(job.job_id, {"status": "image_ready", "image_url": url})
            return None

        try:
            outcome = await self.studio.finish_post(
                job.user_id,
                draft_from_fields(job.draft),
                job.reservation_id,
                job.held_at,
                on_progress,
                deliver,
                on_partial=writing.update,
                picture_of=job.picture_of,
            )
        finally:
            await writing.close()
        if outcome is not None:
            cost = self.studio.cost if job.picture_of is None else self.studio.rewrite_cost
            await self.tell_outcome(job.job_id, job.user_id, job.locale, outcome, cost)
        elif (board_job := await self.board.get(job.job_id)) is not None:
            await self.settle(board_job, job.locale)  # an earlier run died before telling
        return outcome

    async def follow(
        self, job_id: str, locale: str, quiet: float = QUIET, until: float = math.inf
    ) -> AsyncGenerator[Event | None, None]:
        """The job's events from the first, each as soon as it is written (the board blocks
        until then), and None after each `quiet` seconds without one (the job is then
        told as it ended if it went stale). Ends after the final event, when the job has
        expired, or at `until` (on `time.monotonic()`'s clock)."""
        cursor = ""
        while (left := until - time.monotonic()) > 0:
            batch = await self.board.after(job_id, cursor, min(quiet, left))
            cursor = batch.cursor
            for event in batch.events:
                yield event
                if event["status"] in FINAL:
                    return
            if not batch.events:
                yield None
                job = await self.board.get(job_id)
                if job is None:  # expired meanwhile
                    return
                await self.settle_stale(job, locale)

    async def ended(self, job_id: str, locale: str) -> Event | None:
        """The job's final event ("done" or "failed"), waited for until its hold's deadline
        (and `grace` for the run to tell it); None when it has not ended by then (it will:
        it runs on, or the sweeper refunds it) or is unknown."""
        job = await self.board.get(job_id)
        if job is None:
            return None
        left = job.held_at + self.studio.timeout + self.grace - time.time()
        events = self.follow(job_id, locale, until=time.monotonic() + left)
        async with contextlib.aclosing(events):
            async for event in events:
                if event is not None and event["status"] in FINAL:
                    return event
        return None

    async def tell_outcome(
        self, job_id: str, user_id: int, locale: str, outcome: PostOutcome, cost: int
    ) -> None:
        if outcome.status is PostStatus.DONE and outcome.post_id is not None:
            assert outcome.text is not None  # a done post has its text
            result = await self.result(user_id, outcome.post_id, outcome.balance, outcome.text)
            await self.board.emit(job_id, {"status": "done", "result": result.model_dump()})
            return
        refunded = outcome.status in (PostStatus.FAILED, PostStatus.STOPPED)
        message = said(self.i18n, locale, outcome_problem, outcome, cost)
        stopped = outcome.status is PostStatus.STOPPED
        await self.fail(job_id, message, refunded, outcome.balance, outcome.failure, stopped)

    async def fail(
        self,
        job_id: str,
        message: str,
        refunded: bool,
        balance: int,
        failure: FailureKind | None = None,
        stopped: bool = False,
    ) -> None:
        """Tells the job failed: `failure` is the generators' reason (None when the job was
        interrupted, refused or `stopped` by its owner)."""
        event = {
            "status": "failed",
            "message": message,
            "refunded": refunded,
            "tokens_remaining": balance,
            "failure": failure.value if failure is not None else None,
            "stopped": stopped,
        }
        await self.board.emit(job_id, event)

    async def result(
        self, user_id: int, post_id: int, balance: int, words: PostText | StoredPost
    ) -> PostResult:
        """The response for a stored post, with `words` (its text, as made or as stored)."""
        image = await self.studio.post_image(user_id, post_id)
        url = self.signer.url(user_id, image.id) if image else None
        return PostResult(
            post_id=post_id,
            title=words.title or "",
            body=words.body or "",
            hashtags=list(words.hashtags),
            image_prompt=image.prompt if image else "",
            image_url=url,
            download_url=f"{url}&download=1" if url else None,
            tokens_remaining=balance,
        )

    async def stop(self, job: BoardJob) -> bool:
        """The owner's Stop: True when the run was asked to stop (it ends before the post
        is shown, refunded, and tells the board); False when it has ended already."""
        return not job.finished and await self.studio.stop(job.user_id, job.reservation_id)

    @staticmethod
    def stoppable(job: BoardJob) -> bool:
        """A post or a new text may be stopped; the other actions on a post may not (nor
        in the chat)."""
        return job.action in STOPPABLE_JOBS

    async def job(self, job_id: str, user_id: int, locale: str) -> BoardJob | None:
        """`user_id`'s job as the board has it, settled first if it went stale (None when
        it is not theirs, or has expired)."""
        job = await self.board.get(job_id)
        if job is None or job.user_id != user_id:
            return None
        if await self.settle_stale(job, locale):  # told now: read what it says
            return await self.board.get(job_id) or job
        return job

    async def settle_stale(self, job: BoardJob, locale: str) -> bool:
        """A job still open past its hold's deadline and the sweep: told as it ended.
        True when it was told now."""
        if job.finished or time.time() < job.held_at + self.stale_after:
            return False
        return await self.settle(job, locale)

    async def settle(self, job: BoardJob, locale: str) -> bool:
        """A job whose hold is settled but whose end was never told (its run died after
        the commit, or the sweeper refunded it): told from what the database holds.
        True when it was told now."""
        if job.finished or await self.studio.held(job.reservation_id) is not None:
            return False  # not swept yet: a run may still finish it
        account = await self.studio.account(job.user_id)
        balance = account.balance if account is not None else 0
        if not self.stoppable(job):  # an action on a post: whether it was done is not told
            message = said(self.i18n, locale, interrupted_app_action_text, balance)
            await self.fail(job.id, message, False, balance)
            return True
        if (post := await self.studio.own_post(job.user_id, job.reservation_id)) is not None:
            result = await self.result(job.user_id, post.id, balance, post)
            await self.board.emit(job.id, {"status": "done", "result": result.model_dump()})
            return True
        cost = int(job.events[0].get("cost", self.studio.cost)) if job.events else self.studio.cost
        message = said(self.i18n, locale, interrupted_post_text, cost, balance)
        await self.fail(job.id, message, True, balance)
        return True
