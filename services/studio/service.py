"""The Viral Studio, as the handlers see it: reserve tokens, write the post and paint its
image at the same time (services/studio/run.py), then commit — or refund exactly once when
anything fails; and the partner's account, referral link and own posts."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from services.core.account_repo import AccountRepo
from services.core.holds import Refusal, give_back, hold_under_lock
from services.core.image_repo import ImageRepo, StoredImage
from services.core.jobs import JobQueue, QueuedJob, Where, queue_or_release
from services.core.ledger import Ledger
from services.core.models import Account, Reservation
from services.core.stops import MemoryStops, StopSignals, hold_key
from services.core.work_repo import Origin
from services.generation.base import FailureKind, GenerationError
from services.generation.chain import ImageChain
from services.generation.image_bytes import as_png
from services.infra.db import Database
from services.infra.locks import UserLocks
from services.infra.media import MediaStore
from services.studio.board import BoardedQueue, Event, JobBoard
from services.studio.chains import PromptChain, TextChain
from services.studio.drafts import Action, Draft, action_fields, draft_fields, new_draft_key
from services.studio.jobs import AppPostJob, PostJob
from services.studio.models import PartialCallback, StoredPost
from services.studio.post_repo import PostRepo
from services.studio.progress import ProgressCallback
from services.studio.run import (
    DeliverCallback,
    KeptPicture,
    PostOutcome,
    PostRun,
    PostStatus,
    ReadyPost,
)

__all__ = [
    "DeliverCallback",
    "Draft",
    "PostOutcome",
    "PostStatus",
    "ReadyPost",
    "StudioService",
    "draft_fields",
    "new_draft_key",
]


class StudioService:
    def __init__(
        self,
        *,
        db: Database,
        ledger: Ledger,
        accounts: AccountRepo,
        posts: PostRepo,
        text_chain: TextChain,
        image_chain: ImageChain,
        prompt_chain: PromptChain,
        media: MediaStore,
        locks: UserLocks,
        cost: int,
        timeout: float,
        stops: StopSignals | None = None,
        rewrite_cost: int = 1,
    ) -> None:
        self._ledger = ledger
        self._stops = stops or MemoryStops()
        self._accounts = accounts
        self._posts = posts
        self._images = ImageRepo(db)
        self._text = text_chain
        self._media = media
        self._locks = locks
        self.cost = cost
        self.rewrite_cost = rewrite_cost
        """Tokens a new text for a post's picture costs (the models table's `rewrite`)."""
        self.timeout = timeout
        """Seconds a post may take from its hold (GENERATION_TIMEOUT): the run's deadline."""
        self._run = PostRun(
            db=db,
            ledger=ledger,
            accounts=accounts,
            text_chain=text_chain,
            image_chain=image_chain,
            prompt_chain=prompt_chain,
            media=media,
            timeout=timeout,
        )

    @property
    def languages(self) -> tuple[str, ...]:
        """Post languages the active text generator can write, English first."""
        return tuple(sorted(self._text.languages, key=lambda code: (code != "en", code)))

    async def create_post(
        self,
        account: Account,
        draft: Draft,
        key: str,
        on_progress: ProgressCallback,
        deliver: DeliverCallback,
        origin: Origin | None = None,
    ) -> PostOutcome:
        """Reserves the cost, writes and paints at the same time, hands the result to
        `deliver` (which shows it to the user) and only then commits the tokens. Any
        failure, delivery included, refunds them exactly once. `origin` is the progress
        message: if the bot dies meanwhile, the sweeper refunds the hold and tells it there.
        (The bot does the two halves apart: `reserve_post` in the handler, `finish_post`
        in a job of the queue.)"""
        held_at = time.time()
        started = await self.reserve_post(account, draft, key, origin)
        if started.status is not PostStatus.QUEUED or started.post_id is None:
            return started
        outcome = await self.finish_post(
            account.user_id, draft, started.post_id, held_at, on_progress, deliver
        )
        return outcome or PostOutcome(
            PostStatus.DUPLICATE, await self._run.balance(account.user_id)
        )

    async def reserve_post(
        self,
        account: Account,
        draft: Draft,
        key: str,
        origin: Origin | None = None,
        *,
        rewrite: bool = False,
    ) -> PostOutcome:
        """The quick half: the PRO check, the person's one-post-in-flight lock and the token
        hold (with its `origin`, for the sweeper; a `rewrite` is a new text for a delivered
        post's picture, at `rewrite_cost`). QUEUED (`post_id` is the reservation's
        id) means the run is to be made by `finish_post`, which also releases the lock;
        any other status means nothing was started and nothing is held."""
        user_id = account.user_id
        if not account.is_pro:
            return PostOutcome(PostStatus.NOT_PRO, account.balance)
        reservation = await hold_under_lock(
            self._locks,
            self._ledger,
            user_id,
            self.rewrite_cost if rewrite else self.cost,
            f"studio:{user_id}:{key}",
            "studio post",
            origin,
            {**draft_fields(draft), **(action_fields(Action.REWRITE) if rewrite else {})},
        )
        if reservation is Refusal.BUSY:
            return PostOutcome(PostStatus.BUSY, account.balance)
        if isinstance(reservation, Refusal):
            return PostOutcome(PostStatus(reservation.value), await self._run.balance(user_id))
        balance = account.balance - reservation.amount  # as of the account read for this update
        return PostOutcome(PostStatus.QUEUED, balance, post_id=reservation.id)

    async def queue_post(
        self,
        account: Account,
        draft: Draft,
        key: str,
        queue: JobQueue,
        where: Where,
        *,
        wizard: bool,
        picture_of: int | None = None,
    ) -> PostOutcome:
        """A post from the chat: the tokens held (`reserve_post`), then its job queued for
        `finish_post`. QUEUED, or what stopped it (nothing is held then: a queue that cannot
        take the job gives the tokens back at once, FAILED). With `picture_of` (a delivered
        post of theirs), a new text for that post's picture, at `rewrite_cost`."""
        fields = draft_fields(draft)
        origin = Origin(where.chat_id, where.message_id)
        return await self._hold_and_queue(
            account,
            draft,
            key,
            origin,
            queue,
            lambda post_id, held_at: PostJob(
                where, post_id, held_at, fields, wizard, picture_of=picture_of
            ),
            rewrite=picture_of is not None,
        )

    async def queue_app_post(
        self,
        account: Account,
        draft: Draft,
        locale: str,
        queue: JobQueue,
        board: JobBoard,
        *,
        job_id: str | None = None,
        key: str | None = None,
        picture_of: int | None = None,
        queued: Event | None = None,
    ) -> tuple[PostOutcome, str]:
        """A post from the Mini App: the tokens held, its job put on the job `board` (which
        every web process reads, its first event with `queued`) and queued. The outcome as
        `queue_post`'s, and the job's id (`job_id`, else a new one). With `picture_of` (a
        delivered post of theirs), a new text for that post's picture, at `rewrite_cost`;
        `key` names the hold (a key held before is DUPLICATE)."""
        job_id = job_id or secrets.token_urlsafe(12)
        user_id, fields = account.user_id, draft_fields(draft)
        outcome = await self._hold_and_queue(
            account,
            draft,
            key or new_draft_key(),
            None,
            BoardedQueue(queue, board, queued),
            lambda post_id, held_at: AppPostJob(
                job_id, user_id, locale, post_id, held_at, fields, picture_of
            ),
            rewrite=picture_of is not None,
        )
        return outcome, job_id

    async def _hold_and_queue(
        self,
        account: Account,
        draft: Draft,
        key: str,
        origin: Origin | None,
        queue: JobQueue,
        job_for: Callable[[int, float], QueuedJob],
        *,
        rewrite: bool = False,
    ) -> PostOutcome:
        """The tokens held, then the job `job_for(reservation id, held at)` queued; the hold
        is released at once when the queue cannot take it."""
        held_at = time.time()
        outcome = await self.reserve_post(account, draft, key, origin, rewrite=rewrite)
        if outcome.status is not PostStatus.QUEUED or outcome.post_id is None:
            return outcome
        post_id = outcome.post_id
        job = job_for(post_id, held_at)
        released = await queue_or_release(
            queue, job, lambda: self.abandon(account.user_id, post_id)
        )
        return released or outcome

    async def finish_post(
        self,
        user_id: int,
        draft: Draft,
        reservation_id: int,
        held_at: float,
        on_progress: ProgressCallback,
        deliver: DeliverCallback,
        on_partial: PartialCallback | None = None,
        picture_of: int | None = None,
    ) -> PostOutcome | None:
        """The slow half, for a hold `reserve_post` made at `held_at` (Unix seconds): None
        when there is no work left (the hold was committed or refunded already: a job
        delivered twice). The run keeps the hold's deadline (`held_at` + the generation
        timeout), the one the sweeper counts from, however late it starts. A run releases
        the person's lock, whatever happens (a held lock no run will release expires)."""
        reservation, account = await asyncio.gather(
            self.held(reservation_id), self._accounts.get(user_id)
        )
        if reservation is None or account is None or reservation.user_id != user_id:
            return None  # its run ended (and let go of the lock), or the sweep refunded it
        try:
            left = held_at + self.timeout - time.time()
            kept = await self._kept(user_id, picture_of) if picture_of is not None else None
            async with self._stops.watching(hold_key(reservation_id)) as stop:
                return await self._run.make(
                    account,
                    draft,
                    reservation,
                    on_progress,
                    deliver,
                    timeout=max(left, 0.0),
                    on_partial=on_partial,
                    stop=stop,
                    kept=kept,
                )
        finally:
            await self._locks.release(user_id)

    async def _kept(self, user_id: int, post_id: int) -> KeptPicture | None:
        """The picture of `user_id`'s post `post_id` (None when it is gone: the new text
        then gets a new picture, as a post does)."""
        image = await self._images.for_post(user_id, post_id)
        if image is None or not image.path:
            return None
        try:
            png = await asyncio.to_thread(self._media.path(image.path).read_bytes)
        except OSError:
            return None
        try:
            png, width, height = await as_png(png)
        except GenerationError:
            return None
        return KeptPicture(image, png, width, height)

    async def stop(self, user_id: int, reservation_id: int) -> bool:
        """The person's Stop for their post in flight: True when its hold is still held
        (its run stops before the post is shown and gives the tokens back, wherever it
        runs, or at its start); False when it has ended already (nothing changes)."""
        reservation = await self.held(reservation_id)
        if reservation is None or reservation.user_id != user_id:
            return False
        await self._stops.request(hold_key(reservation_id))
        return True

    async def abandon(self, user_id: int, reservation_id: int) -> PostOutcome:
        """Undoes `reserve_post` when its job could not be queued: the tokens go back now
        (FAILED, as a failed run) and the person may press again."""
        await give_back(self._locks, self._ledger, user_id, reservation_id)
        balance = await self._run.balance(user_id)
        return PostOutcome(PostStatus.FAILED, balance, failure=FailureKind.UNAVAILABLE)

    async def held(self, reservation_id: int) -> Reservation | None:
        """The hold, while it is still held (neither committed nor refunded)."""
        return await self._ledger.held(reservation_id)

    async def account(self, user_id: int) -> Account | None:
        return await self._accounts.get(user_id)

    async def save_referral_link(self, user_id: int, link: str) -> None:
        """Remembers the partner's link so the next post can reuse it with one tap."""
        await self._accounts.set_referral_link(user_id, link)

    async def own_post(
        self, user_id: int, post_id: int, *, regenerable: bool = False
    ) -> StoredPost | None:
        """The finished post, only if it belongs to `user_id`; with `regenerable`, a failed
        or interrupted one too (its choices are kept, so it can be made again)."""
        post = await self._posts.get(post_id)
        wanted = ("done", "failed") if regenerable else ("done",)
        if post is None or post.user_id != user_id or post.status not in wanted:
            return None
        return post

    async def recent_posts(self, user_id: int, limit: int, offset: int) -> list[StoredPost]:
        """`user_id`'s finished posts, newest first (the Mini App's history)."""
        ids = await self._posts.recent_ids(user_id, limit, offset)
        posts = [await self.own_post(user_id, post_id) for post_id in ids]
        return [post for post in posts if post is not None]

    async def post_image(self, user_id: int, post_id: int) -> StoredImage | None:
        """The picture of `user_id`'s post (what its cards and shares are made from)."""
        return await self._images.for_post(user_id, post_id)

    def image_file(self, relative_path: str) -> Path:
        return self._media.path(relative_path)
